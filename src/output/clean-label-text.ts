import { addRepair } from './add-repair.js';
import type { RepairName } from './repair-name.js';

/** Quote (and emphasis) pairs a model may wrap a label in. */
const WRAPPERS: readonly (readonly [string, string])[] = [
  ['"', '"'],
  ["'", "'"],
  ['`', '`'],
  ['**', '**'],
  ['*', '*'],
  ['__', '__'],
  ['[', ']'],
  ['(', ')'],
  ['<', '>'],
];
/** A short lead-in before a colon: `Label:`, `Sentiment:`, `Answer -`, `标签:` (after full-width folding). */
const PREFIX = /^[\p{L}][\p{L}\p{N} _-]{0,30}\s*(?::|=|-\s)\s*/u;
const EDGE_PUNCTUATION = /^[\s.,;:!?。，；：！？…-]+|[\s.,;:!?。，；：！？…]+$/gu;

/**
 * Peels what models wrap around a bare label, one layer at a time until nothing changes: quotes and emphasis
 * (`"positive"`, `**positive**`), a lead-in (`Label: positive`), and punctuation at either end (`positive.`).
 * `isKnown` stops the peeling as soon as the text is a label, so a label with a colon or quotes survives.
 * Repairs made are appended to `repairs`. @internal
 */
export function cleanLabelText(text: string, isKnown: (candidate: string) => boolean, repairs: RepairName[]): string {
  let current = text.trim();
  for (let round = 0; round < 8 && !isKnown(current); round++) {
    const next = peelOnce(current, repairs);
    if (next === current || next === '') {
      break;
    }
    current = next;
  }
  return current;
}

function peelOnce(text: string, repairs: RepairName[]): string {
  for (const [open, close] of WRAPPERS) {
    if (text.length > open.length + close.length && text.startsWith(open) && text.endsWith(close)) {
      const inner = text.slice(open.length, text.length - close.length).trim();
      if (!inner.includes(close) || open === close) {
        addRepair(repairs, 'label-quote');
        return inner;
      }
    }
  }
  const withoutPunctuation = text.replace(EDGE_PUNCTUATION, '');
  if (withoutPunctuation !== text && withoutPunctuation !== '') {
    addRepair(repairs, 'label-punctuation');
    return withoutPunctuation;
  }
  const prefix = PREFIX.exec(text);
  if (prefix !== null && prefix[0].length < text.length) {
    addRepair(repairs, 'label-prefix');
    return text.slice(prefix[0].length).trim();
  }
  return text;
}
