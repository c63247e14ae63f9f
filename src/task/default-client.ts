import { createClient } from '../client/index.js';
import type { QwenClient } from '../client/types.js';

let defaultClient: QwenClient | undefined;

/** The client used when a call names none: created from the environment on first use. @internal */
export function getDefaultClient(): QwenClient {
  defaultClient ??= createClient();
  return defaultClient;
}
