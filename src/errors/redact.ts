/**
 * Secrets registered here are replaced by `[redacted]` in every error message and field the library builds.
 * Clients register their API key when they are created; nothing else ever needs to.
 * @internal
 */
const secrets = new Set<string>();

/** Minimum length of a value worth redacting: shorter strings would mangle ordinary text. */
const MIN_SECRET_LENGTH = 6;

/** @internal */
export function registerSecret(secret: string | undefined): void {
  if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH) secrets.add(secret);
}

/** @internal Replaces every registered secret (and any `Bearer …` token) in a string. */
export function redact(text: string): string {
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join('[redacted]');
  }
  return result.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{6,}/g, '$1[redacted]');
}

/** @internal Deep-redacts a JSON-like value (strings inside objects and arrays), returning a copy. */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item)) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = redactValue(item);
    return copy as T;
  }
  return value;
}
