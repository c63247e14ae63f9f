/**
 * The user message of a repair turn, sent after the model's invalid reply: the validation issues, then a request
 * for the corrected output alone.
 *
 * @example
 * ```ts
 * buildRepairMessage('- total: expected number, got "12 EUR"');
 * // 'Invalid reply:\n- total: expected number, got "12 EUR"\nReply again with the corrected output only.'
 * ```
 */
export function buildRepairMessage(issues: string): string {
  return `Invalid reply:\n${issues.trim()}\nReply again with the corrected output only.`;
}
