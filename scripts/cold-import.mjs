// Cold import time: a fresh `node` that imports qwen-tasks (built), the openai SDK (from bench/), or nothing.
// Runs are interleaved (paired) and the medians printed. Usage: npm run build && node scripts/cold-import.mjs [runs]
// [label=path/to/module.js …] (more modules to compare, e.g. an older build).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 10);
const extra = process.argv.slice(3).map((arg) => arg.split('='));
const targets = { 'bare node': null, 'qwen-tasks': pathToFileURL(resolve(root, 'dist/src/index.js')).href };
const openai = resolve(root, 'bench/node_modules/openai/index.mjs');
if (existsSync(openai)) targets['openai SDK'] = pathToFileURL(openai).href;
else console.log('(openai SDK not installed: run `npm --prefix bench ci` to compare)');
for (const [label, path] of extra) targets[label] = pathToFileURL(resolve(path)).href;

const times = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
for (let run = 0; run < runs; run += 1) {
  for (const [name, url] of Object.entries(targets)) {
    const code = url === null ? '' : `await import(${JSON.stringify(url)})`;
    const start = process.hrtime.bigint();
    execFileSync(process.execPath, ['--input-type=module', '-e', code]);
    times[name].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const [name, values] of Object.entries(times))
  console.log(`${name}: ${median(values).toFixed(0)} ms (median of ${runs})`);
