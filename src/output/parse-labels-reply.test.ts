import { describe, expect, it } from 'vitest';
import { parseLabelsReply } from './parse-labels-reply.js';
import type { RepairName } from './repair-name.js';

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
