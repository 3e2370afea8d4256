import type { BenchRow } from '../lib/harness.js';
import { ingestRow } from './ingest.js';
import { loadRow } from './load.js';
import { reconnectRow } from './reconnect.js';
import { resyncRow } from './resync.js';
import { soakRow } from './soak.js';
import { domLatencyRow, renderRow } from './ui.js';

/** The rows of bench/RESULTS.md, in the order. */
export const ROWS: readonly BenchRow[] = [ingestRow, domLatencyRow, renderRow, resyncRow, reconnectRow, soakRow, loadRow];
