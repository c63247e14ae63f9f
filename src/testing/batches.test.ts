import { describe, expect, it } from 'vitest';
import { useMockPerTest } from '../../test/helpers/use-mock-per-test.js';
import { parseMultipart } from './batch.js';

const start = useMockPerTest();

interface FileJson {
  id: string;
  object: string;
}

interface BatchJson {
  id: string;
  status: string;
  output_file_id: string;
  error_file_id: string | null;
  request_counts: { total: number; completed: number; failed: number };
  errors: { data: { code: string; line: number }[] } | null;
}

interface ListJson {
  object: string;
  data: BatchJson[];
  last_id: string;
  has_more: boolean;
}

interface ResultLine {
  custom_id: string;
  response: { status_code: number; body: { choices: { message: { content: string } }[] } };
  error: { code: string; message: string };
}

interface ErrorJson {
  error: { code: string };
}

async function api<Body>(url: string, init: RequestInit = {}): Promise<{ status: number; json: Body }> {
  const response = await fetch(url, { ...init, headers: { authorization: 'Bearer sk-batch-key', ...init.headers } });
  return { status: response.status, json: (await response.json()) as Body };
}

async function upload(base: string, lines: readonly unknown[]): Promise<FileJson> {
  const form = new FormData();
  form.append(
    'file',
    new Blob([lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')]),
    'in.jsonl',
  );
  form.append('purpose', 'batch');
  const { status, json } = await api<FileJson>(`${base}/files`, { method: 'POST', body: form });
  expect(status).toBe(200);
  return json;
}

async function createBatch(base: string, inputFileId: string): Promise<BatchJson> {
  const body = JSON.stringify({
    input_file_id: inputFileId,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  return (await api<BatchJson>(`${base}/batches`, { method: 'POST', body })).json;
}

async function content(base: string, fileId: string | null): Promise<ResultLine[]> {
  const response = await fetch(`${base}/files/${fileId}/content`, {
    headers: { authorization: 'Bearer sk-batch-key' },
  });
  return (await response.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ResultLine);
}

const line = (customId: string, text: string, extra: Record<string, unknown> = {}) => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: 'qwen-flash', messages: [{ role: 'user', content: text }], ...extra },
});

describe.each(['/compatible-mode/v1', '/v1'])('the Batch API under %s', (prefix) => {
  it('runs a batch through validating, in_progress, finalizing and completed, with output and error files', async () => {
    const server = await start({
      apiKey: 'sk-batch-key',
      reply: (request) =>
        request.messages[0]?.content === 'limit'
          ? { status: 429, body: { error: { code: 'limit_requests', message: 'busy' } } }
          : `echo ${request.messages[0]?.content}`,
    });
    const base = `${server.url}${prefix}`;
    const file = await upload(base, [
      line('a', 'one'),
      line('b', 'two', { response_format: { type: 'json_object' } }),
      line('c', 'limit'),
    ]);
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', status: 'processed', filename: 'in.jsonl' });
    expect(file.id).toMatch(/^file-batch-/);

    const created = await createBatch(base, file.id);
    expect(created).toMatchObject({
      object: 'batch',
      status: 'validating',
      input_file_id: file.id,
      output_file_id: null,
    });
    const polls = [];
    for (let poll = 0; poll < 4; poll += 1) polls.push((await api<BatchJson>(`${base}/batches/${created.id}`)).json);
    expect(polls.map((batch) => batch.status)).toEqual(['in_progress', 'finalizing', 'completed', 'completed']);
    expect(polls[0]?.request_counts).toEqual({ total: 3, completed: 0, failed: 0 });
    const done = polls[2];
    expect(done?.request_counts).toEqual({ total: 3, completed: 1, failed: 2 });
    expect(done).toHaveProperty('completed_at', expect.any(Number));

    const output = await content(base, done?.output_file_id ?? null);
    expect(output).toEqual([
      {
        id: expect.stringMatching(/^batch_req_/),
        custom_id: 'a',
        response: {
          status_code: 200,
          request_id: expect.any(String),
          body: expect.objectContaining({ object: 'chat.completion', model: 'qwen-flash' }),
        },
        error: null,
      },
    ]);
    expect(output[0]?.response.body.choices[0]?.message.content).toBe('echo one');

    const errors = await content(base, done?.error_file_id ?? null);
    expect(errors.map((entry) => [entry.custom_id, entry.response.status_code, entry.error.code])).toEqual([
      ['b', 400, 'invalid_parameter_error'],
      ['c', 429, 'limit_requests'],
    ]);
    expect(errors[1]?.error.message).toBe('busy');
  });
});

describe('the Batch API', () => {
  it('sends faulted lines to the error file and ignores transport faults', async () => {
    const server = await start({ faults: { 1: { type: 'status', status: 500 }, 2: { type: 'reset' } } });
    const file = await upload(server.baseURL, [line('a', 'x'), line('b', 'y'), line('c', 'z')]);
    const batch = await createBatch(server.baseURL, file.id);
    let status = batch;
    for (let poll = 0; poll < 3; poll += 1)
      status = (await api<BatchJson>(`${server.baseURL}/batches/${batch.id}`)).json;
    expect(status.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    const errors = await content(server.baseURL, status.error_file_id);
    expect(errors.map((entry) => [entry.custom_id, entry.error.code])).toEqual([['b', 'internal_error']]);
  });

  it('leaves out the error file when every line succeeds', async () => {
    const server = await start();
    const batch = await createBatch(server.baseURL, (await upload(server.baseURL, [line('a', 'x')])).id);
    let status = batch;
    for (let poll = 0; poll < 3; poll += 1)
      status = (await api<BatchJson>(`${server.baseURL}/batches/${batch.id}`)).json;
    expect([status.status, status.error_file_id, typeof status.output_file_id]).toEqual(['completed', null, 'string']);
  });

  it('fails a batch whose file holds a line that is not a request, or a repeated custom_id', async () => {
    const server = await start();
    const file = await upload(server.baseURL, [line('a', 'x'), 'not json', line('a', 'y')]);
    const batch = await createBatch(server.baseURL, file.id);
    const polled = (await api<BatchJson>(`${server.baseURL}/batches/${batch.id}`)).json;
    expect(polled.status).toBe('failed');
    expect(polled.errors?.data.map((error) => [error.code, error.line])).toEqual([
      ['invalid_json_line', 2],
      ['duplicate_custom_id', 3],
    ]);
  });

  it('cancels a running batch in two steps and refuses to cancel a finished one', async () => {
    const server = await start();
    const batch = await createBatch(server.baseURL, (await upload(server.baseURL, [line('a', 'x')])).id);
    const cancelling = await api<BatchJson>(`${server.baseURL}/batches/${batch.id}/cancel`, { method: 'POST' });
    expect(cancelling.json.status).toBe('cancelling');
    expect((await api<BatchJson>(`${server.baseURL}/batches/${batch.id}`)).json.status).toBe('cancelled');
    const again = await api<BatchJson>(`${server.baseURL}/batches/${batch.id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(400);
  });

  it('lists batches newest first, a page at a time', async () => {
    const server = await start();
    const file = await upload(server.baseURL, [line('a', 'x')]);
    const ids = [];
    for (let index = 0; index < 3; index += 1) ids.push((await createBatch(server.baseURL, file.id)).id);
    const first = (await api<ListJson>(`${server.baseURL}/batches?limit=2`)).json;
    expect([first.object, first.data.map((batch) => batch.id), first.has_more]).toEqual([
      'list',
      [ids[2], ids[1]],
      true,
    ]);
    const second = (await api<ListJson>(`${server.baseURL}/batches?limit=2&after=${first.last_id}`)).json;
    expect([second.data.map((batch) => batch.id), second.has_more]).toEqual([[ids[0]], false]);
  });

  it('answers 404 for unknown files and batches, 400 for a batch of an unknown file, 401 for a wrong key', async () => {
    const server = await start({ apiKey: 'sk-batch-key' });
    expect((await api(`${server.baseURL}/files/file-nope/content`)).status).toBe(404);
    expect((await api(`${server.baseURL}/batches/batch_nope`)).status).toBe(404);
    expect((await api(`${server.baseURL}/batches`, { method: 'POST', body: '{"input_file_id":"nope"}' })).status).toBe(
      400,
    );
    const refused = await api<ErrorJson>(`${server.baseURL}/batches`, { headers: { authorization: 'Bearer wrong' } });
    expect([refused.status, refused.json.error.code]).toEqual([401, 'invalid_api_key']);
  });

  it('records file and batch requests with index -1 and their own routes', async () => {
    const server = await start();
    const file = await upload(server.baseURL, [line('a', 'x')]);
    await api(`${server.baseURL}/files/${file.id}`);
    await createBatch(server.baseURL, file.id);
    expect(server.requests.map((request) => [request.index, request.route])).toEqual([
      [-1, 'files'],
      [-1, 'files'],
      [-1, 'batches'],
    ]);
    expect(server.chatRequests()).toEqual([]);
  });
});

describe('parseMultipart', () => {
  it('reads the parts a FormData upload sends', async () => {
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob(['{"a":1}\n{"b":2}\n']), 'input.jsonl');
    const request = new Request('http://127.0.0.1/', { method: 'POST', body: form });
    const parts = parseMultipart(await request.text(), request.headers.get('content-type') ?? '');
    expect(parts).toEqual([
      { name: 'purpose', content: 'batch' },
      { name: 'file', filename: 'input.jsonl', content: '{"a":1}\n{"b":2}\n' },
    ]);
  });

  it('accepts a quoted boundary and returns nothing without one', () => {
    const body = '--b-1\r\nContent-Disposition: form-data; name="x"\r\n\r\nvalue\r\n--b-1--\r\n';
    expect(parseMultipart(body, 'multipart/form-data; boundary="b-1"')).toEqual([{ name: 'x', content: 'value' }]);
    expect(parseMultipart(body, 'multipart/form-data')).toEqual([]);
  });
});
