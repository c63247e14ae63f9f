// Counts the project files whose code runs during one plain `classify` call, after the import: V8's precise
// coverage (node:inspector) over the built package, the loopback server's own files left out.
// Usage: npm run build && node scripts/classify-path.mjs [--list] [--functions]
import { Session } from 'node:inspector/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = pathToFileURL(resolve(root, 'dist')).href;
const library = await import(pathToFileURL(resolve(root, 'dist/src/index.js')).href);
const testing = await import(pathToFileURL(resolve(root, 'dist/src/testing/index.js')).href);
const server = await testing.startMockQwen({ reply: 'negative' });
// A plain call: no options, the default client from the environment.
process.env.QWEN_TASKS_BASE_URL = server.baseURL;
process.env.QWEN_TASKS_API_KEY = 'count-key';

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
await session.post('Profiler.takePreciseCoverage'); // resets the counters: what ran during the import is not counted
const label = await library.classify('The screen broke on day one.', ['positive', 'negative', 'neutral']);
const { result } = await session.post('Profiler.takePreciseCoverage');
await session.post('Profiler.stopPreciseCoverage');
session.disconnect();
await server.close();

if (process.argv.includes('--functions')) {
  for (const script of result) {
    if (!script.url.startsWith(dist) || script.url.includes('/dist/src/testing/')) continue;
    const ran = script.functions.filter((fn) => fn.ranges[0].count > 0).map((fn) => fn.functionName || '(anonymous)');
    if (ran.length > 0) console.log(relative(root, fileURLToPath(script.url)), ran.join(', '));
  }
}
const files = result
  .filter((script) => script.url.startsWith(dist) && !script.url.includes('/dist/src/testing/'))
  .filter((script) => script.functions.some((fn) => fn.ranges.some((range) => range.count > 0)))
  .map((script) =>
    relative(root, fileURLToPath(script.url))
      .replace(/^dist\//, '')
      .replace(/\.js$/, '.ts'),
  )
  .sort();
if (label !== 'negative') throw new Error(`classify returned ${label}`);
if (process.argv.includes('--list')) for (const file of files) console.log(file);
console.log(`${files.length} project files run during a plain classify call`);
