/**
 * The form two spellings of one name share: Unicode-compatibility folded (full-width letters become ASCII),
 * lower-cased, with everything but letters and digits removed. `Feature request`, `feature-request` and
 * `FEATURE_REQUEST` all become `featurerequest`. A name of punctuation only keeps its folded, trimmed form.
 * @internal
 */
export function normalizeForMatch(text: string): string {
  const folded = text.normalize('NFKC').toLowerCase();
  const lettersAndDigits = folded.replace(/[^\p{L}\p{N}]+/gu, '');
  return lettersAndDigits === '' ? folded.trim() : lettersAndDigits;
}
