import type { TaskDefinitionProblem } from '../errors.js';
import type { LabelSet } from './types.js';

/** Most labels a task may have: a longer list belongs in an extract task or a smaller taxonomy. */
export const MAX_LABELS = 500;
/** Longest label, in characters. */
export const MAX_LABEL_LENGTH = 200;

/** Labels split into names and descriptions, with every problem found. @internal */
export interface NormalizedLabels {
  labels: string[];
  descriptions: Record<string, string> | undefined;
  problems: TaskDefinitionProblem[];
}

/**
 * Checks a label set (a list, or label → description): every label a non-empty string without line breaks,
 * unique after case folding, at most {@link MAX_LABELS}. @internal
 */
export function normalizeLabels(labelSet: unknown, path = '/output/labels'): NormalizedLabels {
  const problems: TaskDefinitionProblem[] = [];
  let labels: unknown[];
  let descriptions: Record<string, string> | undefined;
  if (Array.isArray(labelSet)) {
    labels = labelSet;
  } else if (labelSet !== null && typeof labelSet === 'object') {
    labels = Object.keys(labelSet);
    descriptions = {};
    for (const [label, description] of Object.entries(labelSet as Record<string, unknown>)) {
      if (typeof description !== 'string') {
        problems.push({ path: `${path}/${label}`, message: 'label description must be a string' });
      } else if (description.trim() !== '') {
        descriptions[label] = description.trim();
      }
    }
  } else {
    return { labels: [], descriptions, problems: [{ path, message: 'labels must be a list or an object' }] };
  }
  if (labels.length === 0) problems.push({ path, message: 'labels must not be empty' });
  if (labels.length > MAX_LABELS) {
    problems.push({ path, message: `too many labels (${labels.length}); at most ${MAX_LABELS}` });
  }
  const seen = new Map<string, string>();
  labels.forEach((label, index) => {
    const message = labelProblem(label, seen);
    if (message !== undefined) problems.push({ path: `${path}/${index}`, message });
  });
  return { labels: labels.filter((label): label is string => typeof label === 'string'), descriptions, problems };
}

/** Whether a task `output` value is a label set spec. @internal */
export function isLabelSpec(output: unknown): output is { labels: LabelSet; multi?: boolean } {
  return typeof output === 'object' && output !== null && 'labels' in output;
}

/** What is wrong with one label, if anything; records a good label in `seen` (case-folded → label). */
function labelProblem(label: unknown, seen: Map<string, string>): string | undefined {
  if (typeof label !== 'string') return 'label must be a string';
  if (label.trim() === '') return 'label must not be empty or whitespace';
  if (label !== label.trim()) return `label "${label}" has leading or trailing whitespace`;
  if (/[\r\n]/.test(label)) return 'label must not contain line breaks';
  if (label.length > MAX_LABEL_LENGTH) return `label is longer than ${MAX_LABEL_LENGTH} characters`;
  const folded = label.normalize('NFKC').toLowerCase();
  const earlier = seen.get(folded);
  if (earlier !== undefined) return `label "${label}" duplicates "${earlier}" (labels are compared case-insensitively)`;
  seen.set(folded, label);
  return undefined;
}
