/**
 * Maps `items` with an async function, at most `limit` at a time, keeping the order of the results. Rejects with
 * the first error `map` throws (the calls already running finish first; no new ones start). Used for the one-item
 * calls of a pack (so an unusable packed reply does not turn one request into a burst of many), the chunk summaries
 * of a long text, and the CLI's evaluation. @internal
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await map(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
