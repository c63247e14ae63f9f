/**
 * Prints the figures of a reliability test when `QWEN_TASKS_RELIABILITY_REPORT=1` is set (they go into
 * docs/reliability.md); silent otherwise, so CI output stays clean.
 */
export function reportFigures(label: string, figures: unknown): void {
  if (process.env.QWEN_TASKS_RELIABILITY_REPORT !== '1') return;
  console.log(`[reliability] ${label}: ${JSON.stringify(figures)}`);
}
