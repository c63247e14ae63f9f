import { describe, expect, it } from 'vitest';
import type { MockFault, MockRequest } from './index.js';
import { seededFaults } from './index.js';
import { seededRandom } from './seeded-random.js';

const requestNumber = (index: number) => ({ index }) as MockRequest;
const run = (pick: (request: MockRequest) => MockFault | undefined, count: number) =>
  Array.from({ length: count }, (_, index) => pick(requestNumber(index)));

describe('seededFaults', () => {
  it('picks the same faults for the same seed, whatever order the requests come in', () => {
    const first = run(seededFaults({ seed: 42, rate: 0.3 }), 200);
    const pick = seededFaults({ seed: 42, rate: 0.3 });
    const backwards = Array.from({ length: 200 }, (_, offset) => pick(requestNumber(199 - offset))).reverse();
    expect(backwards).toEqual(first);
  });

  it('picks different faults for a different seed', () => {
    expect(run(seededFaults({ seed: 1, rate: 0.5 }), 100)).not.toEqual(run(seededFaults({ seed: 2, rate: 0.5 }), 100));
  });

  it.each([0, 0.2, 0.5, 1])('faults roughly a share of %s of the requests', (rate) => {
    const faulted = run(seededFaults({ seed: 7, rate }), 2000).filter((fault) => fault !== undefined).length;
    expect(Math.abs(faulted / 2000 - rate)).toBeLessThan(0.05);
  });

  it('draws from the given kinds, turning type names into faults with defaults', () => {
    const faults = run(
      seededFaults({ seed: 3, rate: 1, kinds: ['reset', { type: 'status', status: 429, retryAfter: 1 }] }),
      200,
    );
    expect(new Set(faults.map((fault) => JSON.stringify(fault)))).toEqual(
      new Set(['{"type":"reset"}', '{"type":"status","status":429,"retryAfter":1}']),
    );
  });

  it('draws from 429, 500, 503, reset and truncate by default', () => {
    const types = new Set(
      run(seededFaults({ seed: 9, rate: 1 }), 500).map(
        (fault) => `${fault?.type}:${'status' in (fault ?? {}) ? (fault as { status: number }).status : ''}`,
      ),
    );
    expect(types).toEqual(new Set(['status:429', 'status:500', 'status:503', 'reset:', 'truncate:']));
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays within [0, 1)', () => {
    const numbers = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
    expect(numbers(5)).toEqual(numbers(5));
    expect(numbers(5).every((value) => value >= 0 && value < 1)).toBe(true);
    expect(numbers(5)).not.toEqual(numbers(6));
  });
});
