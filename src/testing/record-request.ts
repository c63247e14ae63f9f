import type { IncomingHttpHeaders } from 'node:http';
import { isRecord } from './is-record.js';
import type { MockMessage, MockRequest, MockRoute } from './mock-types.js';

/** Keys shorter than this are not redacted from bodies: replacing them would mangle ordinary text. */
const MIN_REDACTED_KEY_LENGTH = 4;
const REDACTED = '[redacted]';
const KEY_HEADERS = new Set(['authorization', 'x-api-key']);

/** @internal What {@link recordRequest} needs to know about a request. */
export interface RecordInput {
  index: number;
  method: string;
  path: string;
  route: MockRoute;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The key the mock was configured with. */
  apiKey: string | undefined;
}

/** @internal Builds the record of a request, with every API key replaced by `[redacted]`. */
export function recordRequest(input: RecordInput): MockRequest {
  const keyPresented = presentedKey(input.route, input.headers);
  const secrets = [input.apiKey, keyPresented].filter(
    (secret): secret is string => secret !== undefined && secret.length >= MIN_REDACTED_KEY_LENGTH,
  );
  const redactSecrets = (text: string) =>
    secrets.reduce((result, secret) => (result.includes(secret) ? result.split(secret).join(REDACTED) : result), text);
  const rawBody = redactSecrets(input.rawBody);
  const body = parseJson(rawBody);
  const fields = isRecord(body) ? body : {};
  const record: MockRequest = {
    index: input.index,
    method: input.method,
    path: input.path,
    route: input.route,
    headers: recordHeaders(input.headers, redactSecrets),
    rawBody,
    body,
    messages: Array.isArray(fields.messages) ? fields.messages.map(toMockMessage) : [],
    stream: fields.stream === true,
    responseFormat: fields.response_format,
    tools: fields.tools,
    keyPresented,
  };
  Object.defineProperty(record, 'keyPresented', { enumerable: false });
  return record;
}

/** @internal The API key a request presents: `x-api-key` on the Segmind route, the Bearer token elsewhere. */
export function presentedKey(route: MockRoute, headers: IncomingHttpHeaders): string | undefined {
  if (route === 'segmind') return headerValue(headers['x-api-key']);
  const match = /^Bearer\s+(.+)$/i.exec(headerValue(headers.authorization) ?? '');
  return match?.[1]?.trim();
}

function recordHeaders(headers: IncomingHttpHeaders, redactSecrets: (text: string) => string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = headerValue(value);
    if (text !== undefined) result[name] = KEY_HEADERS.has(name) ? REDACTED : redactSecrets(text);
  }
  return result;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toMockMessage(message: unknown): MockMessage {
  const fields = isRecord(message) ? message : {};
  return { role: String(fields.role ?? ''), content: contentText(fields.content) };
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (typeof part === 'string' ? part : isRecord(part) ? String(part.text ?? '') : ''))
    .join('');
}
