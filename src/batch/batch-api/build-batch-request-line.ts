import { buildRequestBody } from '../../client/build-request-body.js';
import type { QwenClient } from '../../client/types.js';
import { buildMessages } from '../../prompt/index.js';
import type { CompiledTask } from '../../task/compile-task.js';

/** The endpoint of every request line. @internal */
export const BATCH_REQUEST_URL = '/v1/chat/completions';

/**
 * One line of a request file: `{custom_id, method, url, body}`, where the body is the one an online call of the task
 * would send (same messages, model, sampling, `response_format`, explicit `enable_thinking`), never streamed.
 * @internal
 */
export function buildBatchRequestLine(
  compiled: CompiledTask,
  client: Pick<QwenClient, 'provider' | 'model'>,
  customId: string,
  text: string,
): string {
  const { body } = buildRequestBody(
    { ...compiled.request, stream: false, messages: buildMessages({ system: compiled.system, text }) },
    { provider: client.provider, model: client.model, outputLengthField: 'max_tokens' },
  );
  return JSON.stringify({ custom_id: customId, method: 'POST', url: BATCH_REQUEST_URL, body });
}
