import { describe, expect, it } from 'vitest';
import { buildBatchRequestLine } from '../src/batch/batch-api-submit.js';
import { createClient } from '../src/client/client.js';
import { describeEnvironment } from '../src/client/config.js';
import type { ChatRequest } from '../src/client/types.js';
import { computeCostUsd, QWEN_FLASH_PRICES } from '../src/client/wire.js';
import { ApiError, InputError, redact, registerSecret } from '../src/errors.js';
import { defineTask, previewTask } from '../src/index.js';
import { compileTask } from '../src/task/define-task.js';
import { failure, useLoopbackClients } from './helpers/use-loopback-client.js';

const KEY = 'sk-configuration-test-0123456789abcdef';
const hello: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };
const strict: ChatRequest = {
  messages: [{ role: 'user', content: 'Give me a name.' }],
  responseFormat: {
    type: 'json_schema',
    jsonSchema: { name: 'answer', schema: { type: 'object', properties: { name: { type: 'string' } } }, strict: true },
  },
};

const { server, client, closeAfterTest } = useLoopbackClients(KEY, { client: { maxRetries: 0 } });

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe("jsonMode 'json_schema' and the model capability table", () => {
  it('refuses strict JSON Schema output for qwen-flash with an InputError before any request, saying what to do', async () => {
    const error = await failure(client().chat(strict));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ path: 'responseFormat' });
    expect((error as Error).message).toContain('qwen-flash');
    expect((error as Error).message).toContain('json_object');
    expect((error as Error).message).toContain('jsonSchemaModels');
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('sends it for a model the table lists (qwen-plus and its dated snapshots)', async () => {
    await client({ model: 'qwen-plus' }).chat(strict);
    await client().chat({ ...strict, model: 'qwen-plus-2025-07-28' });
    const formats = server.chatRequests().map((request) => (request.responseFormat as { type: string }).type);
    expect(formats).toEqual(['json_schema', 'json_schema']);
  });

  it('lets the jsonSchemaModels option declare a model capable, or take a listed one back', async () => {
    await client({ jsonSchemaModels: { 'qwen-flash': true } }).chat(strict);
    expect(server.chatRequests()).toHaveLength(1);
    const error = await failure(client({ model: 'qwen-plus', jsonSchemaModels: { 'qwen-plus': false } }).chat(strict));
    expect(error).toBeInstanceOf(InputError);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('applies the option to bodies built without chat too: a preview and a Batch API request line', async () => {
    const task = defineTask({
      name: 'name',
      output: { type: 'object', properties: { name: { type: 'string' } } },
      jsonMode: 'json_schema',
    });
    const capable = client({ jsonSchemaModels: { 'qwen-flash': true } });
    const preview = await previewTask(task, 'Ann', { client: capable });
    expect((preview.body.response_format as { type: string }).type).toBe('json_schema');
    const line = JSON.parse(buildBatchRequestLine(compileTask(task), capable, 'a', 'Ann'));
    expect(line.body.response_format.type).toBe('json_schema');
    expect(() => buildBatchRequestLine(compileTask(task), client(), 'a', 'Ann')).toThrow(InputError);
    await expect(previewTask(task, 'Ann', { client: client() })).rejects.toThrow(InputError);
  });

  it('leaves any model on an OpenAI-compatible server to the server (vLLM and Ollama support json_schema)', async () => {
    await client({ provider: 'openai-compatible', model: 'qwen3:8b' }).chat(strict);
    expect(server.chatRequests()).toHaveLength(1);
  });
});

describe('a baseURL with a query string', () => {
  it('keeps the query at the end of the chat URL', async () => {
    await client({ baseURL: `${server.baseURL}?api-version=2024-06-01` }).chat(hello);
    const [request] = server.chatRequests();
    expect(request?.path).toBe('/compatible-mode/v1/chat/completions');
    expect(request?.route).toBe('dashscope');
  });

  it('keeps it at the end of Batch API URLs too', async () => {
    const job = await failure(
      client({ baseURL: `${server.baseURL}/?api-version=2024-06-01` }).batchApi.retrieveBatch('batch_missing'),
    );
    expect(job).toBeInstanceOf(ApiError);
    expect(server.requests.at(-1)?.path).toBe('/compatible-mode/v1/batches/batch_missing');
  });
});

describe('an API key holding a line break', () => {
  it('says the key contains a line break, naming the variable it came from, without echoing the key', () => {
    const error = thrown(() => createClient({ env: { DASHSCOPE_API_KEY: 'sk-secret\nmore' } }));
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('DASHSCOPE_API_KEY contains whitespace: a line break');
    expect((error as Error).message).not.toContain('secret');
    // Not the path of a missing key, which callers (the CLI) report as "no API key".
    expect((error as InputError).path).toBe('DASHSCOPE_API_KEY');
  });

  it('says so for the apiKey option too', () => {
    const error = thrown(() => createClient({ apiKey: 'sk-secret\r\n', baseURL: server.baseURL }));
    expect((error as Error).message).toContain('apiKey contains whitespace: a line break');
    expect((error as InputError).path).toBe('apiKey');
  });
});

describe('which environment variable wins', () => {
  it('describes a lone QWEN_TASKS_BASE_URL losing to DASHSCOPE_API_KEY, with a warning saying what to do', () => {
    const described = describeEnvironment({
      QWEN_TASKS_BASE_URL: 'http://127.0.0.1:8000/v1',
      DASHSCOPE_API_KEY: 'sk-x',
    });
    expect(described).toMatchObject({ provider: 'dashscope', source: 'DASHSCOPE_API_KEY' });
    expect(described.ignored).toEqual(['QWEN_TASKS_BASE_URL']);
    expect(described.warning).toContain('QWEN_TASKS_BASE_URL');
    expect(described.warning).toContain('QWEN_TASKS_API_KEY');
    expect(JSON.stringify(described)).not.toContain('sk-x');
  });

  it('has no warning when only one provider is configured', () => {
    const described = describeEnvironment({ QWEN_TASKS_BASE_URL: 'http://127.0.0.1:8000/v1', QWEN_TASKS_API_KEY: 'k' });
    expect(described).toMatchObject({
      provider: 'openai-compatible',
      source: 'QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY',
    });
    expect(described.ignored).toEqual([]);
    expect(described.warning).toBeUndefined();
  });

  it('agrees with the provider createClient picks', () => {
    const env = { QWEN_TASKS_BASE_URL: server.baseURL, SEGMIND_API_KEY: 'seg-key-123' };
    const created = createClient({ env });
    closeAfterTest(created);
    expect(describeEnvironment(env).provider).toBe(created.provider);
  });
});

describe('short API keys', () => {
  it('redacts a key of under 6 characters wherever it stands as a token', async () => {
    const short = 'k3y9';
    server.setFaults(() => ({ type: 'echo-key', status: 401 }));
    const error = await failure(client({ apiKey: short }).chat(hello));
    expect(JSON.stringify(error)).not.toMatch(/\bk3y9\b/);
    expect((error as Error).message).toContain('[redacted]');
  });

  it('does not mangle ordinary text that merely contains a short key', () => {
    registerSecret('ab');
    expect(redact('about a tab, key: ab.')).toBe('about a tab, key: [redacted].');
    registerSecret('x');
    expect(redact('x-request-id 0x1f max')).toBe('x-request-id 0x1f max');
    expect(redact('key=x;')).toBe('key=[redacted];');
  });
});

describe('costUsd', () => {
  it('carries no float noise where it is computed', () => {
    const cost = computeCostUsd(
      { promptTokens: 49, completionTokens: 0, cachedTokens: 0, totalTokens: 49 },
      QWEN_FLASH_PRICES,
    );
    expect(String(cost)).toBe('0.00000245');
  });

  it('carries none on a chat response or in the running totals', async () => {
    server.setReply({ content: 'ok', usage: { promptTokens: 49, completionTokens: 0 } });
    const qwen = client();
    const costs: string[] = [];
    for (let call = 0; call < 3; call += 1) costs.push(String((await qwen.chat(hello)).costUsd));
    expect(costs).toEqual(['0.00000245', '0.00000245', '0.00000245']);
    expect(String(qwen.usage.costUsd)).toBe('0.00000735');
  });
});
