import { InputError } from '../errors.js';
import type { BatchItem } from './batch-types.js';

/**
 * Turns one input record into an item: a string is the text; an object gives `text`, an optional `id` (a string or
 * a number) and extra fields. Without an id, the item's id is its 0-based position. A record that cannot be used
 * becomes an item with a `problem`, which fails on its own without stopping the run. `where` names the record in
 * messages (e.g. `line 7 of in.jsonl`). @internal
 */
export function toBatchItem(record: unknown, index: number, where = `item ${index}`): BatchItem {
  const positional = String(index);
  if (typeof record === 'string') return { id: positional, index, text: record, input: { text: record } };
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return problemItem(positional, index, `${where} must be a string or an object with a "text" field`);
  }
  const { id, ...input } = record as Record<string, unknown>;
  let itemId = positional;
  if (typeof id === 'string' && id !== '') itemId = id;
  else if (typeof id === 'number' && Number.isFinite(id)) itemId = String(id);
  else if (id !== undefined && id !== null) {
    return problemItem(positional, index, `${where} has an id that is not a non-empty string or a number`, input);
  }
  const { text } = input;
  if (typeof text !== 'string') {
    return problemItem(itemId, index, `${where} has no "text" string field`, input);
  }
  return { id: itemId, index, text, input };
}

/** An item that fails without a call. @internal */
export function problemItem(
  id: string,
  index: number,
  message: string,
  input: Record<string, unknown> = {},
): BatchItem {
  return { id, index, text: '', input, problem: new InputError(message, { path: 'inputs' }) };
}
