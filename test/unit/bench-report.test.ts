import { describe, expect, it } from 'vitest';
import { describe as describeFigure, fmt, quantile, summarize, type BenchRow, type RowResult } from '../../bench/lib/harness.js';
import { renderResults } from '../../bench/lib/report.js';

/** The bench's pure helpers: statistics and the RESULTS.md it writes (no timing here, by design). */

describe('bench statistics', () => {
  it('summarizes min / median / max whatever the order', () => {
    expect(summarize([5, 1, 3])).toEqual({ min: 1, median: 3, max: 5, n: 3 });
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
    expect(summarize([]).n).toBe(0);
    expect(Number.isNaN(summarize([]).median)).toBe(true);
  });

  it('interpolates quantiles between ranks', () => {
    const sorted = Array.from({ length: 101 }, (_, i) => i);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile([10, 20], 0.5)).toBe(15);
    expect(quantile([7], 0.99)).toBe(7);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });

  it('formats figures, and says n/a rather than NaN', () => {
    expect(fmt(1234567)).toBe('1,234,567');
    expect(fmt(0.8049, 2)).toBe('0.80');
    expect(fmt(NaN)).toBe('n/a');
    expect(describeFigure({ label: 'x', unit: 'ms', values: [3, 1, 2], digits: 1 })).toBe('1.0 / 2.0 / 3.0 ms');
  });
});

describe('RESULTS.md', () => {
  const row: BenchRow = {
    id: 'demo',
    measure: 'demo rate',
    comparedWith: 'the raw | socket',
    goal: '≥ 0.8 ×',
    needsSandbox: false,
    run: () => Promise.reject(new Error('not run here')),
  };
  const result: RowResult = {
    id: 'demo',
    status: 'missed',
    headline: 'engine 0.70 × raw',
    figures: [{ label: 'engine / raw', unit: '×', values: [0.7, 0.65, 0.75], digits: 2 }],
    notes: ['load average 3'],
    ranAt: '2026-11-23T12:00:00.000Z',
    seconds: 12,
    machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 4, node: 'v20', kernel: 'Linux', loadAverage: '1 2 3' },
  };

  it('has one table line per row, with the status and the deciding figure', () => {
    const text = renderResults([row], { demo: result });
    expect(text).toContain('| demo rate | the raw \\| socket | ≥ 0.8 × | engine 0.70 × raw | ❌ missed |');
    expect(text).toContain('| engine / raw | 0.65 | 0.70 | 0.75 | × | 3 |');
    expect(text).toContain('Test CPU, 2 cores');
    expect(text).toContain('- load average 3');
  });

  it('says when a row has not run yet', () => {
    const text = renderResults([row], {});
    expect(text).toContain('| not run yet |');
    expect(text).toContain('Not run yet.');
  });
});
