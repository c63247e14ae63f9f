/**
 * How a command prints a task's value: with `json`, one line of JSON; otherwise a string as-is, a list of
 * strings one per line, anything else as indented JSON. Always ends with a newline (nothing for an empty list).
 * @internal
 */
export function formatValue(value: unknown, json: boolean): string {
  if (json) return `${JSON.stringify(value)}\n`;
  if (typeof value === 'string') return `${value}\n`;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.map((item) => `${item}\n`).join('');
  }
  return `${JSON.stringify(value, null, 2)}\n`;
}
