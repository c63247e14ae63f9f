import { readJsonl } from '../read-jsonl.js';
import { UsageError } from '../usage-error.js';

/** One labelled example: the input text and the expected value. @internal */
export interface LabelledItem {
  /** 1-based line in the data file. */
  line: number;
  text: string;
  /** The `label` field, else `expected`: a label, a list of labels, or any value for other formats. */
  expected: unknown;
}

/**
 * Reads a labelled JSONL file: one `{ "text": "...", "label": "x" }` per line (or `"expected"` instead of
 * `"label"`, for any format; a list of labels for multi-label tasks). A line without a text or an expected value is a
 * {@link UsageError} naming the file and line.
 * @internal
 */
export async function readLabelledData(path: string, command: string): Promise<LabelledItem[]> {
  const items: LabelledItem[] = [];
  for await (const { line, value } of readJsonl(path, '--data', command)) {
    const record = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
    const text = (record as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string' || text.trim() === '') {
      throw new UsageError(`${path}:${line}: expected an object with a non-empty "text"`, { command });
    }
    const { label, expected } = record as { label?: unknown; expected?: unknown };
    const wanted = label ?? expected;
    if (wanted === undefined) {
      throw new UsageError(`${path}:${line}: expected a "label" (or "expected") field`, { command });
    }
    items.push({ line, text, expected: wanted });
  }
  if (items.length === 0) throw new UsageError(`${path} holds no labelled examples`, { command });
  return items;
}
