import type { MockCompletionReply, MockRawReply } from './mock-reply.js';
import type { MockState } from './mock-state.js';
import type { MockRequest } from './mock-types.js';
import { pickReply } from './pick-reply.js';
import { validateChatBody } from './validate-chat-body.js';

/** @internal What a chat request (or batch line) gets once auth, limits and faults are past. */
export type ChatOutcome =
  | { kind: 'refused'; code: string; message: string }
  | { kind: 'raw'; reply: MockRawReply }
  | { kind: 'completion'; reply: MockCompletionReply };

/**
 * @internal Checks the body as the real service would, then takes the scripted reply
 * (`consume`: move on to the next reply of an array).
 */
export async function resolveChatOutcome(
  state: MockState,
  request: MockRequest,
  consume: boolean,
): Promise<ChatOutcome> {
  const problem = validateChatBody(request, {
    dashscope: request.route !== 'segmind',
    rejectMaxTokens: state.options.rejectMaxTokens === true,
    rejectMaxCompletionTokens: state.options.rejectMaxCompletionTokens === true,
  });
  if (problem !== undefined) return { kind: 'refused', ...problem };
  const reply = await pickReply(state, request, consume);
  if (typeof reply === 'string') return { kind: 'completion', reply: { content: reply } };
  if ('status' in reply) return { kind: 'raw', reply };
  return { kind: 'completion', reply };
}
