/**
 * What an action threw (or its promise rejected with); fails the test when it succeeded instead.
 * Shared by the reliability tests.
 */
export async function captureError(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to fail, but it succeeded');
}
