import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMessages, buildPackedUserMessage } from '../prompt/messages.js';
import { seededRandom } from '../seeded-random.js';
import { countMessageTokens, countTokens } from '../tokens.js';
import { compileTask, defineTask } from './define-task.js';
import { packedSystemMessage } from './packing.js';
import { loadTask } from './task-file.js';
import type { Task } from './types.js';

const REVIEW_COUNT = 1000;

const OPENERS = ['Great', 'Terrible', 'Decent', 'Honestly', 'Sadly', 'Wow', 'Okay', 'Overall', 'Meh', 'Love it'];
const WORDS = (
  'the battery lasts all day but screen is dim and sound quality was better than expected delivery came late ' +
  'box damaged support helped quickly price fair for what you get would buy again never again works fine ' +
  'after update app crashes sometimes charger broke within week camera sharp colors look washed out ' +
  'setup easy instructions unclear fits perfectly too small returned it refund took ages five stars'
).split(' ');

/**
 * `count` short reviews of 5–25 words: an opener, words from a review vocabulary, sentence punctuation. Seeded, so
 * every run measures the same 1,000 reviews.
 */
function generateReviews(count: number, seed = 20_250_728): string[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  return Array.from({ length: count }, () => {
    const length = 5 + Math.floor(random() * 21);
    const words = pick(OPENERS).split(' ');
    while (words.length < length) words.push(pick(WORDS));
    words.length = length;
    const text = words.join(' ').replace(/ (but|and) /g, (match) => (random() < 0.5 ? `,${match}` : match));
    return `${text}${pick(['.', '!', '.', '...'])}`;
  });
}

/** Average prompt tokens per item, chat template included: one request per review, and packs of `packSize`. */
async function tokensPerItem(
  task: Task,
  reviews: readonly string[],
  packSize: number,
): Promise<{ single: number; packed: number; text: number }> {
  const { system } = compileTask(task);
  let single = 0;
  let textTokens = 0;
  for (const text of reviews) {
    textTokens += (await countTokens(text)).tokens;
    const counted = await countMessageTokens(buildMessages({ system, text }));
    expect(counted.exact).toBe(true);
    single += counted.tokens;
  }
  const packedSystem = packedSystemMessage(task).system;
  let packed = 0;
  for (let start = 0; start < reviews.length; start += packSize) {
    const user = buildPackedUserMessage(reviews.slice(start, start + packSize));
    packed += (await countMessageTokens(buildMessages({ system: packedSystem, text: user }))).tokens;
  }
  return { single: single / reviews.length, packed: packed / reviews.length, text: textTokens / reviews.length };
}

const figures: string[] = [];

describe('input tokens per item with and without packing (Qwen3 tokenizer, 1,000 short reviews)', () => {
  const reviews = generateReviews(REVIEW_COUNT);

  it('generates the same 1,000 reviews of 5 to 25 words every time', () => {
    expect(reviews).toHaveLength(REVIEW_COUNT);
    expect(generateReviews(REVIEW_COUNT)).toEqual(reviews);
    const lengths = reviews.map((review) => review.split(' ').length);
    expect(Math.min(...lengths)).toBe(5);
    expect(Math.max(...lengths)).toBe(25);
  });

  const sentimentTask = {
    name: 'shipped sentiment task (tasks/sentiment.task.json: instructions, label descriptions, one example)',
    load: () => loadTask(fileURLToPath(new URL('../../tasks/sentiment.task.json', import.meta.url))),
  };
  const bareTask = {
    name: "bare classify(text, ['positive', 'negative', 'neutral'])",
    load: async () =>
      defineTask({ name: 'classify', kind: 'classify', output: { labels: ['positive', 'negative', 'neutral'] } }),
  };
  // The review alone is 35% of a bare one-item request (ceiling: 65% saved). Each packed item adds a line break and
  // its letter code (about 2 tokens, where a number costs about 3), so the bare task passes 60% only once the
  // system message is shared by enough items: 59.2% at 20, 61.7% at 50 (numbers: 55.8% at 20).
  it.each([
    { ...sentimentTask, packSize: 20, minimumSavings: 0.6 },
    { ...sentimentTask, packSize: 50, minimumSavings: 0.6 },
    { ...bareTask, packSize: 20, minimumSavings: 0.58 },
    { ...bareTask, packSize: 50, minimumSavings: 0.6 },
  ])('saves input tokens with packs of $packSize: $name', async ({ name, load, packSize, minimumSavings }) => {
    const task = await load();
    const { single, packed, text } = await tokensPerItem(task, reviews, packSize);
    const savings = 1 - packed / single;
    figures.push(
      `${name}: ${single.toFixed(1)} tokens/item single, ${packed.toFixed(1)} packed by ${packSize} ` +
        `→ ${(savings * 100).toFixed(1)}% fewer (the review alone is ${text.toFixed(1)} tokens: ` +
        `at most ${((1 - text / single) * 100).toFixed(1)}% can be saved)`,
    );
    expect(savings).toBeGreaterThanOrEqual(minimumSavings);
  });

  afterAll(() => {
    process.stdout.write(`\nInput tokens per item, chat template included:\n  ${figures.join('\n  ')}\n`);
  });
});
