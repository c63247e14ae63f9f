import { QwenTasksError } from './qwen-tasks-error.js';

/** An attempt took longer than `timeoutMs`. Retryable. */
export class TimeoutError extends QwenTasksError {
  override name = 'TimeoutError';
  /** The per-attempt limit that was passed. */
  readonly timeoutMs: number;
  /** Which provider the call went to. */
  readonly provider: string | undefined;

  constructor(message: string, options: { timeoutMs: number; provider?: string; cause?: unknown }) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
    this.provider = options.provider;
  }
}
