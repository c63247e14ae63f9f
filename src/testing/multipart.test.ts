import { describe, expect, it } from 'vitest';
import { parseMultipart } from './multipart.js';

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
