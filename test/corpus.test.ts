import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseJsonReply } from '../src/output/json-reply.js';

/** The corpus is a fixture of the repository (copied from the project's shared reference, with its licences). */
const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_PATH = resolve(REPOSITORY_ROOT, 'test/fixtures/corpus/cases.jsonl');
const KNOWN_DIFFERENCES_PATH = resolve(REPOSITORY_ROOT, 'test/corpus-known-differences.json');

/**
 * Recovery rates reached (exact deep-equal with `expected`). Span extraction plus jsonrepair reaches 77% overall;
 * raise these when the pipeline improves, never lower them to make a change pass.
 */
const MIN_RECOVERY_RATE = 0.9;
const MIN_RECOVERY_RATE_WITHOUT_KNOWN_DIFFERENCES = 0.95;

interface CorpusCase {
  id: string;
  input: string;
  expected: unknown;
  category: string;
}

interface Tally {
  recovered: number;
  total: number;
}

function loadCases(): CorpusCase[] {
  return readFileSync(CORPUS_PATH, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CorpusCase)
    .filter((corpusCase) => corpusCase.expected !== null);
}

function rate({ recovered, total }: Tally): string {
  return `${recovered}/${total} (${((100 * recovered) / Math.max(total, 1)).toFixed(1)}%)`;
}

function count(tallies: Map<string, Tally>, key: string, recovered: boolean): void {
  const tally = tallies.get(key) ?? { recovered: 0, total: 0 };
  tally.total++;
  tally.recovered += recovered ? 1 : 0;
  tallies.set(key, tally);
}

describe('the LLM malformed-JSON corpus', () => {
  const cases = loadCases();
  const knownDifferences = JSON.parse(readFileSync(KNOWN_DIFFERENCES_PATH, 'utf8')) as Record<string, string>;
  const results = cases.map((corpusCase) => {
    const outcome = parseJsonReply(corpusCase.input);
    return { corpusCase, recovered: outcome.ok && isDeepStrictEqual(outcome.value, corpusCase.expected) };
  });

  it('is recovered at least at the rate reached, overall and per category', () => {
    const byCategory = new Map<string, Tally>();
    const summary = new Map<string, Tally>();
    for (const { corpusCase, recovered } of results) {
      count(byCategory, corpusCase.category, recovered);
      count(summary, 'overall', recovered);
      if (!corpusCase.id.startsWith('jsonrepair-')) {
        count(summary, "without jsonrepair's own cases", recovered);
      }
      if (!Object.hasOwn(knownDifferences, corpusCase.id)) {
        count(summary, 'without known differences', recovered);
      }
    }
    const lines = [...byCategory.entries()]
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([category, tally]) => `  ${category.padEnd(18)} ${rate(tally)}`);
    const totals = [...summary.entries()].map(([name, tally]) => `  ${name}: ${rate(tally)}`);
    const missed = results.filter(
      (result) => !result.recovered && !Object.hasOwn(knownDifferences, result.corpusCase.id),
    );
    console.log(
      [
        'Corpus recovery by category:',
        ...lines,
        'Totals:',
        ...totals,
        `Missed (not known differences): ${missed.map((result) => result.corpusCase.id).join(', ')}`,
      ].join('\n'),
    );

    const overall = summary.get('overall') ?? { recovered: 0, total: 0 };
    const withoutKnown = summary.get('without known differences') ?? { recovered: 0, total: 0 };
    expect(overall.recovered / overall.total).toBeGreaterThanOrEqual(MIN_RECOVERY_RATE);
    expect(withoutKnown.recovered / withoutKnown.total).toBeGreaterThanOrEqual(
      MIN_RECOVERY_RATE_WITHOUT_KNOWN_DIFFERENCES,
    );
  });

  it('lists only cases that exist and still differ as known differences', () => {
    const stillDiffering = results.filter((result) => !result.recovered).map((result) => result.corpusCase.id);
    expect(Object.keys(knownDifferences).filter((id) => !stillDiffering.includes(id))).toEqual([]);
  });

  it('never throws, whatever the input', () => {
    for (const { corpusCase } of results) {
      expect(() => parseJsonReply(corpusCase.input)).not.toThrow();
    }
  });
});
