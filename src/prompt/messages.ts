/**
 * The messages of a call: the system message (instructions, format fragment, examples), the user message, the
 * repair turn, and the packed form that classifies several texts in one request. See `docs/prompting.md`.
 * @module
 */
import { InputError } from '../errors.js';
import type { JsonSchema } from '../json.js';
import { renderSchema } from './render-schema.js';

/** A chat message as the prompt layer builds it. */
export interface PromptMessage {
  role: 'system' | 'user';
  content: string;
}

/** Options of {@link buildMessages}. */
export interface BuildMessagesOptions {
  /** The task's system message ({@link buildSystemMessage}). */
  system: string;
  /** The input text, sent as is: data, never instructions. */
  text: string;
}

/**
 * The messages of a call: the system message, then the input text alone as the user message (the variable part
 * last, so the provider's context cache can reuse the prefix).
 */
export function buildMessages(options: BuildMessagesOptions): PromptMessage[] {
  return [
    { role: 'system', content: options.system },
    { role: 'user', content: options.text },
  ];
}

/** One worked example: an input text and the reply it should get, already rendered as reply text. */
export interface PromptExample {
  input: string;
  output: string;
}

/** Options of {@link buildSystemMessage}. */
export interface SystemMessageOptions {
  /** What to do, in a sentence or two; first when given. */
  instructions?: string | undefined;
  /** The format fragment: {@link labelInstruction}, {@link jsonInstruction}, {@link linesInstruction}, … */
  format: string;
  /** Worked examples, shown after the format as `Text:` / `Reply:` pairs. */
  examples?: readonly PromptExample[] | undefined;
}

/**
 * The system message: instructions (when given), the format fragment, then the examples, one part a line. It
 * depends only on the task, so it is the stable prefix the implicit context cache reuses. See `docs/prompting.md`.
 */
export function buildSystemMessage(options: SystemMessageOptions): string {
  const parts: string[] = [];
  const instructions = options.instructions?.trim() ?? '';
  if (instructions !== '') parts.push(instructions);
  parts.push(options.format);
  const examples = options.examples ?? [];
  if (examples.length > 0) {
    parts.push(examples.length === 1 ? 'Example:' : 'Examples:');
    for (const example of examples) parts.push(`Text: ${example.input}\nReply: ${example.output}`);
  }
  return parts.join('\n');
}

/** The user message of a repair turn: the validation issues, then a request for the corrected output alone. */
export function buildRepairMessage(issues: string): string {
  return `Invalid reply:\n${issues.trim()}\nReply again with the corrected output only.`;
}

/** Options of {@link labelInstruction} and {@link packedLabelInstruction}. */
export interface LabelInstructionOptions {
  /** The label names, in the order shown to the model (already checked by the task layer). */
  labels: readonly string[];
  /** Optional label → description; each described label gets its own line. */
  descriptions?: Readonly<Record<string, string>> | undefined;
  /** Ask for every label that applies (a JSON array) instead of exactly one. @defaultValue false */
  multi?: boolean | undefined;
}

/**
 * The format part of a classify system message, labels quoted so a text cannot add to the set: one label
 * (`Reply only with "a", "b" or "c".`), or with `multi` a JSON array of every label that applies, `[]` if none.
 */
export function labelInstruction(options: LabelInstructionOptions): string {
  const list = renderLabelList(options);
  if (options.multi === true) {
    const reply = 'Reply with a JSON array, [] if none.';
    return list.inline
      ? `Classify the text with every label that applies: ${list.text}. ${reply}`
      : `Classify the text with every label that applies:\n${list.text}\n${reply}`;
  }
  return list.inline
    ? `Classify the text. Reply only with ${list.text}.`
    : `Classify the text. Reply with one label only:\n${list.text}`;
}

/**
 * The labels of a classify prompt, quoted (JSON string syntax): inline, `"a", "b" or "c"` (multi: `"a", "b", "c"`),
 * or with descriptions one `"bug": something broken` line per label.
 */
function renderLabelList(options: LabelInstructionOptions): { inline: boolean; text: string } {
  const { labels, descriptions, multi } = options;
  const described = descriptions !== undefined && labels.some((label) => oneLine(descriptions[label] ?? '') !== '');
  if (described) {
    const lines = labels.map((label) => {
      const description = oneLine(Object.hasOwn(descriptions, label) ? (descriptions[label] ?? '') : '');
      return description === '' ? JSON.stringify(label) : `${JSON.stringify(label)}: ${description}`;
    });
    return { inline: false, text: lines.join('\n') };
  }
  const quoted = labels.map((label) => JSON.stringify(label));
  const last = quoted.pop() ?? '';
  if (quoted.length === 0) return { inline: true, text: last };
  return {
    inline: true,
    text: multi === true ? [...quoted, last].join(', ') : `${quoted.join(', ')} or ${last}`,
  };
}

/** Collapses whitespace (line breaks included) so that a description stays on its label's line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** How a json task asks for JSON (mirrors the task layer's `JsonMode`). */
export type JsonInstructionMode = 'json_object' | 'json_schema' | 'tool' | 'prompt';

/** Options of {@link jsonInstruction}. */
export interface JsonInstructionOptions {
  /** JSON Schema of the value to produce. */
  schema: JsonSchema;
  /** How the request asks for JSON. */
  mode: JsonInstructionMode;
  /**
   * Ask for `{"value": …, "quotes": …}`: the value and, in its shape, the exact text each value comes from (23
   * tokens more than without, see `docs/grounding.md`). @defaultValue false
   */
  cite?: boolean | undefined;
}

/** What a cited reply's quotes are, said once for every mode. */
const QUOTES_RULE = 'Q: V with each value replaced by its exact source text.';

/**
 * The format part of a json task's system message: the schema's compact shape ({@link renderSchema}), or for
 * `tool` a note to call the function. Always says "JSON", as DashScope's `json_object` mode requires.
 */
export function jsonInstruction(options: JsonInstructionOptions): string {
  if (options.cite === true) {
    if (options.mode === 'tool')
      return `Reply by calling the function with arguments {"value":V,"quotes":Q}.\n${QUOTES_RULE}`;
    const lead = options.mode === 'prompt' ? 'Reply only with JSON' : 'Reply with JSON';
    return `${lead} {"value":V,"quotes":Q}; V has this shape:\n${renderSchema(options.schema)}\n${QUOTES_RULE}`;
  }
  if (options.mode === 'tool') return 'Reply by calling the function with JSON arguments.';
  const lead = options.mode === 'prompt' ? 'Reply only with JSON of this shape:' : 'Reply with JSON of this shape:';
  return `${lead}\n${renderSchema(options.schema)}`;
}

/** Options of {@link linesInstruction}. */
export interface LinesInstructionOptions {
  /** Most bullet points the reply may have. */
  maxItems?: number | undefined;
}

/** The format part of a system message for a bullet list: `Reply with at most 5 bullet points, one per line.` */
export function linesInstruction(options: LinesInstructionOptions = {}): string {
  checkPositiveInteger(options.maxItems, 'maxItems');
  if (options.maxItems === undefined) return 'Reply with bullet points, one per line.';
  if (options.maxItems === 1) return 'Reply with one bullet point.';
  return `Reply with at most ${options.maxItems} bullet points, one per line.`;
}

/** Options of {@link textInstruction}. */
export interface TextInstructionOptions {
  /** Most words the reply may have. */
  maxWords?: number | undefined;
}

/** The format part of a system message for plain text: `Reply with plain text, at most 80 words.` */
export function textInstruction(options: TextInstructionOptions = {}): string {
  checkPositiveInteger(options.maxWords, 'maxWords');
  if (options.maxWords === undefined) return 'Reply with plain text.';
  return `Reply with plain text, at most ${options.maxWords} ${options.maxWords === 1 ? 'word' : 'words'}.`;
}

/** Throws an {@link InputError} naming `path` unless `value` is undefined or a positive safe integer. */
function checkPositiveInteger(value: number | undefined, path: string): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InputError(`${path} must be a positive integer, got ${String(value)}`, { path });
  }
}

/**
 * The format part of a system message that classifies several texts in one request: one `ID: label` line per text
 * (multi: `ID: JSON array`). It does not name the number of items, so it stays the same (and cacheable) for every
 * pack. See `docs/running-at-scale.md` (packing).
 */
export function packedLabelInstruction(options: LabelInstructionOptions): string {
  const list = renderLabelList(options);
  if (options.multi === true) {
    const reply = 'Reply with one "ID: JSON array" line per text, [] if none.';
    return list.inline
      ? `Classify each text with every label that applies: ${list.text}. ${reply}`
      : `Classify each text with every label that applies:\n${list.text}\n${reply}`;
  }
  const reply = 'Reply with one "ID: label" line per text.';
  return list.inline
    ? `Classify each text as ${list.text}. ${reply}`
    : `Classify each text as one of:\n${list.text}\n${reply}`;
}

/** Every line break JavaScript or a model may honour: CR, LF, VT, FF, NEL, LS, PS. */
const LINE_BREAKS = /\s*[\n\v\f\r\u0085\u2028\u2029]+\s*/g;

/**
 * The user message of a packed request: one trimmed item a line, led by its letter code ({@link packedItemCode})
 * and a space. Every line break inside a text becomes a space, so no text can start a line of its own and pose as
 * another item; see the threat model in `docs/reliability.md` (prompt injection).
 */
export function buildPackedUserMessage(items: readonly string[]): string {
  return items
    .map((item, index) => {
      const code = packedItemCode(index);
      const text = item.replace(LINE_BREAKS, ' ').trim();
      return text === '' ? code : `${code} ${text}`;
    })
    .join('\n');
}

const LETTER_COUNT = 26;
const CODE_POINT_OF_A = 65;

/**
 * The letter code of a packed item: the spreadsheet column name of its 0-based index (`A`, … `Z`, `AA`, … `CV` for
 * the hundredth), about two Qwen tokens where a number splits into digits. Throws an {@link InputError} unless
 * `index` is a safe integer from 0.
 */
export function packedItemCode(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new InputError(`index must be a whole number from 0, got ${String(index)}`, { path: 'index' });
  }
  let code = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / LETTER_COUNT)) {
    code = String.fromCharCode(CODE_POINT_OF_A + ((rest - 1) % LETTER_COUNT)) + code;
  }
  return code;
}
