import { automaticReply } from './automatic-reply.js';
import type { MockReply, MockReplySource } from './mock-reply.js';
import type { MockState } from './mock-state.js';
import type { MockRequest } from './mock-types.js';

/**
 * @internal The scripted reply for a request. With an array of replies, `consume` moves on to the next one;
 * without, the same reply stays in place for the next request (a faulted attempt and its retry see the same reply).
 */
export async function pickReply(state: MockState, request: MockRequest, consume: boolean): Promise<MockReply> {
  const source = state.reply;
  if (source === undefined) return automaticReply(request);
  if (typeof source === 'function') return await source(request);
  if (!isReplyList(source)) return source;
  const reply = source[Math.min(state.replyPosition, source.length - 1)];
  if (consume) state.replyPosition += 1;
  return reply ?? automaticReply(request);
}

function isReplyList(source: MockReplySource): source is readonly MockReply[] {
  return Array.isArray(source);
}
