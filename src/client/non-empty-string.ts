/** The value when it is a non-empty string, else `undefined`. @internal */
export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
