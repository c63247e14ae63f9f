import { setTimeout as sleep } from 'node:timers/promises';

/** @internal Waits, unless the signal aborts first (the client went away); tells whether the wait ran to its end. */
export async function pause(delayMs: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(delayMs, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
