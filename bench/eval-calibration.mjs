// The calibration figures of `qwen-tasks eval` on a scripted run whose true accuracy per confidence bin is known:
// 100 items of the built-in `classify --labels a,b --confidence`, the loopback server answering "a" with probability
// 0.9 for 50 items ("high") and 0.6 for the other 50 ("low"); `--accuracy-high` sets how many of the high items are
// right (0.9: calibrated), 60% of the low ones always are. Prints accuracy, ECE, Brier and the non-empty bins.
//
//   npm run build && node bench/eval-calibration.mjs [--accuracy-high 0.9]
//
// By hand: calibrated, ECE 0 and multi-class Brier (0.18 + 0.48) / 2 = 0.33; with 0.7 at the high bin, ECE 0.1
// and Brier (0.5 + 0.48) / 2 = 0.49.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
const distDir = resolve(process.env.QWEN_TASKS_DIST ?? join(here, '..', 'dist'));
const { values } = parseArgs({ options: { 'accuracy-high': { type: 'string', default: '0.9' } } });
const accuracyHigh = Number(values['accuracy-high']);

const { startMockQwen } = await import(pathToFileURL(join(distDir, 'src/testing/index.js')).href);
const directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-calibration-'));
const data = join(directory, 'data.jsonl');
const rows = Array.from({ length: 100 }, (_, index) => {
  const high = index < 50;
  const position = high ? index : index - 50;
  const right = high ? position < 50 * accuracyHigh : position < 30;
  return JSON.stringify({ text: `item ${index} ${high ? 'high' : 'low'}`, label: right ? 'a' : 'b' });
});
await writeFile(data, `${rows.join('\n')}\n`);
const server = await startMockQwen({
  apiKey: 'sk-bench-calibration',
  reply: (request) => {
    const p = (request.messages.at(-1)?.content ?? '').endsWith('high') ? 0.9 : 0.6;
    return { content: 'a', logprobs: { distribution: { a: p, b: 1 - p } } };
  },
});
// Asynchronous: the server answers from this process while the CLI runs.
const cli = await promisify(execFile)(
  process.execPath,
  [join(distDir, 'src/cli/bin.js'), 'eval', 'classify', '--labels', 'a,b', '--confidence', '--data', data, '--json'],
  { env: { ...process.env, QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: 'sk-bench-calibration' } },
).catch((error) => error);
await server.close();
await rm(directory, { recursive: true, force: true });
const report = JSON.parse(cli.stdout);
const { ece, brier, bins } = report.calibration;
console.log(`accuracy ${report.accuracy}, ECE ${ece.toFixed(4)}, Brier ${brier.value.toFixed(4)} (${brier.form})`);
for (const bin of bins.filter((each) => each.count > 0)) {
  console.log(
    `bin [${bin.lower}, ${bin.upper}): ${bin.count} items, mean confidence ${bin.meanConfidence.toFixed(4)}, accuracy ${bin.accuracy}`,
  );
}
