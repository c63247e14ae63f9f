/** Tag names that models use for the reasoning they write before an answer. */
const TAG_NAMES = '(?:think|thinking|reasoning|reflection)';
/** Any reasoning tag; a cheap pre-check so replies without one cost a single scan. */
const ANY_TAG = new RegExp(`</?${TAG_NAMES}>`, 'i');
/** An opening tag at the start of the text (after whitespace). */
const LEADING_OPENING_TAG = new RegExp(`^\\s*<${TAG_NAMES}>`, 'i');
/** A closing tag. */
const CLOSING_TAG = new RegExp(`</${TAG_NAMES}>`, 'i');
/** The first reasoning tag, opening or closing. */
const FIRST_TAG = new RegExp(`<(/?)${TAG_NAMES}>`, 'i');

/**
 * Removes reasoning text from a reply: leading `<think>…</think>` blocks (also `<thinking>`, `<reasoning>` and
 * `<reflection>`, one after another), a leading block that is never closed (a reply cut off while thinking has no
 * answer, so the text becomes empty), and everything up to a `</think>` whose opening tag was part of the prompt
 * (Qwen3 chat templates add it). `reasoning_content` is never part of the reply text: the client keeps it apart.
 *
 * @example
 * stripThinking('<think>hmm</think>{"a":1}'); // { text: '{"a":1}', stripped: true }
 */
export function stripThinking(text: string): { text: string; stripped: boolean } {
  if (!text.includes('<') || !ANY_TAG.test(text)) {
    return { text, stripped: false };
  }
  let rest = text;
  const first = FIRST_TAG.exec(rest);
  if (first !== null && first[1] === '/') {
    rest = rest.slice(first.index + first[0].length);
  }
  for (let opening = LEADING_OPENING_TAG.exec(rest); opening !== null; opening = LEADING_OPENING_TAG.exec(rest)) {
    const afterOpening = rest.slice(opening[0].length);
    const closing = CLOSING_TAG.exec(afterOpening);
    if (closing === null) {
      return { text: '', stripped: true };
    }
    rest = afterOpening.slice(closing.index + closing[0].length);
  }
  return rest === text ? { text, stripped: false } : { text: rest.trimStart(), stripped: true };
}
