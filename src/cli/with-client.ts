import type { ClientOptions, QwenClient } from '../client/types.js';
import { createCliClient } from './create-cli-client.js';

/** Creates the command's client, runs `work` with it, and closes it (so the process can exit at once). @internal */
export async function withClient<T>(
  options: ClientOptions,
  env: Record<string, string | undefined>,
  work: (client: QwenClient) => Promise<T>,
): Promise<T> {
  const client = createCliClient(options, env);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}
