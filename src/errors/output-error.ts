import { QwenTasksError } from './qwen-tasks-error.js';
import { redactValue } from './redact.js';

/** One reason a reply is not a valid value: where in the value, and what is wrong. */
export interface OutputIssue {
  /** Path inside the value (empty for the whole value). */
  path: readonly (string | number)[];
  /** What is wrong there. */
  message: string;
}

/**
 * No valid value after local repair and `maxRepairs` repair turns. Carries every attempt's raw text, the last
 * validation issues and the last finish reason (with any registered API key redacted, should a hostile server
 * have put it in a reply).
 */
export class OutputError extends QwenTasksError {
  override name = 'OutputError';
  /** Raw reply text of every attempt, in order. */
  readonly attempts: readonly string[];
  /** Validation issues of the last attempt. */
  readonly issues: readonly OutputIssue[];
  /** `finish_reason` of the last attempt (`length` means the reply was cut off). */
  readonly finishReason: string | undefined;

  constructor(
    message: string,
    details: { attempts: readonly string[]; issues: readonly OutputIssue[]; finishReason?: string; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.attempts = redactValue(details.attempts);
    this.issues = redactValue(details.issues);
    this.finishReason = details.finishReason;
  }
}
