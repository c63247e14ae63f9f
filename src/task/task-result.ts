import type { Usage } from '../client/types.js';

/** The value of a task call with what it took to get it. */
export interface TaskResult<O> {
  /** The valid output value. */
  value: O;
  /** Raw text of the reply the value came from. */
  raw: string;
  /** Chat calls made (1 + repair turns + length retries). */
  calls: number;
  /** Names of the local repairs applied to the accepted reply, e.g. `fence`, `jsonrepair`, `label-case`. */
  repairs: string[];
  /** Tokens of all calls. */
  usage: Usage;
  /** Estimated cost of all calls, USD. */
  costUsd: number;
  /** Wall time, milliseconds. */
  durationMs: number;
  /** Segmind credits left after the last call. */
  remainingCredits?: number;
  /** `finish_reason` of the accepted reply. */
  finishReason: string;
  /** Set when the value came from a result cache: no call was made, so `calls`, usage and cost are 0. */
  cached?: boolean;
}

/** What {@link RunTaskOptions.onAttempt} receives after each call. */
export interface AttemptInfo {
  /** 1-based number of the call within this task call. */
  call: number;
  /** Why the call was made. */
  kind: 'first' | 'repair' | 'length-retry';
  /** Raw reply text. */
  raw: string;
  finishReason: string;
  /** Whether the reply gave a valid value. */
  ok: boolean;
  /** Local repairs applied. */
  repairs: string[];
  /** Validation issues, when not ok. */
  issues: { path: readonly (string | number)[]; message: string }[];
  usage: Usage;
  costUsd: number;
  durationMs: number;
  /** Messages sent in this call. */
  messageCount: number;
  /** HTTP attempts of this call that the server answered with 429 before the client got through. */
  rateLimitedAttempts: number;
}
