import { InputError, TaskDefinitionError } from '../src/errors.js';
import { defineTask, runTask, type Task } from '../src/task/index.js';
import { createTaskCache } from './task-cache.js';
import { NO_SETTINGS, type TaskCallOptions, type TaskSettingFields, taskSettings } from './task-call-options.js';

/** Labels for {@link classify}: a list, or label → description. */
export type Labels = readonly string[] | Readonly<Record<string, string>>;

/** The label type of a label set: the list's items, or the object's keys. */
export type LabelOf<L extends Labels> = L extends readonly (infer T)[] ? T : Extract<keyof L, string>;

/** Options of {@link classify}. */
export interface ClassifyOptions extends TaskCallOptions {
  /** Return every label that applies (possibly none) instead of exactly one. @defaultValue false */
  multi?: boolean;
}

const cache = createTaskCache();

/**
 * The common call, `classify(text, labels)` with one label list object reused: its task by the list's identity,
 * with a copy of its contents to notice a list changed in place since.
 */
const plainTasks = new WeakMap<Labels, { contents: string[]; task: Task<unknown> }>();

/** The task {@link classify} runs for a label set and options (cached). @internal */
export function classifyTask(labels: Labels, options: ClassifyOptions = {}): Task<unknown> {
  const fields = taskSettings(options);
  const multi = options.multi ?? false;
  const plain = !multi && fields === NO_SETTINGS && typeof labels === 'object' && labels !== null;
  if (plain) {
    const known = plainTasks.get(labels);
    if (known !== undefined && sameContents(known.contents, labels)) return known.task;
  }
  const task = cachedTask(labels, multi, fields);
  if (plain) plainTasks.set(labels, { contents: contentsOf(labels), task });
  return task;
}

function cachedTask(labels: Labels, multi: boolean, fields: TaskSettingFields): Task<unknown> {
  return cache(JSON.stringify([labels, multi, fields]), () => {
    try {
      return defineTask({ name: 'classify', kind: 'classify', format: 'label', output: { labels, multi }, ...fields });
    } catch (error) {
      if (error instanceof TaskDefinitionError)
        throw new InputError(error.message.replace('/output/labels', 'labels'), { path: 'labels', cause: error });
      throw error;
    }
  });
}

/** A label list's items, or a label object's keys and descriptions, in order. */
function contentsOf(labels: Labels): string[] {
  return Array.isArray(labels) ? [...labels] : Object.entries(labels).flat();
}

function sameContents(contents: readonly string[], labels: Labels): boolean {
  const current: readonly unknown[] = Array.isArray(labels) ? labels : Object.entries(labels).flat();
  if (current.length !== contents.length) return false;
  for (let index = 0; index < current.length; index += 1) if (current[index] !== contents[index]) return false;
  return true;
}

/**
 * Classifies a text into one of the given labels (or several, with `multi: true`). The label type is inferred
 * from the list, with or without `as const`.
 *
 * @example
 * ```ts
 * const sentiment = await classify(review, ['positive', 'negative', 'neutral']); // 'positive' | 'negative' | 'neutral'
 * const teams = await classify(ticket, { billing: 'money', bug: 'something broken' }, { multi: true }); // ('billing' | 'bug')[]
 * ```
 */
export function classify<const L extends Labels>(
  text: string,
  labels: L,
  options: ClassifyOptions & { multi: true },
): Promise<LabelOf<L>[]>;
export function classify<const L extends Labels>(
  text: string,
  labels: L,
  options?: ClassifyOptions & { multi?: false },
): Promise<LabelOf<L>>;
export async function classify(text: string, labels: Labels, options: ClassifyOptions = {}): Promise<unknown> {
  const result = await runTask(classifyTask(labels, options), text, options);
  return result.value;
}
