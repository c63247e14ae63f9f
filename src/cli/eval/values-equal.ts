/**
 * Whether two JSON-like values are equal for scoring: deep equality where object key order does not matter,
 * strings compared after trimming, and a `Date` equal to its ISO string.
 * @internal
 */
export function valuesEqual(left: unknown, right: unknown): boolean {
  if (left instanceof Date) return valuesEqual(left.toISOString(), right);
  if (right instanceof Date) return valuesEqual(left, right.toISOString());
  if (typeof left === 'string' && typeof right === 'string') return left.trim() === right.trim();
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => valuesEqual(item, right[index]));
  }
  if (isObject(left) && isObject(right)) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    for (const key of keys) if (!valuesEqual(left[key], right[key])) return false;
    return true;
  }
  return Object.is(left, right) || (left === null && right === undefined) || (left === undefined && right === null);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
