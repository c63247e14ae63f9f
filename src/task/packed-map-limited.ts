/**
 * Maps `items` with an async function, at most `limit` at a time, keeping the order of the results. Used for the
 * one-item calls of a pack, so an unusable packed reply does not turn one request into a burst of many. @internal
 */
export async function packedMapLimited<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await map(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
