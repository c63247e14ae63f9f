/** Keys that could reach an object's prototype if a value were ever merged or assigned key by key. */
const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const MAY_HOLD_UNSAFE_KEY = /__proto__|constructor|prototype/;

/**
 * `JSON.parse` that drops every `__proto__`, `constructor` and `prototype` key (at any depth) so they never reach
 * a value or a prototype. The reviver only runs when the text mentions one of them, so clean replies pay nothing.
 * Throws `SyntaxError` like `JSON.parse`. @internal
 */
export function parseJsonSafely(text: string): { value: unknown; droppedUnsafeKey: boolean } {
  if (!MAY_HOLD_UNSAFE_KEY.test(text)) {
    return { value: JSON.parse(text), droppedUnsafeKey: false };
  }
  let droppedUnsafeKey = false;
  const value: unknown = JSON.parse(text, (key: string, child: unknown) => {
    if (UNSAFE_KEYS.has(key)) {
      droppedUnsafeKey = true;
      return undefined;
    }
    return child;
  });
  return { value, droppedUnsafeKey };
}

/** Whether a key must never be copied into a value. @internal */
export function isUnsafeKey(key: string): boolean {
  return UNSAFE_KEYS.has(key);
}
