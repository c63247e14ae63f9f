import type { ChatResponse } from '../../client/types.js';
import { OutputError } from '../../errors.js';
import { runTask } from '../../task/index.js';
import type { BatchItem, BatchItemOutcome } from '../batch-types.js';
import { trackSpend } from '../track-spend.js';
import type { BatchApiRun } from './batch-api-run.js';

/**
 * Runs a batch reply through the task's output pipeline ({@link runTask} with the reply as its first response):
 * local repair first, then — with `repairOnline` — repair turns (or a larger output limit for a cut-off reply) as
 * online calls. Without `repairOnline`, a reply that local repair cannot fix fails with an {@link OutputError}.
 * Never rejects: a failure is an outcome with the calls, usage and cost spent on the item.
 * @internal
 */
export async function completeBatchItem(
  run: BatchApiRun,
  item: BatchItem,
  response: ChatResponse,
): Promise<BatchItemOutcome> {
  const { settings, clock } = run;
  const started = clock.now();
  const spend = trackSpend();
  if (!settings.repairOnline && response.finishReason === 'length') {
    const error = new OutputError(
      `Task "${run.task.name}": the batch reply was cut off (finish_reason "length") and repairOnline is off`,
      {
        attempts: [run.compiled.replyText(response)],
        issues: [{ path: [], message: 'the reply was cut off (finish_reason "length")' }],
        finishReason: 'length',
      },
    );
    return { ok: false, error, calls: 1, usage: { ...response.usage }, costUsd: response.costUsd, durationMs: 0 };
  }
  try {
    const result = await runTask(run.task, item.text, {
      client: run.client,
      initialResponse: response,
      maxRepairs: settings.repairOnline ? (settings.maxRepairs ?? 1) : 0,
      onAttempt: spend.onAttempt,
      ...(run.signal === undefined ? {} : { signal: run.signal }),
      ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    });
    return {
      ok: true,
      value: result.value,
      calls: result.calls,
      usage: result.usage,
      costUsd: result.costUsd,
      durationMs: clock.now() - started,
    };
  } catch (error) {
    const { calls, usage, costUsd } = spend;
    return { ok: false, error, calls, usage, costUsd, durationMs: clock.now() - started };
  }
}
