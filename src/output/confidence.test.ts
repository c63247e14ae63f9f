import { describe, expect, it } from 'vitest';
import { type LabelConfidence, readLabelConfidence, type TokenLogprob } from './confidence.js';

const SENTIMENT = ['positive', 'negative', 'neutral'] as const;

/** A generated token with probability `probability` and the listed alternatives (probabilities, not logs). */
function token(text: string, probability: number, alternatives: Readonly<Record<string, number>> = {}): TokenLogprob {
  return {
    token: text,
    logprob: Math.log(probability),
    top: Object.entries(alternatives).map(([alternative, p]) => ({ token: alternative, logprob: Math.log(p) })),
  };
}

/** The reading, asserted to be a number; its scores are checked to sum to 1. */
function read(...args: Parameters<typeof readLabelConfidence>): LabelConfidence {
  const result = readLabelConfidence(...args);
  if ('reason' in result) throw new Error(`expected scores, got the reason: ${result.reason}`);
  expect(Object.values(result.scores).reduce((sum, score) => sum + score, 0)).toBeCloseTo(1, 10);
  expect(result.confidence).toBe(result.scores[result.label]);
  return result;
}

function expectScores(result: LabelConfidence, expected: Readonly<Record<string, number>>): void {
  expect(Object.keys(result.scores).sort()).toEqual(Object.keys(expected).sort());
  for (const [label, score] of Object.entries(expected)) expect(result.scores[label]).toBeCloseTo(score, 10);
}

function reasonOf(result: LabelConfidence | { reason: string }): string {
  if (!('reason' in result)) throw new Error(`expected a reason, got ${JSON.stringify(result)}`);
  return result.reason;
}

describe('readLabelConfidence', () => {
  it('reads distinct single-token labels, leaving out a token that is no label', () => {
    const tokens = [token('positive', 0.6, { positive: 0.6, negative: 0.25, neutral: 0.1, The: 0.05 })];
    const result = read(tokens, SENTIMENT, 'positive');
    expect(result.label).toBe('positive');
    expect(result.confidence).toBeCloseTo(0.6 / 0.95, 10);
    expectScores(result, { positive: 0.6 / 0.95, negative: 0.25 / 0.95, neutral: 0.1 / 0.95 });
  });

  it('splits a chosen token that begins several labels by the alternatives at the next token', () => {
    // `pos` begins positive and postal: 0.8 × 0.9 for positive, 0.8 × 0.1 for postal; `p` cannot be split.
    const tokens = [token('pos', 0.8, { pos: 0.8, neg: 0.15, p: 0.05 }), token('itive', 0.9, { itive: 0.9, tal: 0.1 })];
    const result = read(tokens, ['positive', 'postal', 'negative'], 'positive');
    expectScores(result, { positive: 0.72 / 0.95, postal: 0.08 / 0.95, negative: 0.15 / 0.95 });
  });

  it('splits Chinese labels that share their first characters', () => {
    const tokens = [token('非常', 0.9, { 非常: 0.9, 一般: 0.1 }), token('差', 0.3, { 好: 0.7, 差: 0.3 })];
    const result = read(tokens, ['非常好', '非常差', '一般'], '非常差');
    expect(result.confidence).toBeCloseTo(0.27, 10);
    expectScores(result, { 非常好: 0.63, 非常差: 0.27, 一般: 0.1 });
  });

  it('reads distinct Chinese labels, the first character deciding, with a full stop after', () => {
    const tokens = [
      token('负', 0.5, { 正: 0.3, 负: 0.5, 中: 0.2 }),
      token('面', 1, { 面: 1 }),
      token('。', 1, { '。': 1 }),
    ];
    expectScores(read(tokens, ['正面', '负面', '中性'], '负面'), { 正面: 0.3, 负面: 0.5, 中性: 0.2 });
  });

  it('weights a label begun before a leading quote by the quote path, and one begun at once fully', () => {
    // `"` (0.6) then positive 0.8 | negative 0.15 | neutral 0.05; or positive (0.3) / negative (0.1) at once.
    const tokens = [
      token('"', 0.6, { '"': 0.6, positive: 0.3, negative: 0.1 }),
      token('positive', 0.8, { positive: 0.8, negative: 0.15, neutral: 0.05 }),
      token('"', 1, { '"': 1 }),
    ];
    expectScores(read(tokens, SENTIMENT, 'positive'), {
      positive: 0.3 + 0.6 * 0.8,
      negative: 0.1 + 0.6 * 0.15,
      neutral: 0.6 * 0.05,
    });
  });

  it('reads past a leading space, counting alternatives with their own space', () => {
    const tokens = [
      token(' ', 0.5, { ' ': 0.5, ' negative': 0.4, Positive: 0.1 }),
      token('positive', 0.7, { positive: 0.7, neutral: 0.3 }),
    ];
    const total = 0.4 + 0.1 + 0.5;
    expectScores(read(tokens, SENTIMENT, 'positive'), {
      positive: (0.1 + 0.5 * 0.7) / total,
      negative: 0.4 / total,
      neutral: (0.5 * 0.3) / total,
    });
  });

  it('reads past a `Label:` lead-in', () => {
    const tokens = [
      token('Label', 0.5, { Label: 0.5, positive: 0.3, Sent: 0.2 }),
      token(':', 1, { ':': 1 }),
      token(' negative', 0.9, { ' negative': 0.9, ' positive': 0.1 }),
    ];
    const result = read(tokens, SENTIMENT, 'negative');
    expectScores(result, { positive: (0.3 + 0.5 * 0.1) / 0.8, negative: (0.5 * 0.9) / 0.8, neutral: 0 });
    expect(result.confidence).toBeCloseTo(0.5625, 10);
  });

  it('ignores case and separator differences, as the label parser does', () => {
    const sentiment = [token('Positive', 0.5, { Positive: 0.5, ' POSITIVE': 0.2, Negative: 0.3 })];
    expectScores(read(sentiment, SENTIMENT, 'positive'), { positive: 0.7, negative: 0.3, neutral: 0 });
    const triage = [token('Feature', 0.6, { Feature: 0.6, Bug: 0.4 }), token(' request', 1, { ' request': 1 })];
    expectScores(read(triage, ['bug', 'feature-request'], 'feature-request'), { bug: 0.4, 'feature-request': 0.6 });
  });

  it('gives a label the task does not have no share', () => {
    const tokens = [token('positive', 0.5, { positive: 0.5, mixed: 0.3, negative: 0.2 })];
    expectScores(read(tokens, SENTIMENT, 'positive'), { positive: 0.5 / 0.7, negative: 0.2 / 0.7, neutral: 0 });
  });

  it("reads a packed reply's item from `start`, through a token that straddles it", () => {
    const tokens = [
      token('A', 1, { A: 1 }),
      token(':', 1, { ':': 1 }),
      token(' positive', 0.7, { ' positive': 0.7, ' negative': 0.3 }),
      token('\n', 0.9, { '\n': 0.9, ' negative': 0.1 }),
      token('B', 1, { B: 1 }),
      token(': neg', 0.65, { ': neg': 0.65, ': pos': 0.2, ': neutral': 0.1, ': ne': 0.05 }),
      token('ative', 1, { ative: 1 }),
      token('\n', 1, { '\n': 1 }),
    ];
    const content = tokens.map((entry) => entry.token).join('');
    expect(content).toBe('A: positive\nB: negative\n');
    const start = content.indexOf('negative');
    // Item A's tokens and alternatives are not item B's; `: ne` begins negative and neutral (unresolved).
    expectScores(read(tokens, SENTIMENT, 'negative', start), {
      positive: 0.2 / 0.95,
      negative: 0.65 / 0.95,
      neutral: 0.1 / 0.95,
    });
    // Read from the start, the first label is item A's.
    expectScores(read(tokens, SENTIMENT, 'positive'), { positive: 0.7, negative: 0.3, neutral: 0 });
  });

  it('reads the answer after the reasoning by default', () => {
    const tokens = [
      token('<think>', 1, { '<think>': 1 }),
      token('negative', 0.5, { negative: 0.5, positive: 0.5 }),
      token('</think>', 1, { '</think>': 1 }),
      token('\n\n', 1, { '\n\n': 1 }),
      token('negative', 0.8, { negative: 0.8, neutral: 0.2 }),
    ];
    expectScores(read(tokens, SENTIMENT, 'negative'), { positive: 0, negative: 0.8, neutral: 0.2 });
  });

  it('reads a whole label where the reply ends, and the longest of labels it runs past', () => {
    const labels = ['spam', 'spam-high', 'ham'];
    const ended = [token('spam', 0.7, { spam: 0.7, ham: 0.3 })];
    expectScores(read(ended, labels, 'spam'), { spam: 0.7, 'spam-high': 0, ham: 0.3 });
    // `-high` (0.6) makes spam-high; `\n` (0.4), not taken, could still be either.
    const longer = [token('spam', 0.7, { spam: 0.7, ham: 0.3 }), token('-high', 0.6, { '-high': 0.6, '\n': 0.4 })];
    expectScores(read(longer, labels, 'spam-high'), { spam: 0, 'spam-high': 0.42 / 0.72, ham: 0.3 / 0.72 });
  });

  it('gives a reason when more probability is on ambiguous alternatives than on resolved ones', () => {
    const tokens = [token('pos', 0.3, { po: 0.5, pos: 0.3, p: 0.2 }), token('itive', 1, { itive: 1 })];
    expect(reasonOf(readLabelConfidence(tokens, ['positive', 'postal'], 'positive'))).toMatch(/70% .*several labels/);
  });

  it('gives a reason when the listed alternatives leave most probability unlisted', () => {
    const tokens = [token('positive', 0.3, { positive: 0.3, negative: 0.1 })];
    expect(reasonOf(readLabelConfidence(tokens, SENTIMENT, 'positive'))).toMatch(/not listed/);
  });

  it('gives a reason when the chosen label is not in the tokens', () => {
    const tokens = [token('neutral', 0.9, { neutral: 0.9, positive: 0.1 })];
    expect(reasonOf(readLabelConfidence(tokens, SENTIMENT, 'positive'))).toMatch(/not spelled out/);
    // `pos` begins the label, but the reply goes on to spell `postal`.
    const postal = [token('pos', 0.9, { pos: 0.9 }), token('tal', 1, { tal: 1 })];
    expect(reasonOf(readLabelConfidence(postal, ['positive', 'postal'], 'positive'))).toMatch(/not spelled out/);
    expect(reasonOf(readLabelConfidence(tokens, SENTIMENT, 'neutral', 3))).toMatch(/not spelled out/);
    expect(reasonOf(readLabelConfidence(tokens, SENTIMENT, 'mixed'))).toMatch(/not one of the labels/);
  });

  it('gives a reason for no tokens, and for no alternatives at the label', () => {
    expect(reasonOf(readLabelConfidence([], SENTIMENT, 'positive'))).toMatch(/no token/);
    const bare = [token('positive', 0.9)];
    expect(reasonOf(readLabelConfidence(bare, SENTIMENT, 'positive'))).toMatch(/top_logprobs/);
  });

  it('gives a reason when two labels share a spelling, so the reply never tells them apart', () => {
    const tokens = [token('spam', 0.9, { spam: 0.9, ham: 0.1 })];
    expect(reasonOf(readLabelConfidence(tokens, ['Spam', 'spam', 'ham'], 'spam'))).toMatch(
      /No probability reads as the label "spam": its tokens could still be another label/,
    );
  });

  it('gives the renormalized distribution for random distributions over three single-token labels', () => {
    let seed = 0x9e3779b9;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const alternatives = ['positive', 'negative', 'neutral', 'The', '"'];
    for (let trial = 0; trial < 200; trial++) {
      const weights = alternatives.map((_, position) => (position < 3 ? 0.05 : 0) + random());
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      const probabilities = weights.map((weight) => weight / total);
      const chosen = SENTIMENT[Math.floor(random() * 3)]!;
      const top = Object.fromEntries(
        alternatives.map((alternative, position) => [alternative, probabilities[position]!]),
      );
      const result = read([token(chosen, top[chosen]!, top)], SENTIMENT, chosen);
      const labelMass = probabilities[0]! + probabilities[1]! + probabilities[2]!;
      expectScores(result, {
        positive: probabilities[0]! / labelMass,
        negative: probabilities[1]! / labelMass,
        neutral: probabilities[2]! / labelMass,
      });
    }
  });
});
