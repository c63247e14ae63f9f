import type { MockFault } from './mock-fault.js';
import type { MockRequest } from './mock-types.js';
import { seededRandom } from './seeded-random.js';

/** A fault, or the name of a fault type to use with its defaults. */
export type SeededFaultKind = MockFault | MockFault['type'];

/** Options of {@link seededFaults}. */
export interface SeededFaultsOptions {
  /** The same seed picks the same faults for the same request indexes. */
  seed: number;
  /** Share of requests that get a fault, from 0 to 1. */
  rate: number;
  /** Faults to pick from, with equal chances. @defaultValue 429 with `Retry-After: 0`, 500, 503, reset, truncate */
  kinds?: readonly SeededFaultKind[];
}

const defaultFaults: Record<MockFault['type'], MockFault> = {
  status: { type: 'status', status: 500 },
  reset: { type: 'reset' },
  truncate: { type: 'truncate' },
  'slow-headers': { type: 'slow-headers', delayMs: 50 },
  'slow-body': { type: 'slow-body', delayMs: 50 },
  'sse-cut': { type: 'sse-cut' },
  'sse-error': { type: 'sse-error' },
  html: { type: 'html', status: 502 },
  'echo-key': { type: 'echo-key', status: 401 },
};

const defaultKinds: readonly SeededFaultKind[] = [
  { type: 'status', status: 429, retryAfter: 0 },
  { type: 'status', status: 500 },
  { type: 'status', status: 503 },
  'reset',
  'truncate',
];

/**
 * A fault function for {@link MockQwenOptions.faults} that fails a pseudo-random share of the chat requests.
 * The choice depends only on the seed and the request index, so a soak test fails the same way on every run.
 *
 * @example
 * ```ts
 * const mock = await startMockQwen({ faults: seededFaults({ seed: 7, rate: 0.2, kinds: ['reset', 'truncate'] }) });
 * ```
 */
export function seededFaults(options: SeededFaultsOptions): (request: MockRequest) => MockFault | undefined {
  const kinds = (options.kinds ?? defaultKinds).map((kind) => (typeof kind === 'string' ? defaultFaults[kind] : kind));
  return (request) => {
    if (kinds.length === 0) return undefined;
    const random = seededRandom(Math.imul(options.seed ^ 0x5bd1e995, 0x9e3779b1) + request.index);
    random();
    if (random() >= options.rate) return undefined;
    return kinds[Math.floor(random() * kinds.length)];
  };
}
