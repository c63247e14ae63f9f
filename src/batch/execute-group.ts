import type { BatchExecutor, BatchItem, BatchItemOutcome } from './batch-types.js';
import { failedOutcome } from './failed-outcome.js';

/** Runs the executor on a group; a rejection (a bug in the executor) fails every item of the group. @internal */
export async function executeGroup(
  executor: BatchExecutor,
  group: readonly BatchItem[],
  signal: AbortSignal | undefined,
): Promise<BatchItemOutcome[]> {
  try {
    return await executor.execute(group, { signal });
  } catch (error) {
    return group.map(() => failedOutcome(error));
  }
}
