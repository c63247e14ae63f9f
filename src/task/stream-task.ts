/**
 * Streaming a task: partial values while the reply arrives, the same validated result as `runTask` at the end.
 * See `docs/streaming.md`.
 * @module
 */
import type { ChatDelta } from '../client/types.js';
import { createPartialReader, type PartialKind, type PartialReader } from '../output/partial.js';
import { compileTask } from './define-task.js';
import { type RunTaskOptions, runObservedTask, type TaskObserver } from './run-task.js';
import type { AttemptInfo, Task, TaskResult } from './types.js';

/** A value still being written: every field and item optional, all the way down. */
export type DeepPartial<T> = T extends readonly (infer Item)[]
  ? DeepPartial<Item>[]
  : T extends object
    ? { [Key in keyof T]?: DeepPartial<T[Key]> }
    : T;

/** Why a call of a streamed task began: `retry` is the client's retry of an attempt whose stream broke. */
export type StreamCallKind = AttemptInfo['kind'] | 'retry';

/**
 * Everything a {@link TaskStream} tells, in order. Each `call` event starts a reply afresh: partials grow only
 * within one call, and those of a repair turn, a length retry or a retried attempt start over.
 */
export type TaskStreamEvent<O> =
  /** A reply begins: the call's number (from 1) and why it was made. */
  | { type: 'call'; call: number; kind: StreamCallKind }
  /** Thinking text (thinking on): never parsed as the answer. */
  | { type: 'reasoning'; call: number; text: string }
  /** Reply text: the content, or in `tool` mode the tool call's arguments. */
  | { type: 'text'; call: number; text: string }
  /** A new partial value of the reply so far. Not validated: only the result is. */
  | { type: 'partial'; call: number; value: DeepPartial<O> }
  /** The validated result, last. */
  | { type: 'result'; result: TaskResult<O> };

/**
 * A task running with its reply streamed. Iterate it for the partial values (see `docs/streaming.md` for what a
 * partial is per format); await `result` for the validated value. Every view may be iterated, at any time and more
 * than once: each starts from the beginning of the run. A slow reader skips partials it had no time for (it gets
 * the latest), so nothing piles up but the reply text itself. Views end with the run's typed error (or the abort
 * reason) when it fails; `result` rejects with the same error.
 */
export interface TaskStream<O> extends AsyncIterable<DeepPartial<O>> {
  /** The validated result, exactly as `runTask` gives it (usage, cost, calls and repairs of every call). */
  readonly result: Promise<TaskResult<O>>;
  /** The raw reply text as it arrives, every call's in turn. */
  readonly textStream: AsyncIterable<string>;
  /** The thinking text as it arrives (thinking on). */
  readonly reasoningStream: AsyncIterable<string>;
  /** Calls, text, partials and the result, in order. */
  readonly events: AsyncIterable<TaskStreamEvent<O>>;
}

/**
 * Runs a task with its reply streamed: the same checks, local repair, validation and repair turns as
 * {@link runTask}, whose options it takes. A task whose partials mean nothing (a label), a provider that does not
 * stream (Segmind) and a cache hit show no partials: the iterator then yields the validated value once, at the end.
 * Aborting `options.signal` closes the connection at once. See `docs/streaming.md`.
 */
export function streamTask<O>(
  task: Task<O>,
  input: string | { text: string },
  options: RunTaskOptions = {},
): TaskStream<O> {
  return createTaskStream<O>(task, (observer) => runObservedTask(task, input, options, observer));
}

/** One reply of the run: a call, or an attempt of it retried after its stream broke. */
interface Segment {
  call: number;
  kind: StreamCallKind;
  attempt: number;
  /** The reply's pieces as they came (kept apart: a reader joins only those it has not read yet). */
  text: string[];
  reasoning: string[];
  reader: PartialReader;
  /** The latest partial (a reader never yields `undefined` as one). */
  partial: unknown;
}

/**
 * A {@link TaskStream} over a run that tells `observer` what it does; `run` may do more before its streamed call
 * (a long text's summary rounds).
 */
export function createTaskStream<O>(
  task: Task<O>,
  run: (observer: TaskObserver) => Promise<TaskResult<O>>,
): TaskStream<O> {
  const kind = partialKind(task);
  const fromTool = compileTask(task).request.tools !== undefined;
  /** A cited reply is `{ value, quotes }`: its partials are the value's. */
  const cited = task.settings.cite === true;
  const segments: Segment[] = [];
  let ended: { result: TaskResult<O> } | { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let changed: Promise<void> | undefined;

  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    changed = undefined;
    resolve?.();
  };
  const nextChange = (): Promise<void> => {
    changed ??= new Promise((resolve) => {
      wake = resolve;
    });
    return changed;
  };

  const startSegment = (call: number, callKind: StreamCallKind, attempt: number): Segment => {
    const segment: Segment = {
      call,
      kind: callKind,
      attempt,
      text: [],
      reasoning: [],
      reader: createPartialReader(kind),
      partial: undefined,
    };
    segments.push(segment);
    notify();
    return segment;
  };

  const observer: TaskObserver = {
    onCall(call, callKind) {
      startSegment(call, callKind, 1);
    },
    onDelta(delta: ChatDelta) {
      let segment = segments.at(-1);
      if (segment === undefined) return;
      if (delta.attempt !== segment.attempt) {
        // A retried attempt: its reply starts again (a segment that showed nothing is simply reused).
        if (segment.text.length === 0 && segment.reasoning.length === 0) segment.attempt = delta.attempt;
        else segment = startSegment(segment.call, 'retry', delta.attempt);
      }
      if (delta.type === 'reasoning') {
        segment.reasoning.push(delta.text);
      } else if (fromTool ? delta.type === 'tool-arguments' && delta.toolIndex === 0 : delta.type === 'content') {
        segment.text.push(delta.text);
        const partial = segment.reader.push(delta.text);
        const shown = cited && partial !== undefined ? (partial as { value?: unknown }).value : partial;
        if (shown !== undefined) segment.partial = shown;
      } else {
        return;
      }
      notify();
    },
  };

  const result = run(observer).then(
    (value) => {
      ended = { result: value };
      notify();
      return value;
    },
    (error: unknown) => {
      ended = { error };
      notify();
      throw error;
    },
  );
  // Failures reach whoever reads a view or awaits `result`; a stream nobody awaits is no unhandled rejection.
  result.catch(() => undefined);

  /**
   * Reads the run from its start: the events not yet delivered to this reader, waiting when there are none. A reader
   * that does not want the text (the partials' iterator) never joins it.
   */
  async function* readEvents(wantsText = true): AsyncGenerator<TaskStreamEvent<O>> {
    let index = 0;
    let announced = false;
    let reasoningOffset = 0;
    let textOffset = 0;
    let partialSeen: unknown;
    for (;;) {
      const segment = segments[index];
      if (segment !== undefined) {
        if (!announced) {
          announced = true;
          yield { type: 'call', call: segment.call, kind: segment.kind };
          continue;
        }
        if (wantsText && segment.reasoning.length > reasoningOffset) {
          const text = segment.reasoning.slice(reasoningOffset).join('');
          reasoningOffset = segment.reasoning.length;
          yield { type: 'reasoning', call: segment.call, text };
          continue;
        }
        if (wantsText && segment.text.length > textOffset) {
          const text = segment.text.slice(textOffset).join('');
          textOffset = segment.text.length;
          yield { type: 'text', call: segment.call, text };
          continue;
        }
        if (segment.partial !== undefined && segment.partial !== partialSeen) {
          partialSeen = segment.partial;
          yield { type: 'partial', call: segment.call, value: segment.partial as DeepPartial<O> };
          continue;
        }
        if (index < segments.length - 1) {
          index += 1;
          announced = false;
          reasoningOffset = 0;
          textOffset = 0;
          partialSeen = undefined;
          continue;
        }
      }
      if (ended !== undefined) {
        if ('error' in ended) throw ended.error;
        yield { type: 'result', result: ended.result };
        return;
      }
      await nextChange();
    }
  }

  const view = <T>(pick: (event: TaskStreamEvent<O>) => T | undefined): AsyncIterable<T> => ({
    async *[Symbol.asyncIterator]() {
      for await (const event of readEvents()) {
        const value = pick(event);
        if (value !== undefined) yield value;
      }
    },
  });

  return {
    result,
    events: { [Symbol.asyncIterator]: () => readEvents() },
    textStream: view((event) => (event.type === 'text' ? event.text : undefined)),
    reasoningStream: view((event) => (event.type === 'reasoning' ? event.text : undefined)),
    async *[Symbol.asyncIterator]() {
      let shown = false;
      for await (const event of readEvents(false)) {
        if (event.type === 'partial') {
          shown = true;
          yield event.value;
        } else if (event.type === 'result' && !shown) {
          yield event.result.value as DeepPartial<O>;
        }
      }
    },
  };
}

/** What a partial of the task's reply is. */
function partialKind(task: Task<unknown>): PartialKind {
  switch (task.format) {
    case 'json':
      return 'json';
    case 'lines':
      return 'lines';
    case 'text':
      return 'text';
    default:
      return 'none';
  }
}
