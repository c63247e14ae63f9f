/**
 * Deterministic short product reviews with ground-truth sentiment labels. The same seed always gives the same
 * reviews, so the server (which answers with the true label) and the peers (which send the text) agree without
 * sharing anything but the seed. A review's label follows from its wording alone: equal texts have equal labels.
 */

/** The label set every peer classifies into. */
export const LABELS = ['positive', 'negative', 'neutral'];

const DEFAULT_SEED = 20251125;

const PRODUCTS = [
  'blender',
  'phone case',
  'desk lamp',
  'backpack',
  'kettle',
  'headphones',
  'office chair',
  'water bottle',
  'keyboard',
  'toaster',
  'rain jacket',
  'coffee grinder',
  'monitor stand',
  'yoga mat',
  'air fryer',
  'e-reader',
];

const OPENINGS = {
  positive: [
    'Absolutely love this {p}.',
    'This {p} exceeded my expectations.',
    'Best {p} I have owned so far.',
    'Really happy with the {p}.',
    'The {p} works beautifully.',
  ],
  negative: [
    'The {p} stopped working after {n} days.',
    'Very disappointed with this {p}.',
    'This {p} is a waste of money.',
    'The {p} arrived broken and support never answered.',
    'Returned the {p} after {n} days.',
  ],
  neutral: [
    'The {p} arrived on day {n}.',
    'It is a {p}, nothing more and nothing less.',
    'The {p} does what the description says.',
    'Bought the {p} for my office.',
    'The {p} is about the size I expected.',
  ],
};

const DETAILS = {
  positive: [
    'Setup took {n} minutes and it has been flawless since.',
    'Great build quality and it looks even better in person.',
    'I would happily buy it again.',
    'My whole family uses it every day now.',
    'Worth every cent.',
  ],
  negative: [
    'The build feels cheap and the buttons stick.',
    'It overheats and smells of burnt plastic.',
    'Customer service took {n} weeks to reply.',
    'I would not recommend it to anyone.',
    'Half the features do not work as advertised.',
  ],
  neutral: [
    'The color is grey, as shown in the photos.',
    'It came with a manual and a {n}-month warranty.',
    'I have used it {n} times so far.',
    'Packaging was standard cardboard.',
    'It replaces an older model of the same brand.',
  ],
};

/**
 * A small, fast, seeded pseudo-random generator (mulberry32) returning numbers in [0, 1).
 * @param {number} seed
 */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` reviews `{ id, text, label }`; each is one line of 12 to 35 words.
 * @param {number} count
 * @param {number} [seed]
 */
export function generateReviews(count, seed = DEFAULT_SEED) {
  return [...reviewStream(count, seed)];
}

/**
 * The same reviews as {@link generateReviews}, one at a time (for runs too large to hold in memory).
 * @param {number} count
 * @param {number} [seed]
 */
export function* reviewStream(count, seed = DEFAULT_SEED) {
  const random = seededRandom(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const fill = (template, product) =>
    template.replace('{p}', product).replace('{n}', String(2 + Math.floor(random() * 28)));
  for (let index = 0; index < count; index += 1) {
    const label = pick(LABELS);
    const product = pick(PRODUCTS);
    const text = `${fill(pick(OPENINGS[label]), product)} ${fill(pick(DETAILS[label]), product)}`;
    yield { id: `review-${index + 1}`, text, label };
  }
}
