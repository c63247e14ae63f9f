/**
 * Writes the JSONL input file of the batch-file phase: `node write-input.mjs <path> <count>` writes the first
 * `count` reviews as `{ id, text }` lines, a few thousand at a time. run-peer.mjs runs it as a child process, so
 * that generating the input does not count in the peak RSS of the peer under test.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { reviewStream } from './data.mjs';

const [path, countText] = process.argv.slice(2);
const file = createWriteStream(path);
let lines = [];
for (const { id, text } of reviewStream(Number(countText))) {
  lines.push(`${JSON.stringify({ id, text })}\n`);
  if (lines.length === 5000) {
    if (!file.write(lines.join(''))) await once(file, 'drain');
    lines = [];
  }
}
file.end(lines.join(''));
await once(file, 'finish');
