import { config } from 'zod';

/**
 * zod compiles fast parsers with `new Function` when it can, probing for eval
 * when a schema is built. The console's CSP forbids eval, and Chromium reports
 * even the caught probe as a violation; jitless skips both. It must run
 * before any schema exists, so main.ts imports this module first.
 */
config({ jitless: true });
