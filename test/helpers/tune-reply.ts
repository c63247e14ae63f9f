import { readFileSync } from 'node:fs';
import type { MockRequest } from '../../src/testing/index.js';

/** The labelled reviews of `test/fixtures/tune/reviews.jsonl`: 12 per label, 6 of the negative ones sarcastic. */
export const REVIEWS: readonly { text: string; label: string }[] = readFileSync(
  new URL('../fixtures/tune/reviews.jsonl', import.meta.url),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { text: string; label: string });

const LABEL_OF = new Map(REVIEWS.map((review) => [review.text, review.label]));

/** What the scripted model proposes when asked for better instructions. */
export const PROPOSED_INSTRUCTIONS = 'Sarcastic praise is negative: read the whole review before you choose a label.';

/**
 * A model whose answers depend on the prompt in a known way: it answers a review's label correctly only when the
 * system message holds an example of that label (and, for sarcastic praise, says how to read it); otherwise it
 * falls back to the first label, `positive`. Asked for instructions, it proposes {@link PROPOSED_INSTRUCTIONS}.
 */
export function tuneReply(request: MockRequest): string {
  const system = request.messages.find((message) => message.role === 'system')?.content ?? '';
  const text = request.messages.find((message) => message.role === 'user')?.content ?? '';
  if (system.startsWith('You improve the instructions')) return PROPOSED_INSTRUCTIONS;
  const label = LABEL_OF.get(text);
  const sarcastic = text.startsWith('Oh wonderful');
  const knows = system.includes(`\nReply: ${label}`) && (!sarcastic || system.includes('Sarcastic praise'));
  return label !== undefined && knows ? label : 'positive';
}
