import { InputError } from '../../errors.js';
import type { BatchApiRunOptions } from './batch-api-run-options.js';

/** `24h`..`336h` or `1d`..`14d`, as the Batch API accepts them. */
const COMPLETION_WINDOW = /^(\d+)([hd])$/;
const MIN_WINDOW_HOURS = 24;
const MAX_WINDOW_HOURS = 336;

/** Checks the batch-only options before anything is read or sent; throws {@link InputError} naming the option. @internal */
export function validateBatchApiOptions(options: BatchApiRunOptions): void {
  const { completionWindow, batchIds, repairOnline } = options;
  for (const name of [
    'pollIntervalMs',
    'maxPollIntervalMs',
    'maxLinesPerFile',
    'maxBytesPerFile',
    'maxBytesPerLine',
  ] as const) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
      fail(name, `${name} must be a whole number above 0, got ${String(value)}`);
    }
  }
  if (completionWindow !== undefined) {
    const match = COMPLETION_WINDOW.exec(String(completionWindow));
    const hours = match === null ? Number.NaN : Number(match[1]) * (match[2] === 'd' ? 24 : 1);
    if (!(hours >= MIN_WINDOW_HOURS && hours <= MAX_WINDOW_HOURS)) {
      fail('completionWindow', `completionWindow must be 24h to 336h (or 1d to 14d), got ${String(completionWindow)}`);
    }
  }
  if (batchIds !== undefined) {
    if (!Array.isArray(batchIds) || batchIds.some((id) => typeof id !== 'string' || id.trim() === '')) {
      fail('batchIds', 'batchIds must be a list of batch ids (non-empty strings)');
    }
  }
  if (repairOnline !== undefined && typeof repairOnline !== 'boolean') {
    fail('repairOnline', 'repairOnline must be true or false');
  }
  if (options.onBatchApiProgress !== undefined && typeof options.onBatchApiProgress !== 'function') {
    fail('onBatchApiProgress', 'onBatchApiProgress must be a function');
  }
}

function fail(name: string, message: string): never {
  throw new InputError(message, { path: `options.${name}` });
}
