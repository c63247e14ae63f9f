import { createClient } from '../client/create-client.js';
import type { ClientOptions, QwenClient } from '../client/types.js';
import { InputError } from '../errors.js';
import { UsageError } from './usage-error.js';

/** The one line printed when no API key is configured. @internal */
export const MISSING_KEY_MESSAGE =
  'no API key: set QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY (any OpenAI-compatible server), DASHSCOPE_API_KEY ' +
  '(optionally with DASHSCOPE_BASE_URL or DASHSCOPE_REGION) or SEGMIND_API_KEY; "qwen-tasks preview" needs no key';

/**
 * Creates the client of a command from its connection flags and the environment. A missing key becomes a
 * {@link UsageError} (exit code 2) whose single line names the environment variables; the key is never a flag.
 * @internal
 */
export function createCliClient(options: ClientOptions, env: Record<string, string | undefined>): QwenClient {
  try {
    return createClient({ ...options, env });
  } catch (error) {
    if (error instanceof InputError && error.path === 'apiKey') throw new UsageError(MISSING_KEY_MESSAGE);
    throw error;
  }
}
