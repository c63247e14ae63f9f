import type { Task } from '../task/types.js';
import type { RunBatchApiOptions } from './batch-api/batch-api-run-options.js';
import { runBatchApi } from './batch-api/run-batch-api.js';
import type { BatchItem, BatchSummary } from './batch-types.js';
import { type BatchSessionOptions, createBatchSession } from './create-batch-session.js';
import { closeInput } from './drive-batch.js';

/** Everything {@link driveBatchApi} works with. @internal */
export interface DriveBatchApiOptions extends BatchSessionOptions {
  items: AsyncIterator<BatchItem>;
  /** Handed to the Batch API runner as they are. */
  batchApi: RunBatchApiOptions;
}

/**
 * `mode: 'batch-api'`: hands the items to be processed (duplicates refused, resumed ids skipped) to the Batch API
 * runner, and records each item it emits through the same session as online mode. @internal
 */
export async function driveBatchApi(task: Task<unknown>, options: DriveBatchApiOptions): Promise<BatchSummary> {
  let admitted = 0;
  let emitted = 0;
  const session = createBatchSession(options, () => ({
    inFlight: admitted - emitted,
    concurrency: options.batchApi.concurrency ?? 1,
  }));
  let inputDone = false;
  async function* toProcess(): AsyncGenerator<BatchItem> {
    for (let next = await options.items.next(); next.done !== true; next = await options.items.next()) {
      if (!session.admit(next.value)) continue;
      admitted += 1;
      yield next.value;
    }
    inputDone = true;
    session.inputEnded();
  }
  try {
    const report = await runBatchApi(task, toProcess(), options.batchApi, async (item, outcome) => {
      emitted += 1;
      session.tally.spend(outcome);
      await session.record(item, outcome);
    });
    return session.finish({ aborted: report.aborted, stoppedBy: report.stoppedBy });
  } finally {
    if (!inputDone) await closeInput(options.items);
  }
}
