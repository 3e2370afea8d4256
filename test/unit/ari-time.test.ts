import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseAriTime } from '../../common/ari.js';

const FALLBACK = -1;
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** Date.parse's verdict, which parseAriTime's hand-written fast path must always repeat. */
const reference = (text: string): number => {
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? FALLBACK : parsed;
};

describe('parseAriTime', () => {
  it("reads Asterisk's format, with any offset", () => {
    expect(parseAriTime('2026-11-23T09:12:33.123+0000', FALLBACK)).toBe(Date.parse('2026-11-23T09:12:33.123Z'));
    expect(parseAriTime('2026-11-23T09:12:33.123-0530', FALLBACK)).toBe(Date.parse('2026-11-23T14:42:33.123Z'));
    expect(parseAriTime('2026-11-23T09:12:33.123+0100', FALLBACK)).toBe(Date.parse('2026-11-23T08:12:33.123Z'));
  });

  it('falls back on what is not a timestamp', () => {
    for (const bad of [undefined, null, 42, '', 'yesterday', '2026-13-23T09:12:33.123+0000', '2026-11-23T25:12:33.123+0000', '2026-11-23T09:12:33.123*0000']) {
      expect(parseAriTime(bad, FALLBACK)).toBe(FALLBACK);
    }
  });

  it('says what Date.parse says for every field value, valid or not', () => {
    const field = (width: number, max: number) => fc.integer({ min: 0, max }).map((value) => pad(value, width));
    fc.assert(
      fc.property(
        fc.tuple(field(4, 9999), field(2, 99), field(2, 99), field(2, 99), field(2, 99), field(2, 99), field(3, 999), fc.constantFrom('+', '-', 'Z', ' '), field(2, 99), field(2, 99)),
        ([year, month, day, hour, minute, second, ms, sign, offsetHours, offsetMinutes]) => {
          const text = `${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}${sign}${offsetHours}${offsetMinutes}`;
          expect(parseAriTime(text, FALLBACK)).toBe(reference(text));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('says what Date.parse says when timestamps share their second (the cached path)', () => {
    const ms = fc.oneof(fc.integer({ min: 0, max: 999 }).map((value) => pad(value, 3)), fc.constantFrom('12x', ' 12', '-12', '1.5'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 59 }), fc.array(fc.tuple(ms, fc.constantFrom('+0000', '+0130', '-0500', 'Z0000')), { minLength: 1, maxLength: 6 }), (second, stamps) => {
        for (const [millis, offset] of stamps) {
          const text = `2026-11-23T09:12:${pad(second, 2)}.${millis}${offset}`;
          expect(parseAriTime(text, FALLBACK)).toBe(reference(text));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('handles month ends and leap days as Date.parse does', () => {
    for (const day of ['28', '29', '30', '31']) {
      for (const month of ['01', '02', '04', '12']) {
        const text = `2024-${month}-${day}T23:59:59.999+0000`;
        expect(parseAriTime(text, FALLBACK)).toBe(reference(text));
      }
    }
  });
});
