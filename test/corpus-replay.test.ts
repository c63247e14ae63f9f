import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, defineTask, type QwenClient, runTask } from '../src/index.js';
import { type MockQwen, startMockQwen } from '../src/testing/index.js';

const CORPUS = fileURLToPath(new URL('./fixtures/corpus/cases.jsonl', import.meta.url));
interface CorpusCase {
  id: string;
  input: string;
  expected: unknown;
}
const cases: CorpusCase[] = readFileSync(CORPUS, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as CorpusCase)
  .filter((entry) => entry.expected !== null);

let server: MockQwen;
let client: QwenClient;
/** Per conversation: the first reply is the corpus case's malformed text, a repair turn gets the expected value. */
const byInput = new Map(cases.map((entry) => [`case ${entry.id}`, entry]));

beforeAll(async () => {
  server = await startMockQwen({
    reply: (request) => {
      const entry = byInput.get(request.messages[1]?.content ?? '');
      if (!entry) return { status: 500, body: { error: { code: 'unknown_case', message: 'no such case' } } };
      return request.messages.length > 2 ? JSON.stringify(entry.expected) : entry.input;
    },
  });
  client = createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: 'sk-corpus-replay', maxRetries: 0 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('the malformed-reply corpus replayed through the loopback server', () => {
  it('reaches a valid value for every case, mostly without a repair turn', async () => {
    let calls = 0;
    let valid = 0;
    let equalToExpected = 0;
    for (const entry of cases) {
      // The schema a caller would have given: the expected value's shape (types, keys, item shape).
      const task = defineTask({ name: 'corpus', format: 'json', output: schemaOf(entry.expected), jsonMode: 'prompt' });
      const result = await runTask(task, `case ${entry.id}`, { client, maxRepairs: 1 });
      calls += result.calls;
      valid += 1;
      if (JSON.stringify(result.value) === JSON.stringify(entry.expected)) equalToExpected += 1;
    }
    const callsPerValid = calls / valid;
    console.log(
      `corpus replay: ${valid}/${cases.length} valid, ${calls} calls, ${callsPerValid.toFixed(3)} calls per valid result, ${equalToExpected} equal to the expected value`,
    );
    expect(valid).toBe(cases.length);
    expect(callsPerValid).toBeLessThan(1.1);
  });
});

/** A JSON Schema for a value's shape: its type, an object's keys (all required), an array's items when alike. */
function schemaOf(value: unknown): Record<string, unknown> {
  if (value === null) return { type: 'null' };
  if (Array.isArray(value)) {
    const shapes = new Set(value.map((item) => JSON.stringify(schemaOf(item))));
    return shapes.size === 1 ? { type: 'array', items: schemaOf(value[0]) } : { type: 'array' };
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    return {
      type: 'object',
      properties: Object.fromEntries(entries.map(([key, item]) => [key, schemaOf(item)])),
      required: entries.map(([key]) => key),
    };
  }
  return { type: typeof value === 'number' ? 'number' : typeof value };
}
