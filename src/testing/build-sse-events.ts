import type { ChatCompletion } from './build-completion.js';

/** Pieces a streamed text is cut into (at most). */
const PIECES = 3;

/**
 * @internal The SSE events (`data: …\n\n`) of a streamed completion, as DashScope sends them: a role chunk, the
 * reasoning in pieces, the content in pieces, each tool call's arguments in pieces (index-based, as OpenAI), a finish
 * chunk, a usage chunk with `choices: []` when asked for, then `data: [DONE]`.
 */
export function buildSseEvents(completion: ChatCompletion, includeUsage: boolean): string[] {
  const choice = completion.choices[0];
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    event({
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
      usage: null,
      system_fingerprint: null,
    });
  const events = [chunk({ role: 'assistant', content: '' })];
  for (const piece of splitText(choice.message.reasoning_content ?? '')) {
    events.push(chunk({ content: null, reasoning_content: piece }));
  }
  for (const piece of splitText(choice.message.content)) events.push(chunk({ content: piece }));
  choice.message.tool_calls?.forEach((call, index) => {
    events.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
      }),
    );
    for (const piece of splitText(call.function.arguments)) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  events.push(chunk({}, choice.finish_reason));
  if (includeUsage) {
    events.push(
      event({
        id: completion.id,
        object: 'chat.completion.chunk',
        created: completion.created,
        model: completion.model,
        choices: [],
        usage: completion.usage,
        system_fingerprint: null,
      }),
    );
  }
  events.push('data: [DONE]\n\n');
  return events;
}

/** @internal One SSE event carrying a JSON payload. */
export function event(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** Cuts a text into up to PIECES pieces without splitting a character. */
function splitText(text: string): string[] {
  const characters = Array.from(text);
  const size = Math.ceil(characters.length / PIECES);
  const pieces: string[] = [];
  for (let start = 0; start < characters.length; start += size)
    pieces.push(characters.slice(start, start + size).join(''));
  return pieces;
}
