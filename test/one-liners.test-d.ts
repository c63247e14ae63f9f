import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type Citations,
  type CitedValue,
  type ClassifiedLabel,
  classify,
  type DeepPartial,
  defineTask,
  extract,
  runTask,
  streamExtract,
  streamSummarize,
  streamTask,
  summarize,
  type TaskResult,
  type TaskStream,
} from '../src/index.js';

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

  it('the stream functions carry the same types, partials as deep partials', () => {
    const Contact = z.object({ name: z.string(), tags: z.array(z.object({ label: z.string() })) });
    type Contact = z.infer<typeof Contact>;
    const contact = streamExtract('t', Contact);
    expectTypeOf(contact).toEqualTypeOf<TaskStream<Contact>>();
    expectTypeOf(contact.result).toEqualTypeOf<Promise<TaskResult<Contact>>>();
    expectTypeOf<DeepPartial<Contact>>().toEqualTypeOf<{ name?: string; tags?: { label?: string }[] }>();
    expectTypeOf(contact[Symbol.asyncIterator]().next()).resolves.toHaveProperty('value');
    expectTypeOf(streamSummarize('t', { format: 'bullets' })).toEqualTypeOf<TaskStream<string[]>>();
    expectTypeOf(streamSummarize('t')).toEqualTypeOf<TaskStream<string>>();
    const task = defineTask<{ name: string }>({ name: 'x', output: z.object({ name: z.string() }) });
    expectTypeOf(streamTask(task, 't')).toEqualTypeOf<TaskStream<{ name: string }>>();
  });

  it('classify with confidence resolves to the label with its confidence and scores, typed from the labels', () => {
    const answer = classify('t', ['spam', 'ham'], { confidence: true });
    expectTypeOf(answer).toEqualTypeOf<Promise<ClassifiedLabel<'spam' | 'ham'>>>();
    expectTypeOf<ClassifiedLabel<'spam' | 'ham'>['scores']>().toEqualTypeOf<
      Record<'spam' | 'ham', number> | undefined
    >();
    expectTypeOf<ClassifiedLabel<'spam' | 'ham'>['confidence']>().toEqualTypeOf<number | undefined>();
  });

  it('extract with cite resolves to the typed value with its citations; chunk alone keeps the value type', () => {
    const Contact = z.object({ name: z.string() });
    expectTypeOf(extract('t', Contact, { cite: true })).toEqualTypeOf<Promise<CitedValue<{ name: string }>>>();
    expectTypeOf<CitedValue<{ name: string }>['citations']>().toEqualTypeOf<Citations>();
    expectTypeOf(extract('t', Contact, { chunk: true })).toEqualTypeOf<Promise<{ name: string }>>();
    expectTypeOf(
      extract('t', Contact, { chunk: true, merge: (values: { name: string }[]) => values[0] }),
    ).toEqualTypeOf<Promise<{ name: string }>>();
  });
});
