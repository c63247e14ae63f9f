import { describe, expect, it } from 'vitest';
import { defineTask } from '../task/define-task.js';
import { drawExampleSets, readProposal, redefineTask, splitData, type TuneItem } from './tune-candidates.js';

const task = defineTask({
  name: 'tickets',
  output: { labels: { bug: 'something broken', billing: 'money', other: 'anything else' } },
  instructions: 'Route the ticket.',
  temperature: 0.3,
});
/** 8 bugs, 4 billing, 2 other, in that order by line. */
const items: TuneItem[] = [
  ...Array.from({ length: 8 }, (_, index) => ({ line: index + 1, text: `bug ${index}`, expected: 'bug' })),
  ...Array.from({ length: 4 }, (_, index) => ({ line: index + 9, text: `billing ${index}`, expected: 'Billing' })),
  ...Array.from({ length: 2 }, (_, index) => ({ line: index + 13, text: `other ${index}`, expected: 'other' })),
];
const shares = { train: 0.5, dev: 0.25, test: 0.25 };
const labelsOf = (split: readonly TuneItem[]) => split.map((item) => String(item.expected).toLowerCase());
const count = (labels: string[], label: string) => labels.filter((each) => each === label).length;

describe('splitData', () => {
  it('gives each split its share of every label (the label spelling ignored), in data order', () => {
    const split = splitData(task, items, shares, 1);
    expect([split.train, split.dev, split.test].map((part) => count(labelsOf(part), 'bug'))).toEqual([4, 2, 2]);
    expect([split.train, split.dev, split.test].map((part) => count(labelsOf(part), 'billing'))).toEqual([2, 1, 1]);
    expect([split.train, split.dev, split.test].map((part) => count(labelsOf(part), 'other'))).toEqual([1, 1, 0]);
    for (const part of [split.train, split.dev, split.test]) {
      expect(part.map((item) => item.line)).toEqual([...part.map((item) => item.line)].sort((a, b) => a - b));
    }
  });

  it('is the same for a seed and another for another seed', () => {
    expect(splitData(task, items, shares, 5)).toEqual(splitData(task, items, shares, 5));
    expect(splitData(task, items, shares, 5).dev).not.toEqual(splitData(task, items, shares, 6).dev);
  });
});

describe('drawExampleSets', () => {
  const train = splitData(task, items, shares, 1).train;

  it('draws one example per label first, the labels of the dev errors leading, then larger balanced sets', () => {
    const sets = drawExampleSets(task, train, { maxExamples: 5, errorLabels: ['other'], seed: 1, draws: 2 });
    expect(sets.map((set) => set.name)).toEqual([
      '3 examples (1 per label), draw 1',
      '3 examples (1 per label), draw 2',
      '5 examples, draw 1',
      '5 examples, draw 2',
    ]);
    expect(sets[0]!.examples.map((example) => example.output)).toEqual(['other', 'bug', 'billing']);
    expect(sets[2]!.examples.map((example) => example.output)).toEqual(['other', 'bug', 'billing', 'bug', 'billing']);
    expect(sets[0]!.examples[0]).toEqual({ input: 'other 1', output: 'other' });
  });

  it('puts only the error labels in a set smaller than the labels', () => {
    const [set] = drawExampleSets(task, train, { maxExamples: 1, errorLabels: ['billing'], seed: 1, draws: 1 });
    expect(set).toMatchObject({ name: '1 example (1 per label, errors first), draw 1' });
    expect(set!.examples.map((example) => example.output)).toEqual(['billing']);
  });
});

describe('redefineTask', () => {
  it('keeps the name, labels, settings and instructions, and changes only what it is given', () => {
    const plain = redefineTask(task, { labelDescriptions: undefined, examples: [{ input: 'x', output: 'bug' }] });
    expect(plain).toMatchObject({
      name: 'tickets',
      labels: ['bug', 'billing', 'other'],
      instructions: 'Route the ticket.',
    });
    expect(plain.labelDescriptions).toBeUndefined();
    expect(plain.settings).toEqual(task.settings);
    expect(redefineTask(task, {}).hash).toBe(task.hash);
    const cited = defineTask({
      name: 'invoice',
      output: { type: 'object', properties: { n: { type: 'string' } } },
      cite: true,
    });
    expect(redefineTask(cited, { instructions: 'Read it.' }).settings).toEqual(cited.settings);
  });
});

describe('readProposal', () => {
  it.each([
    ['  Read the whole ticket.\n', 'Read the whole ticket.'],
    ['Instructions: "Read the whole ticket."', 'Read the whole ticket.'],
    ['   ', undefined],
  ])('reads %j as %j', (reply, instructions) => {
    expect(readProposal(reply)).toBe(instructions);
  });
});
