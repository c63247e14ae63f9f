import type { ChatResponse } from '../client/types.js';
import { AuthenticationError, InsufficientCreditsError, RateLimitError } from '../errors.js';
import { parsePackedLabelsReply } from '../output/index.js';
import { buildPackedUserMessage } from '../prompt/index.js';
import { MAX_OUTPUT_TOKENS } from './define-task.js';
import { mapLimited } from './map-limited.js';
import { NO_SHARE, packedCallShares } from './packed-call-shares.js';
import type { PackedContext } from './packed-context.js';
import type { PendingItem } from './packed-groups.js';
import { runItemAlone } from './packed-item-alone.js';
import type { PackedOutcome } from './packed-outcome.js';
import { packedSystemMessage } from './packed-system-message.js';
import { storeCachedResult } from './result-cache/store-cached-result.js';

/** One-item calls of a pack in flight at once (retries of unusable answers, or the fallback of a failed request). */
const MAX_PARALLEL_CALLS = 4;
/** Output tokens an answer line spends on its line break and letter code (`\nAB: `) besides the label, with room. */
const CODE_TOKENS = 4;

/**
 * Classifies a pack of items with one request and reads one answer per item (`parsePackedLabelsReply`). Items
 * answered validly get a result from the packed reply; the others (missing, invalid, on a cut-off line) are run
 * alone with {@link runItemAlone}, a few at a time. When the request itself fails: an authentication or credits error,
 * or the caller's abort, rejects (nothing else can succeed); a rate limit fails every item with it (more calls now
 * would only meet the same limit; a batch retries them later); any other error (server, timeout, content filter,
 * bad request) falls back to running every item alone, which also isolates the one text that caused it. @internal
 */
export async function runPackedRequest(
  context: PackedContext,
  items: readonly PendingItem[],
): Promise<PackedOutcome[]> {
  const { task, compiled, client, taskOptions } = context;
  const perItemTokens = task.settings.maxTokens;
  const maxTokens =
    perItemTokens === undefined ? undefined : Math.min(MAX_OUTPUT_TOKENS, (perItemTokens + CODE_TOKENS) * items.length);
  let response: ChatResponse;
  try {
    response = await client.chat(
      {
        ...compiled.request,
        ...(maxTokens === undefined ? {} : { maxTokens }),
        messages: [
          { role: 'system', content: packedSystemMessage(task).system },
          { role: 'user', content: buildPackedUserMessage(items.map((item) => item.text)) },
        ],
      },
      {
        ...(taskOptions.signal ? { signal: taskOptions.signal } : {}),
        ...(taskOptions.timeoutMs ? { timeoutMs: taskOptions.timeoutMs } : {}),
      },
    );
  } catch (error) {
    if (
      error instanceof AuthenticationError ||
      error instanceof InsufficientCreditsError ||
      taskOptions.signal?.aborted === true
    ) {
      throw error;
    }
    if (error instanceof RateLimitError) return items.map(() => ({ ok: false, error }));
    return mapLimited(items, MAX_PARALLEL_CALLS, (item) => runItemAlone(context, item, NO_SHARE));
  }
  const shares = packedCallShares(response.usage, response.costUsd, items.length);
  const reply = parsePackedLabelsReply(compiled.replyText(response), task.labels ?? [], items.length, {
    multi: task.multi,
    truncated: response.finishReason === 'length',
  });
  const outcomes = new Array<PackedOutcome>(items.length);
  const retries: number[] = [];
  for (const [index, item] of items.entries()) {
    const answer = reply.answers[index];
    if (answer?.ok !== true) {
      retries.push(index);
      continue;
    }
    const share = shares[index] ?? NO_SHARE;
    const result = {
      value: answer.value,
      raw: reply.answerTexts[index] ?? '',
      calls: share.calls,
      repairs: [...answer.repairs],
      usage: share.usage,
      costUsd: share.costUsd,
      durationMs: performance.now() - context.startedMs,
      ...(response.remainingCredits === undefined ? {} : { remainingCredits: response.remainingCredits }),
      finishReason: response.finishReason,
    };
    if (context.cache && item.key !== undefined) await storeCachedResult(context.cache, item.key, result);
    outcomes[index] = { ok: true, result };
  }
  await mapLimited(retries, MAX_PARALLEL_CALLS, async (index) => {
    outcomes[index] = await runItemAlone(context, items[index] as PendingItem, shares[index] ?? NO_SHARE);
  });
  return outcomes;
}
