import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testBuildPath } from './helpers/test-build.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HEAVY = ['ajv', 'yaml', 'zod'];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Loads the package entry in a fresh process, optionally runs a snippet, and lists the heavy CommonJS packages loaded. */
function loadedAfter(snippet: string, packages = 'ajv|yaml'): string[] {
  const entry = pathToFileURL(testBuildPath('src/index.js')).href;
  const script = `
    import { createRequire } from 'node:module';
    const library = await import(${JSON.stringify(entry)});
    ${snippet}
    const loaded = Object.keys(createRequire(import.meta.url).cache)
      .map((path) => /node_modules\\/(${packages})\\//.exec(path)?.[1])
      .filter(Boolean);
    process.stdout.write(JSON.stringify([...new Set(loaded)].sort()));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('heavy dependencies load only when a task needs them', () => {
  it('no module imports ajv, yaml or zod as a value at load time', () => {
    const offenders = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'tasks'))].filter((file) =>
      new RegExp(`^import (?!type )[^;]*from '(${HEAVY.join('|')})[/']`, 'm').test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((file) => relative(ROOT, file))).toEqual([]);
  });

  it('importing the package and defining a label task loads neither ajv nor yaml', () => {
    expect(loadedAfter(`library.defineTask({ name: 'sentiment', output: { labels: ['a', 'b'] } });`)).toEqual([]);
  });

  it('a JSON Schema task loads ajv when it is defined, and loading a YAML task file loads yaml', () => {
    expect(loadedAfter(`library.defineTask({ name: 'contact', output: { type: 'object' } });`)).toEqual(['ajv']);
    const file = join(ROOT, 'tasks', 'support-triage.task.yaml');
    expect(loadedAfter(`await library.loadTask(${JSON.stringify(file)});`)).toEqual(['ajv', 'yaml']);
  });
});

describe('undici loads with the first request, not with the package', () => {
  it('importing the package and creating a client loads no undici; the first chat call does', () => {
    const snippet = `
      const { createServer } = await import('node:http');
      const reply = { choices: [{ message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] };
      const server = createServer((request, response) => {
        request.resume();
        request.on('end', () => response.setHeader('content-type', 'application/json').end(JSON.stringify(reply)));
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const client = library.createClient({
        env: {},
        provider: 'openai-compatible',
        baseURL: 'http://127.0.0.1:' + server.address().port + '/v1',
        rateLimit: false,
      });
      const before = Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('node_modules/undici/'));
      if (before) throw new Error('undici was loaded before the first request');
      await client.chat({ messages: [{ role: 'user', content: 'hello' }] });
      await client.close();
      server.close();`;
    expect(loadedAfter(snippet, 'undici')).toEqual(['undici']);
  });
});
