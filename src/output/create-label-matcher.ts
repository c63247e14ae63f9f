/** One place a reply names a label. */
export interface LabelMention {
  /** The label named. */
  label: string;
  /** Whether a negation comes right before it (`not positive`, `isn't spam`, `不是 spam`). */
  negated: boolean;
}

/** Label lookups prepared once per label set (see `createLabelMatcher`). */
export interface LabelMatcher {
  /** The labels, in their given order and spelling. */
  readonly labels: readonly string[];
  /**
   * The label a piece of text is, exactly or in another case or spelling (`Feature request` →
   * `feature-request`); `undefined` when it is none (or several labels share that spelling).
   */
  match(text: string): { label: string; exact: boolean } | undefined;
  /** Every label named in free text, in order, with whether it is negated. */
  findMentions(text: string): LabelMention[];
}

const cache = new WeakMap<readonly string[], LabelMatcher>();
/** Negations that may come before a label (with one softening word between: `not really positive`). */
const NEGATION_BEFORE =
  /(?:\b(?:not|no|never|neither|nor|non|without|isn't|aren't|wasn't|doesn't|don't)|n't)[\s-]+(?:(?:very|really|quite|exactly|so|too|at all|entirely|particularly)\s+)?$|(?:不是|不|非|没有|並非|并非|无)\s*$/i;

/**
 * Prepares the lookups for a label set once: exact names, a table from each label's normalized spelling (case
 * and separators ignored) to the label, and one pattern that finds any label in free text. Cached per
 * array (a `WeakMap`), so calling it for every reply with the same array costs one lookup.
 *
 * @example
 * const matcher = createLabelMatcher(['bug', 'feature-request']);
 * matcher.match('Feature Request'); // { label: 'feature-request', exact: false }
 */
export function createLabelMatcher(labels: readonly string[]): LabelMatcher {
  const cached = cache.get(labels);
  if (cached !== undefined) {
    return cached;
  }
  const exact = new Set(labels);
  const byNormalized = new Map<string, string | null>();
  for (const label of labels) {
    const normalized = labelKey(label);
    const existing = byNormalized.get(normalized);
    byNormalized.set(normalized, existing === undefined || existing === label ? label : null);
  }
  const mentionPattern = buildMentionPattern(labels);
  const matcher: LabelMatcher = {
    labels: [...labels],
    match(text) {
      if (exact.has(text)) {
        return { label: text, exact: true };
      }
      const label = byNormalized.get(labelKey(text));
      return label === undefined || label === null ? undefined : { label, exact: false };
    },
    findMentions(text) {
      if (mentionPattern === undefined) {
        return [];
      }
      const mentions: LabelMention[] = [];
      for (const found of text.matchAll(mentionPattern)) {
        const label = byNormalized.get(labelKey(found[0]));
        if (label !== undefined && label !== null) {
          const before = text.slice(Math.max(0, found.index - 40), found.index);
          mentions.push({ label, negated: NEGATION_BEFORE.test(before) });
        }
      }
      return mentions;
    },
  };
  cache.set(labels, matcher);
  return matcher;
}

/**
 * The spelling two ways of writing a label share: compatibility-folded, lower-cased, with runs of spaces,
 * underscores, hyphens, dots and slashes read as one hyphen (`Feature request` → `feature-request`). Quotes and
 * other punctuation are kept, so they are peeled (and reported) by the caller, not silently ignored.
 */
function labelKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .trim()
    .replace(/[\s_\-./]+/g, '-');
}

/** One case-insensitive pattern for all labels, longest first, separators between words loose. */
function buildMentionPattern(labels: readonly string[]): RegExp | undefined {
  const alternatives = [...new Set(labels)]
    .map((label) => label.normalize('NFKC').trim())
    .filter((label) => /[\p{L}\p{N}]/u.test(label))
    .sort((left, right) => right.length - left.length)
    .map((label) =>
      label
        .split(/[\s_\-./]+/)
        .filter((part) => part !== '')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[\\s_\\-./]+'),
    );
  if (alternatives.length === 0) {
    return undefined;
  }
  return new RegExp(`(?<![A-Za-z0-9])(?:${alternatives.join('|')})(?![A-Za-z0-9])`, 'giu');
}
