/**
 * What `tuneTask` searches over: the seeded, stratified split of the labelled data, the few-shot example sets drawn
 * from the train split, the task redefined with other examples, instructions or label descriptions, and the model's
 * own instruction proposals (the prompt of one proposal call, and its reply read back). See docs/tuning.md.
 * @module
 */
import { InputError } from '../errors.js';
import { seededRandom, shuffled } from '../seeded-random.js';
import { defineTask } from '../task/define-task.js';
import type { Task, TaskDefinitionInput, TaskExample, TaskOutputSpec, TaskSettings } from '../task/types.js';
import type { EvalMismatch } from './evaluate.js';

/** One labelled item as the tuner keeps it: its 1-based line in the data, its text and its expected value. */
export interface TuneItem {
  line: number;
  text: string;
  expected: unknown;
}

/** Shares of the data for each split, each above 0, together 1. */
export interface SplitShares {
  train: number;
  dev: number;
  test: number;
}

/** The labelled data split three ways, each split in data order. */
export interface DataSplit {
  train: TuneItem[];
  dev: TuneItem[];
  test: TuneItem[];
}

const SPLIT_NAMES = ['train', 'dev', 'test'] as const;

/**
 * Splits the data once, seeded and stratified: items are grouped by their expected labels (one group for a task
 * without labels), each group shuffled with the seed, and its items dealt out in turn to whichever split is
 * furthest below its share. A group of one item goes to train, of two to train and dev, of three to each split.
 * Throws an {@link InputError} when dev or test would be empty.
 */
export function splitData(task: Task, items: readonly TuneItem[], shares: SplitShares, seed: number): DataSplit {
  const random = seededRandom(seed);
  const groups = new Map<string, TuneItem[]>();
  for (const item of items) {
    const key = task.format === 'label' ? expectedLabels(task, item.expected).join('\u0000') : '';
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const split: DataSplit = { train: [], dev: [], test: [] };
  for (const group of groups.values()) {
    const counts = { train: 0, dev: 0, test: 0 };
    shuffled(group, random).forEach((item, index) => {
      let behind: (typeof SPLIT_NAMES)[number] = 'train';
      let largestDeficit = Number.NEGATIVE_INFINITY;
      for (const name of SPLIT_NAMES) {
        const deficit = shares[name] * (index + 1) - counts[name];
        if (deficit > largestDeficit + 1e-12) {
          behind = name;
          largestDeficit = deficit;
        }
      }
      counts[behind] += 1;
      split[behind].push(item);
    });
  }
  for (const name of SPLIT_NAMES) split[name].sort((left, right) => left.line - right.line);
  if (split.dev.length === 0 || split.test.length === 0) {
    throw new InputError(
      `too few labelled items to tune: ${items.length} split into ${split.train.length} train, ${split.dev.length} dev and ${split.test.length} test; dev and test need at least one item each`,
      { path: 'data' },
    );
  }
  return split;
}

/**
 * The expected labels of an item, spelled as the task spells them (matched ignoring case, as the scoring does); an
 * unknown label keeps its own spelling. Not a label or a list of labels: no labels.
 */
export function expectedLabels(task: Task, expected: unknown): string[] {
  const canonical = new Map((task.labels ?? []).map((label) => [label.toLowerCase(), label]));
  const given = typeof expected === 'string' ? [expected] : Array.isArray(expected) ? expected : [];
  return given
    .filter((label): label is string => typeof label === 'string')
    .map((label) => canonical.get(label.trim().toLowerCase()) ?? label.trim())
    .sort();
}

/** A few-shot example set drawn from the train split. */
export interface ExampleSet {
  /** How it was drawn, for the report, e.g. `3 examples (1 per label), draw 2`. */
  name: string;
  examples: TaskExample[];
}

/** Longest example text, in characters: a long text costs its tokens on every call. */
const MAX_EXAMPLE_CHARACTERS = 1000;

/** Options of {@link drawExampleSets}. */
export interface DrawOptions {
  /** Most examples in a set. */
  maxExamples: number;
  /** Labels the dev errors expected, most errors first: they come first when a set has fewer slots than labels. */
  errorLabels: readonly string[];
  seed: number;
  /** Sets drawn for each size, from disjoint parts of the train split where it is large enough. */
  draws: number;
}

/**
 * Few-shot example sets from the train split, in order of size: for a label task, one example per label, then
 * `maxExamples` dealt round-robin across the labels (the dev errors' labels first, so they are represented first
 * and get the extra slots); for other tasks, half of `maxExamples`, then all of them. Each size is drawn `draws`
 * times, from the seeded shuffle of each label's train items; a set equal to an earlier one is left out.
 */
export function drawExampleSets(task: Task, train: readonly TuneItem[], options: DrawOptions): ExampleSet[] {
  const random = seededRandom(options.seed ^ 0x2545f491);
  const pools = new Map<string, TaskExample[]>();
  for (const item of train) {
    const example = toExample(task, item);
    if (example === undefined) continue;
    const key = task.format === 'label' ? (expectedLabels(task, item.expected)[0] ?? '') : '';
    pools.set(key, [...(pools.get(key) ?? []), example]);
  }
  for (const [key, pool] of pools) pools.set(key, shuffled(pool, random));
  const order = [
    ...options.errorLabels.filter((label) => pools.has(label)),
    ...[...(task.labels ?? []), ''].filter((label) => pools.has(label) && !options.errorLabels.includes(label)),
  ];
  if (order.length === 0) return [];
  const sizes =
    task.format === 'label'
      ? [Math.min(order.length, options.maxExamples), options.maxExamples]
      : [Math.ceil(options.maxExamples / 2), options.maxExamples];
  const sets: ExampleSet[] = [];
  const seen = new Set<string>();
  for (const size of [...new Set(sizes)]) {
    const perLabel = Math.ceil(size / order.length);
    for (let draw = 0; draw < options.draws; draw++) {
      const examples = dealRoundRobin(order, pools, size, draw * perLabel);
      const key = JSON.stringify(examples);
      if (examples.length === 0 || seen.has(key)) continue;
      seen.add(key);
      const spread =
        task.format === 'label' && size <= order.length
          ? ` (1 per label${size < order.length ? ', errors first' : ''})`
          : '';
      sets.push({
        name: `${examples.length} example${examples.length === 1 ? '' : 's'}${spread}, draw ${draw + 1}`,
        examples,
      });
    }
  }
  return sets;
}

/** Up to `size` examples, one label's pool after another in `order`, each pool read from `offset` on (wrapping). */
function dealRoundRobin(
  order: readonly string[],
  pools: ReadonlyMap<string, readonly TaskExample[]>,
  size: number,
  offset: number,
): TaskExample[] {
  const taken: TaskExample[] = [];
  for (let round = 0; taken.length < size; round++) {
    let added = false;
    for (const label of order) {
      const pool = pools.get(label) ?? [];
      if (taken.length >= size || round >= pool.length) continue;
      taken.push(pool[(offset + round) % pool.length]!);
      added = true;
    }
    if (!added) break;
  }
  return taken;
}

/** An item as a task example (expected labels spelled as the task spells them); `undefined` when it cannot be one. */
function toExample(task: Task, item: TuneItem): TaskExample | undefined {
  if (item.text.length > MAX_EXAMPLE_CHARACTERS || item.text.trim() === '') return undefined;
  if (task.format !== 'label')
    return item.expected === undefined ? undefined : { input: item.text, output: item.expected };
  const labels = expectedLabels(task, item.expected);
  if (!labels.every((label) => task.labels?.includes(label))) return undefined;
  if (task.multi) return { input: item.text, output: labels };
  return labels.length === 1 && typeof item.expected === 'string' ? { input: item.text, output: labels[0] } : undefined;
}

/** What a candidate changes in a task; a field left out keeps the task's own. */
export interface TaskChanges {
  instructions?: string | undefined;
  examples?: readonly TaskExample[];
  /** Label → description; `undefined` drops the descriptions. */
  labelDescriptions?: Readonly<Record<string, string>> | undefined;
}

/**
 * The task defined again with `changes`: the same name, kind, format, labels (in order), schema and settings, and
 * the given examples, instructions or label descriptions.
 */
export function redefineTask<O>(task: Task<O>, changes: TaskChanges): Task<O> {
  const instructions = 'instructions' in changes ? changes.instructions : task.instructions;
  const descriptions = 'labelDescriptions' in changes ? changes.labelDescriptions : task.labelDescriptions;
  // Every setting carries over as it is (a setting's name is its definition field), unset ones left out.
  const settings = Object.fromEntries(Object.entries(task.settings).filter(([, value]) => value !== undefined)) as Pick<
    TaskDefinitionInput,
    keyof TaskSettings
  >;
  const definition: TaskDefinitionInput = {
    name: task.name,
    kind: task.kind,
    format: task.format,
    output: outputSpec(task, descriptions),
    examples: changes.examples ?? task.examples,
    ...(task.description === undefined ? {} : { description: task.description }),
    ...(instructions === undefined ? {} : { instructions }),
    ...settings,
  };
  return defineTask<O>(definition);
}

/** The `output` of a task's definition, with the given label descriptions for a label task. */
function outputSpec(task: Task, descriptions: Readonly<Record<string, string>> | undefined): TaskOutputSpec {
  switch (task.format) {
    case 'label': {
      const labels = task.labels ?? [];
      const labelSet =
        descriptions === undefined
          ? labels
          : Object.fromEntries(labels.map((label) => [label, descriptions[label] ?? '']));
      return { labels: labelSet, multi: task.multi };
    }
    case 'json':
      return task.zodSchema ?? task.jsonSchema;
    case 'lines':
      return task.maxItems === undefined ? {} : { maxItems: task.maxItems };
    case 'text':
      return task.maxWords === undefined ? {} : { maxWords: task.maxWords };
  }
}

/** Most mistakes a proposal prompt shows, and the characters of each text shown. */
const MAX_PROPOSAL_MISTAKES = 8;
const MAX_MISTAKE_CHARACTERS = 200;

let proposer: Task<string> | undefined;

/**
 * The task of one instruction proposal: a short plain-text reply, the new instructions, from the task's current
 * instructions, its labels and the dev items it got wrong. Defined on first use.
 */
export function proposalTask(): Task<string> {
  proposer ??= defineTask<string>({
    name: 'propose-instructions',
    kind: 'custom',
    format: 'text',
    output: { maxWords: 80 },
    instructions:
      'You improve the instructions of a model that does the task below, from the mistakes it made. Reply with the new instructions only, one to three sentences; do not list the labels or quote the examples.',
  });
  return proposer;
}

/** The user message of a proposal: the task, its current instructions, the instructions tried, the mistakes. */
export function proposalRequest(
  task: Task,
  instructions: string | undefined,
  mistakes: readonly EvalMismatch[],
  tried: readonly string[],
): string {
  const lines = [`Task: ${task.description ?? task.name}`];
  if (task.format === 'label') {
    const described = (task.labels ?? []).map((label) => {
      const description = task.labelDescriptions?.[label];
      return description === undefined ? JSON.stringify(label) : `${JSON.stringify(label)}: ${description}`;
    });
    lines.push(`Labels: ${described.join('; ')}`);
  }
  lines.push(`Current instructions: ${instructions ?? '(none)'}`);
  for (const earlier of tried) if (earlier !== instructions) lines.push(`Also tried: ${earlier}`);
  lines.push('Mistakes:');
  for (const mistake of mistakes.slice(0, MAX_PROPOSAL_MISTAKES)) {
    const text = mistake.text.replace(/\s+/g, ' ').trim();
    const shown = text.length > MAX_MISTAKE_CHARACTERS ? `${text.slice(0, MAX_MISTAKE_CHARACTERS)}…` : text;
    const got = mistake.error === undefined ? JSON.stringify(mistake.predicted) : `an error (${mistake.error.name})`;
    lines.push(`- ${JSON.stringify(shown)}: expected ${JSON.stringify(mistake.expected)}, got ${got}`);
  }
  return lines.join('\n');
}

/** Longest proposed instructions kept, in characters. */
const MAX_INSTRUCTION_CHARACTERS = 1000;

/**
 * The instructions of a proposal's reply: whitespace collapsed, a leading `Instructions:` and surrounding quotes
 * dropped, cut at {@link MAX_INSTRUCTION_CHARACTERS}; `undefined` when nothing is left.
 */
export function readProposal(reply: string): string | undefined {
  const text = reply
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(new )?instructions:\s*/i, '')
    .replace(/^["'“](.*)["'”]$/s, '$1')
    .trim()
    .slice(0, MAX_INSTRUCTION_CHARACTERS);
  return text === '' ? undefined : text;
}
