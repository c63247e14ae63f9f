import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { classify, defineTask, extract, runTask, summarize, type TaskResult } from '../src/index.js';

describe('one-liner return types', () => {
  it('classify infers the label union from a list, with or without as const', () => {
    expectTypeOf(classify('t', ['a', 'b'] as const)).toEqualTypeOf<Promise<'a' | 'b'>>();
    expectTypeOf(classify('t', ['positive', 'negative', 'neutral'])).toEqualTypeOf<
      Promise<'positive' | 'negative' | 'neutral'>
    >();
  });

  it('classify with multi returns an array of labels', () => {
    expectTypeOf(classify('t', ['a', 'b'], { multi: true })).toEqualTypeOf<Promise<('a' | 'b')[]>>();
  });

  it('classify with label descriptions infers the keys', () => {
    expectTypeOf(classify('t', { bug: 'broken', billing: 'money' })).toEqualTypeOf<Promise<'bug' | 'billing'>>();
  });

  it('extract returns the zod output type', () => {
    const Contact = z.object({ name: z.string(), age: z.number().optional(), since: z.date() });
    expectTypeOf(extract('t', Contact)).toEqualTypeOf<Promise<z.infer<typeof Contact>>>();
  });

  it('summarize returns string[] for bullets and string for a paragraph', () => {
    expectTypeOf(summarize('t', { format: 'bullets' })).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(summarize('t', { format: 'paragraph', maxWords: 80 })).toEqualTypeOf<Promise<string>>();
    expectTypeOf(summarize('t')).toEqualTypeOf<Promise<string>>();
  });

  it('runTask carries the task output type', () => {
    const task = defineTask<{ name: string }>({ name: 'x', output: z.object({ name: z.string() }) });
    expectTypeOf(runTask(task, 't')).toEqualTypeOf<Promise<TaskResult<{ name: string }>>>();
  });
});
