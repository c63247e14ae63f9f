import { isRecord } from '../json.js';
import { nonEmptyString } from './non-empty-string.js';

/** What an error body says, whatever its shape. @internal */
export interface ErrorBodyFields {
  code?: string;
  message?: string;
  requestId?: string;
  /** Usage, when the failed reply still reports it (the attempt was billed). */
  usage?: unknown;
}

const MAX_TEXT_LENGTH = 300;

/**
 * Reads an error body of any known shape: `{error:{code,message,type}}`, `{error:"string"}`, the flat
 * `{code,message,request_id}`, an HTML page (its title or text), plain text, or nothing.
 * @internal
 */
export function parseErrorBody(text: string): ErrorBodyFields {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  const parsed = parseJson(trimmed);
  if (parsed === undefined) return { message: describeText(trimmed) };
  return parseErrorObject(parsed);
}

/** Reads an already parsed error object (an error body, or an `{"error":…}` event of a stream). @internal */
export function parseErrorObject(value: Record<string, unknown>): ErrorBodyFields {
  const fields: ErrorBodyFields = {};
  const nested = value.error;
  const source = isRecord(nested) ? nested : value;
  const code =
    nonEmptyString(source.code) ??
    nonEmptyString(source.type) ??
    (source === value ? undefined : nonEmptyString(value.code));
  const message =
    typeof nested === 'string'
      ? nested
      : (nonEmptyString(source.message) ?? nonEmptyString(source.msg) ?? nonEmptyString(value.detail));
  const requestId = nonEmptyString(value.request_id) ?? nonEmptyString(source.request_id) ?? nonEmptyString(value.id);
  if (code !== undefined) fields.code = code;
  if (message !== undefined) fields.message = message;
  if (requestId !== undefined) fields.requestId = requestId;
  if (value.usage !== undefined && value.usage !== null) fields.usage = value.usage;
  return fields;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A short description of a non-JSON body: an HTML page's title (or text), or the start of the text. */
function describeText(text: string): string {
  const isHtml = /^<(!doctype|html|head|body)/i.test(text);
  const title = isHtml ? /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim() : undefined;
  const plain = (title !== undefined && title !== '' ? title : isHtml ? text.replace(/<[^>]*>/g, ' ') : text)
    .replace(/\s+/g, ' ')
    .trim();
  const short = plain.length > MAX_TEXT_LENGTH ? `${plain.slice(0, MAX_TEXT_LENGTH)}…` : plain;
  return isHtml ? `HTML page: ${short}` : short;
}
