import type { JsonSchema } from '../json.js';

/**
 * What a schema node says beyond its type: its description and short hints (format, bounds).
 * @internal
 */
export interface SchemaNotes {
  descriptions: string[];
  hints: string[];
}

/** Bounds this large are type limits (int32, safe integers, float32), not something the model needs to read. */
const MAX_SHOWN_BOUND = 2_147_483_647;

/** Compact hints for string formats; an unlisted format is shown by name. */
const FORMAT_HINTS: Readonly<Record<string, string>> = {
  'date-time': 'ISO 8601',
  date: 'YYYY-MM-DD',
  time: 'HH:MM:SS',
  duration: 'ISO 8601 duration',
  email: 'email',
  uri: 'URL',
  url: 'URL',
  uuid: 'UUID',
};

/** Patterns longer than this cost more tokens than they help (zod's own format patterns are hundreds of characters). */
const MAX_SHOWN_PATTERN_LENGTH = 30;

/**
 * Reads the description and the cheap-to-state constraints of one schema node.
 * @internal
 */
export function schemaNotes(node: JsonSchema): SchemaNotes {
  const descriptions: string[] = [];
  if (typeof node.description === 'string') {
    const description = node.description.replace(/\s+/g, ' ').trim();
    if (description !== '') descriptions.push(description);
  }
  const hints: string[] = [];
  if (node['x-coerce'] === 'date') hints.push('ISO 8601 date-time');
  else if (typeof node.format === 'string') hints.push(FORMAT_HINTS[node.format] ?? node.format);
  else if (typeof node.pattern === 'string' && node.pattern.length <= MAX_SHOWN_PATTERN_LENGTH) {
    hints.push(`/${node.pattern}/`);
  }
  pushRange(hints, node.minLength, node.maxLength, ' chars');
  if (!Array.isArray(node.prefixItems)) pushRange(hints, node.minItems, node.maxItems, ' items');
  if (node.uniqueItems === true) hints.push('unique');
  pushBounds(hints, node);
  if (typeof node.multipleOf === 'number' && !(node.type === 'integer' && node.multipleOf === 1)) {
    hints.push(`multiple of ${node.multipleOf}`);
  }
  return { descriptions, hints };
}

/**
 * Formats notes as a trailing comment (with its leading ` // `), or `''` when there is nothing to say.
 * @internal
 */
export function formatNotes(notes: SchemaNotes): string {
  const descriptions = [...new Set(notes.descriptions)];
  const hints = [...new Set(notes.hints)];
  if (descriptions.length === 0 && hints.length === 0) return '';
  if (descriptions.length === 0) return ` // ${hints.join(', ')}`;
  const description = descriptions.join('; ');
  return hints.length === 0 ? ` // ${description}` : ` // ${description} (${hints.join(', ')})`;
}

function pushRange(hints: string[], minimum: unknown, maximum: unknown, unit: string): void {
  const low = typeof minimum === 'number' && minimum > 0 ? minimum : undefined;
  const high = typeof maximum === 'number' ? maximum : undefined;
  if (low !== undefined && high !== undefined)
    hints.push(low === high ? `exactly ${low}${unit}` : `${low}-${high}${unit}`);
  else if (low === 1) hints.push('non-empty');
  else if (low !== undefined) hints.push(`min ${low}${unit}`);
  else if (high !== undefined) hints.push(`max ${high}${unit}`);
}

function pushBounds(hints: string[], node: JsonSchema): void {
  const minimum = shownBound(node.minimum);
  const maximum = shownBound(node.maximum);
  const exclusiveMinimum = shownBound(node.exclusiveMinimum);
  const exclusiveMaximum = shownBound(node.exclusiveMaximum);
  if (
    minimum !== undefined &&
    maximum !== undefined &&
    exclusiveMinimum === undefined &&
    exclusiveMaximum === undefined
  ) {
    hints.push(minimum >= 0 ? `${minimum}-${maximum}` : `${minimum} to ${maximum}`);
    return;
  }
  const parts: string[] = [];
  if (exclusiveMinimum !== undefined) parts.push(`>${exclusiveMinimum}`);
  else if (minimum !== undefined) parts.push(`>=${minimum}`);
  if (exclusiveMaximum !== undefined) parts.push(`<${exclusiveMaximum}`);
  else if (maximum !== undefined) parts.push(`<=${maximum}`);
  if (parts.length > 0) hints.push(parts.join(', '));
}

function shownBound(value: unknown): number | undefined {
  return typeof value === 'number' && Math.abs(value) < MAX_SHOWN_BOUND ? value : undefined;
}
