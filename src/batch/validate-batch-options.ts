import { checkTimeoutMs } from '../client/check-timeout-ms.js';
import { InputError } from '../errors.js';
import { MAX_REPAIRS } from '../task/index.js';
import type { Task } from '../task/types.js';
import { validateBatchApiOptions } from './batch-api/validate-batch-api-options.js';
import type { RunBatchOptions } from './run-batch-options.js';

/** Largest `concurrency`. @internal */
export const MAX_CONCURRENCY = 1000;
/** Largest `pack`. @internal */
export const MAX_PACK = 100;
const MODES = ['online', 'batch-api'];

/** Checks the options of a batch before anything is read or sent; throws {@link InputError} naming the option. @internal */
export function validateBatchOptions(task: Task<unknown>, options: RunBatchOptions): void {
  const { concurrency, maxCostUsd, pack, output, mode, maxRepairs, timeoutMs } = options;
  if (concurrency !== undefined) checkWhole('concurrency', concurrency, 1, MAX_CONCURRENCY);
  if (pack !== undefined) {
    checkWhole('pack', pack, 1, MAX_PACK);
    if (task.format !== 'label') {
      throw new InputError(`pack only works with label tasks; task "${task.name}" has format ${task.format}`, {
        path: 'options.pack',
      });
    }
  }
  if (maxRepairs !== undefined) checkWhole('maxRepairs', maxRepairs, 0, MAX_REPAIRS);
  if (maxCostUsd !== undefined && !(typeof maxCostUsd === 'number' && maxCostUsd >= 0 && maxCostUsd < Infinity)) {
    fail('maxCostUsd', `maxCostUsd must be a number of USD, 0 or more, got ${String(maxCostUsd)}`);
  }
  if (timeoutMs !== undefined) checkTimeoutMs(timeoutMs, 'options.timeoutMs');
  if (output !== undefined && (typeof output !== 'string' || output.trim() === '')) {
    fail('output', 'output must be the path of the results file');
  }
  if (mode !== undefined && !MODES.includes(mode)) {
    fail('mode', `mode must be one of ${MODES.map((name) => `"${name}"`).join(', ')}, got ${JSON.stringify(mode)}`);
  }
  if (mode === 'batch-api') {
    if (pack !== undefined) fail('pack', 'pack works in online mode only (a batch sends each item alone)');
    if (maxCostUsd !== undefined) fail('maxCostUsd', 'maxCostUsd works in online mode only');
    validateBatchApiOptions(options);
  }
  if (options.resume === true && output === undefined) fail('resume', 'resume needs an output file to continue');
  if (options.retryFailed === true && options.resume !== true) {
    fail('retryFailed', 'retryFailed works with resume: true (it re-runs the failed ids of the output file)');
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    fail('onProgress', 'onProgress must be a function');
  }
}

function checkWhole(name: string, value: unknown, min: number, max: number): void {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max)) {
    fail(name, `${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}

function fail(name: string, message: string): never {
  throw new InputError(message, { path: `options.${name}` });
}
