import type { Task } from '../src/task/index.js';

const MAX_ENTRIES = 256;

/**
 * A small bounded cache of tasks built by the one-liners, so that calling `classify(text, labels)` in a loop
 * compiles the prompt and the label table once, not per call. @internal
 */
export function createTaskCache(): (key: string, build: () => Task<unknown>) => Task<unknown> {
  const entries = new Map<string, Task<unknown>>();
  return (key, build) => {
    let task = entries.get(key);
    if (task) {
      entries.delete(key);
    } else {
      task = build();
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
    }
    entries.set(key, task);
    return task;
  };
}
