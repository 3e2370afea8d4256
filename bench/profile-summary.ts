/**
 * Summarises a V8 .cpuprofile (node --cpu-prof, or `npm run bench -- ROW
 * --cpu-prof`, which writes them to out/bench-profiles/): the functions with
 * the most self time, the most inclusive time, and self time per source file.
 *
 *   node out/bench/profile-summary.js FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './lib/fixture.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topText] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node out/bench/profile-summary.js FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
const top = Number(topText ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const shortUrl = (url: string): string => {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const rel = relative(ROOT, path);
  return rel.startsWith('..') ? path : rel;
};
const key = (frame: CallFrame): string => `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.endTime - profile.startTime;

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const perFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node) continue;
  self.set(key(node.callFrame), (self.get(key(node.callFrame)) ?? 0) + us);
  perFile.set(shortUrl(node.callFrame.url), (perFile.get(shortUrl(node.callFrame.url)) ?? 0) + us);
  // Inclusive: charge every distinct function on the stack once.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const k = key((byId.get(at) as ProfileNode).callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const table = (title: string, map: Map<string, number>): void => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / totalUs) * 100).toFixed(1).padStart(5)} %  ${name}\n`);
  }
};

process.stdout.write(`${file}: ${(totalUs / 1000).toFixed(0)} ms profiled, ${profile.samples.length} samples\n`);
table('self time by function', self);
table('inclusive time by function', inclusive);
table('self time by file', perFile);
