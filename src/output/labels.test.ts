import { describe, expect, it } from 'vitest';
import { createLabelMatcher, parseLabelReply, parseLabelsReply } from './labels.js';
import type { RepairName } from './outcome.js';

const SENTIMENT = ['positive', 'negative', 'neutral'] as const;
const TRIAGE = ['bug', 'feature-request', 'billing'] as const;

describe('parseLabelReply', () => {
  it.each<[string, string, readonly string[], string, RepairName[]]>([
    ['a bare label', 'positive', SENTIMENT, 'positive', []],
    ['a label with surrounding whitespace', '  positive\n', SENTIMENT, 'positive', []],
    ['a JSON object with a label key', '{"label": "negative"}', SENTIMENT, 'negative', ['label-key']],
    ['a JSON object with another single key', '{"sentiment": "negative"}', SENTIMENT, 'negative', ['label-key']],
    ['a JSON string', '"neutral"', SENTIMENT, 'neutral', ['label-quote']],
    ['a one-item JSON array', '["neutral"]', SENTIMENT, 'neutral', ['label-list', 'label-quote']],
    ['a single-quoted label', "'positive'", SENTIMENT, 'positive', ['label-quote']],
    ['an emphasized label', '**positive**', SENTIMENT, 'positive', ['label-quote']],
    ['a label with a prefix', 'Label: negative', SENTIMENT, 'negative', ['label-prefix']],
    [
      'a label with a prefix, quotes and a full stop',
      'Sentiment: "Negative".',
      SENTIMENT,
      'negative',
      ['label-punctuation', 'label-prefix', 'label-quote', 'label-case'],
    ],
    ['a label with trailing punctuation', 'positive!', SENTIMENT, 'positive', ['label-punctuation']],
    ['another case', 'POSITIVE', SENTIMENT, 'positive', ['label-case']],
    ['a separator variant', 'Feature request', TRIAGE, 'feature-request', ['label-case']],
    ['an underscore variant', 'feature_request', TRIAGE, 'feature-request', ['label-case']],
    ['a fenced label', '```\nbug\n```', TRIAGE, 'bug', ['fence']],
    ['reasoning before the label', '<think>could be billing or bug</think>bug', TRIAGE, 'bug', ['think']],
    ['a CJK prefix with full-width colon', '标签：positive', SENTIMENT, 'positive', ['full-width', 'label-prefix']],
    ['CJK quotes', '“positive”', SENTIMENT, 'positive', ['full-width', 'label-quote']],
    ['an ideographic full stop', 'positive。', SENTIMENT, 'positive', ['full-width', 'label-punctuation']],
    ['full-width letters', 'ｐｏｓｉｔｉｖｅ', SENTIMENT, 'positive', ['full-width']],
    [
      'a sentence naming exactly one label',
      'The review is clearly positive overall.',
      SENTIMENT,
      'positive',
      ['prose'],
    ],
    ['CJK labels', '正面。', ['正面', '负面'], '正面', ['full-width', 'label-punctuation']],
  ])('accepts %s', (_name, reply, labels, value, repairs) => {
    expect(parseLabelReply(reply, labels)).toEqual({ ok: true, value, repairs });
  });

  it.each<[string, string, string]>([
    ['several labels', 'positive, negative', 'The reply names several labels (positive, negative); name exactly one.'],
    [
      'several labels in a sentence',
      'It is positive but also a bit negative.',
      'The reply names several labels (positive, negative); name exactly one.',
    ],
    ['a JSON array of several labels', '["positive", "neutral"]', 'The reply names several labels; name exactly one.'],
    [
      'a negated label',
      'not negative',
      'The reply negates the label "negative" instead of naming the label that applies.',
    ],
    [
      'another negated label',
      'Not positive.',
      'The reply negates the label "positive" instead of naming the label that applies.',
    ],
    [
      'a negation with a softening word',
      "It isn't really positive",
      'The reply negates the label "positive" instead of naming the label that applies.',
    ],
    [
      'a CJK negation',
      '不是positive',
      'The reply negates the label "positive" instead of naming the label that applies.',
    ],
    ['no known label', 'mixed', '"mixed" is not one of the labels: positive, negative, neutral.'],
    ['an empty reply', '  ', 'The reply is empty; expected one of: positive, negative, neutral.'],
    [
      'a JSON object without a label',
      '{"score": 0.9, "reason": "x"}',
      'The reply is a JSON object without a "label" property.',
    ],
    ['a label that is not a string', '{"label": 3}', "The reply's label is a number, not a string."],
  ])('rejects %s', (_name, reply, message) => {
    expect(parseLabelReply(reply, SENTIMENT)).toEqual({
      ok: false,
      issues: [{ path: [], message }],
      repairs: expect.any(Array),
    });
  });

  it('keeps labels that contain punctuation or a colon', () => {
    expect(parseLabelReply('type: bug', ['type: bug', 'type: idea'])).toEqual({
      ok: true,
      value: 'type: bug',
      repairs: [],
    });
    expect(parseLabelReply('C++', ['C++', 'C#'])).toEqual({ ok: true, value: 'C++', repairs: [] });
  });

  it('accepts a prepared matcher', () => {
    const labels = ['a', 'b'];
    expect(parseLabelReply('B', createLabelMatcher(labels))).toEqual({ ok: true, value: 'b', repairs: ['label-case'] });
  });

  it('does not match labels that only differ in spelling when two labels share it', () => {
    expect(parseLabelReply('Re Open', ['re-open', 're_open']).ok).toBe(false);
    expect(parseLabelReply('re_open', ['re-open', 're_open'])).toEqual({ ok: true, value: 're_open', repairs: [] });
  });
});

const LABELS = ['billing', 'bug', 'feature-request'] as const;

describe('parseLabelsReply', () => {
  it.each<[string, string, string[], RepairName[]]>([
    ['a JSON array', '["billing", "bug"]', ['billing', 'bug'], []],
    ['a JSON object with a labels key', '{"labels": ["bug"]}', ['bug'], ['label-key']],
    ['a fenced JSON array', '```json\n["bug"]\n```', ['bug'], ['fence']],
    ['a comma list', 'billing, bug', ['billing', 'bug'], ['label-list']],
    [
      'a semicolon list in another case',
      'Billing; Feature request',
      ['billing', 'feature-request'],
      ['label-list', 'label-case'],
    ],
    ['a newline list', 'billing\nbug', ['billing', 'bug'], ['label-list']],
    ['bullets', '- billing\n- bug', ['billing', 'bug'], ['lines-markers', 'label-list']],
    [
      'a numbered list with a lead-in line',
      'Labels that apply:\n1. bug\n2. billing',
      ['bug', 'billing'],
      ['lines-preamble', 'lines-markers', 'label-list'],
    ],
    ['a prefixed list', 'Labels: bug, billing', ['bug', 'billing'], ['label-prefix', 'label-list']],
    ['labels joined with "and"', 'bug and billing', ['bug', 'billing'], ['label-list']],
    ['quoted items', '"bug", "billing"', ['bug', 'billing'], ['label-list', 'label-quote']],
    ['duplicates', 'bug, bug', ['bug'], ['label-list']],
    ['one label', 'bug', ['bug'], []],
    ['an empty JSON array', '[]', [], []],
    ['none', 'None.', [], []],
    ['a full-width comma list', 'billing，bug', ['billing', 'bug'], ['full-width', 'label-list']],
    ['a CJK enumeration comma', 'billing、bug', ['billing', 'bug'], ['full-width', 'label-list']],
  ])('reads %s', (_name, reply, value, repairs) => {
    expect(parseLabelsReply(reply, LABELS)).toEqual({ ok: true, value, repairs });
  });

  it.each<[string, string, string]>([
    ['an unknown label', 'bug, refund', '"refund" is not one of the labels: billing, bug, feature-request.'],
    ['a negated label', 'bug, not billing', 'The reply negates the label "billing"; list only the labels that apply.'],
    ['a non-string item', '["bug", 3]', 'A listed label is a number, not a string.'],
    ['an empty reply', '', 'The reply is empty; expected a list of labels from: billing, bug, feature-request.'],
    ['a JSON object without labels', '{"reason": "x"}', 'The reply is a JSON object without a "labels" property.'],
  ])('rejects %s', (_name, reply, message) => {
    expect(parseLabelsReply(reply, LABELS)).toEqual({
      ok: false,
      issues: [{ path: [], message }],
      repairs: expect.any(Array),
    });
  });
});
