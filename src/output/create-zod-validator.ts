import type { z } from 'zod';
import type { OutputIssue } from '../errors.js';
import type { ParseOutcome } from './parse-outcome.js';

/**
 * A validator that runs a zod schema's `safeParse` (so refinements and transforms apply) and reports its issues
 * as `OutputIssue`s (path and message). The value returned is zod's output.
 *
 * @example
 * const validate = createZodValidator(z.object({ total: z.number() }));
 * validate({ total: '12' }); // { ok: false, issues: [{ path: ['total'], message: 'Invalid input: expected number, received string' }], repairs: [] }
 */
export function createZodValidator<T>(schema: z.ZodType<T>): (value: unknown) => ParseOutcome<T> {
  return (value) => {
    const result = schema.safeParse(value);
    if (result.success) {
      return { ok: true, value: result.data, repairs: [] };
    }
    const issues: OutputIssue[] = result.error.issues.map((issue) => ({
      path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
      message: issue.message,
    }));
    return { ok: false, issues, repairs: [] };
  };
}
