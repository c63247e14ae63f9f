import type { MockRequest } from './mock-types.js';

/** A tool call the mock should answer with. */
export interface MockToolCallReply {
  /** @defaultValue `call_<n>` */
  id?: string;
  /** Name of the function called. */
  name: string;
  /** The arguments as a JSON string (sent verbatim, so it may be invalid on purpose). */
  arguments: string;
}

/** Token counts to report instead of the mock's estimate (about one token per four characters). */
export interface MockUsageReply {
  promptTokens?: number;
  completionTokens?: number;
  /** @defaultValue 0 */
  cachedTokens?: number;
}

/** A successful chat completion, described field by field. */
export interface MockCompletionReply {
  /** The assistant content. @defaultValue '' */
  content?: string;
  /** Thinking text, sent as `reasoning_content`. */
  reasoning?: string;
  /** @defaultValue 'tool_calls' when `toolCalls` is given, else 'stop' */
  finishReason?: string;
  toolCalls?: readonly MockToolCallReply[];
  usage?: MockUsageReply;
}

/** A raw HTTP answer; `body` is JSON-encoded unless it is a string. */
export interface MockRawReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One scripted answer: the assistant content, a completion described field by field, or a raw HTTP answer. */
export type MockReply = string | MockCompletionReply | MockRawReply;

/**
 * Where replies come from: one reply for every call, an array used in order (the last one repeats), or a function
 * of the request. A reply is used up only by a request that is answered from the script: faulted, refused
 * (auth, rate limit, credits, validation) requests leave the next reply in place for the retry.
 */
export type MockReplySource =
  | MockReply
  | readonly MockReply[]
  | ((request: MockRequest) => MockReply | Promise<MockReply>);
