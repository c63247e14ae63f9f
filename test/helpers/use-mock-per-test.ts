import { afterEach } from 'vitest';
import { type MockQwen, type MockQwenOptions, startMockQwen } from '../../src/testing/index.js';

/**
 * For a test file that starts one loopback server per test: returns `start(options)`, and closes the server the
 * current test started once it ends (call at the top level of the file).
 */
export function useMockPerTest(): (options?: MockQwenOptions) => Promise<MockQwen> {
  let mock: MockQwen | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });
  return async (options = {}) => {
    mock = await startMockQwen(options);
    return mock;
  };
}
