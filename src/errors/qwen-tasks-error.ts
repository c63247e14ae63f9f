import { redact } from './redact.js';

/**
 * Base class of every error qwen-tasks throws. Messages never contain an API key: registered keys are
 * redacted when the error is built, and again from any `cause` that is attached.
 */
export class QwenTasksError extends Error {
  override name = 'QwenTasksError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(redact(message), options?.cause === undefined ? undefined : { cause: sanitizeCause(options.cause) });
  }

  /** A plain, key-free view of the error for logs and result files. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'cause' && value !== undefined) json[key] = value;
    }
    if (this.cause !== undefined) {
      json.cause = this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : this.cause;
    }
    return json;
  }
}

/** Copies a foreign error so that its message and stack cannot carry a secret. */
function sanitizeCause(cause: unknown): unknown {
  if (cause instanceof QwenTasksError) return cause;
  if (cause instanceof Error) {
    const copy = new Error(redact(cause.message));
    copy.name = cause.name;
    if (cause.stack !== undefined) copy.stack = redact(cause.stack);
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') Object.assign(copy, { code });
    return copy;
  }
  if (typeof cause === 'string') return redact(cause);
  return cause;
}
