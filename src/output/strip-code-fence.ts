/** A reply that is one code fence, with an optional language tag. */
const WHOLE_FENCE = /^`{3,}[\w+#.-]*[ \t]*\n?([\s\S]*?)\n?[ \t]*`{3,}$/;

/**
 * The content of a reply that is a single Markdown code fence (trimmed), or `undefined` when it is not one. An
 * opening fence whose closing fence was cut off counts too. @internal
 */
export function stripCodeFence(text: string): string | undefined {
  const whole = WHOLE_FENCE.exec(text);
  if (whole !== null) {
    return (whole[1] ?? '').trim();
  }
  const opened = /^`{3,}[\w+#.-]*[ \t]*\n([\s\S]*)$/.exec(text);
  return opened !== null && !opened[1]?.includes('```') ? (opened[1] ?? '').trim() : undefined;
}
