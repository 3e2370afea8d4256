import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The receptionist reads this console all day, often at a glance from across
 * the desk: every text colour must meet WCAG AA (4.5:1) on the surface it sits
 * on, in both palettes of renderer/src/lib/theme.css.
 */

const css = readFileSync('renderer/src/lib/theme.css', 'utf8');
const darkStart = css.indexOf('@media (prefers-color-scheme: dark)');

function palette(block: string): Map<string, string> {
  return new Map([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\b/gi)].map((match) => [match[1] ?? '', match[2] ?? '']));
}

const light = palette(css.slice(0, darkStart));
const dark = new Map([...light, ...palette(css.slice(darkStart, css.indexOf('html,', darkStart)))]);

function luminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

/** Text colour → the backgrounds it is drawn on (badges, segments, notices, buttons, panels). */
const PAIRS: readonly (readonly [string, string])[] = [
  ['text', 'surface'],
  ['text', 'bg'],
  ['muted', 'surface'],
  ['muted', 'surface-2'],
  ['faint', 'surface'],
  ['faint', 'surface-2'],
  ['ring', 'ring-soft'],
  ['up', 'up-soft'],
  ['hold', 'hold-soft'],
  ['mute', 'mute-soft'],
  ['bridge', 'bridge-soft'],
  ['play', 'play-soft'],
  ['ended', 'ended-soft'],
  ['accent-text', 'accent-soft'],
  ['bad-text', 'bad-soft'],
  ['warn-text', 'warn-soft'],
  ['on-accent', 'accent'],
  ['bad', 'surface'],
];

describe('theme contrast', () => {
  for (const [name, colours] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    it(`every text colour of the ${name} palette reads at 4.5:1 or better on its background`, () => {
      const weak = PAIRS.flatMap(([text, background]) => {
        const fg = colours.get(text);
        const bg = colours.get(background);
        if (!fg || !bg) return [`--${text} on --${background}: not defined`];
        const ratio = contrast(fg, bg);
        return ratio >= 4.5 ? [] : [`--${text} ${fg} on --${background} ${bg}: ${ratio.toFixed(2)}:1`];
      });
      expect(weak).toEqual([]);
    });
  }

  it('measures contrast as WCAG does', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});
