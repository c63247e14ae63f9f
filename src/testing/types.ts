/**
 * The public types of the mock server: its options, the scripted replies and injected faults, the recorded
 * requests and the running server. Each reply and fault form is a member of one union, documented in
 * `docs/testing.md`.
 * @module
 */

/** A failure to inject instead of (or while) answering a chat request, named by `type`; see `docs/testing.md`. */
export type MockFault =
  /** An HTTP error answer. */
  | {
      type: 'status';
      status: number;
      /** @defaultValue a code that fits the status, e.g. `limit_requests` for 429, `internal_error` for 500 */
      code?: string;
      message?: string;
      /** Sent as `Retry-After`: seconds, or an HTTP-date string. */
      retryAfter?: number | string;
      /** Sent as `retry-after-ms`. */
      retryAfterMs?: number;
      /**
       * Body shape: DashScope's nested object, the native flat form, Segmind's string, none, HTML, or DashScope's
       * nested object framed as a server-sent event (`data: {"error":…}`, as DashScope refuses a streamed request).
       * @defaultValue the route's own shape ('segmind' on the Segmind route, else 'dashscope')
       */
      shape?: 'dashscope' | 'flat' | 'segmind' | 'empty' | 'html' | 'sse';
      headers?: Record<string, string>;
    }
  /** Send the headers and part of the body, then destroy the socket. */
  | { type: 'reset' }
  /** Send a 200 whose Content-Length announces the full body, send half of it, then end the socket. */
  | { type: 'truncate' }
  /** Wait before sending anything, then answer normally if the client is still there. */
  | { type: 'slow-headers'; delayMs: number }
  /** Send the headers, wait, then send the body. */
  | { type: 'slow-body'; delayMs: number }
  /** Send the headers (with the full Content-Length), then the body one byte every `intervalMs`. */
  | { type: 'trickle'; intervalMs: number }
  /** Send the answer compressed, with a `Content-Encoding` header, although the client asked for no encoding. */
  | {
      type: 'encoding';
      /** @defaultValue 'gzip' */
      encoding?: 'gzip' | 'deflate' | 'br';
    }
  /**
   * Streaming: the first half of the events (paced by the `stream` option), then the socket is destroyed without
   * `[DONE]` (not streaming: a reset).
   */
  | { type: 'sse-cut' }
  /**
   * Streaming: the first half of the events (paced by the `stream` option), then an error event (not streaming: a
   * 500 with that code and message).
   */
  | {
      type: 'sse-error';
      /** @defaultValue 'data_inspection_failed' */
      code?: string;
      message?: string;
    }
  /** An HTML error page, as a proxy in front of the API would send. */
  | { type: 'html'; status: number }
  /** An error whose body and `x-echoed-api-key` header contain the presented API key (for redaction tests). */
  | { type: 'echo-key'; status: number };

/**
 * Which chat requests fail: an array or a record keyed by the 0-based chat-request index (faulted requests count
 * too; call `reset()` to restart the count), or a function of the request. Faults apply before anything else (key,
 * rate limit, body checks). Batch lines are looked up by line number; there only the faults that are answers of
 * their own (status, html, echo-key, sse-error) count, and they send the line to the error file.
 */
export type MockFaultSource =
  | readonly (MockFault | undefined)[]
  | Readonly<Record<number, MockFault>>
  | ((request: MockRequest) => MockFault | undefined);

/**
 * How a streamed answer is paced: the size of the deltas, the delay between events, the size of the writes, and a
 * pause that holds the stream open until the test lets it go on. See "Pacing a stream" in `docs/testing.md`.
 */
export interface MockStreamPacing {
  /**
   * Characters per delta of the content, the reasoning and each tool call's arguments, counted in code points (a
   * surrogate pair is never split). @defaultValue the text in 3 pieces (today's behaviour)
   */
  pieceChars?: number;
  /** Delay between SSE events, in ms. @defaultValue 0 */
  intervalMs?: number;
  /**
   * Write the body in slices of this many bytes, cutting through UTF-8 characters, JSON strings, escapes and events
   * alike (an event boundary where the server waits, for `intervalMs` or a pause, also ends a slice).
   * @defaultValue one write per event
   */
  byteChunk?: number;
  /**
   * After this many events, wait for `resume` before sending the rest (a test holds the stream open
   * deterministically). 0 pauses right after the headers; the number of events pauses before the stream ends;
   * more never pauses.
   */
  pauseAfterEvents?: number;
  /** Settles (fulfilled or rejected) when the paused stream may go on (required with `pauseAfterEvents`). */
  resume?: PromiseLike<unknown>;
}

/**
 * Token log-probabilities of a scripted completion, sent as `choices[0].logprobs.content` to a request with
 * `logprobs: true`; see "Token log-probabilities" in `docs/testing.md`. Probabilities are numbers in (0, 1]; the
 * server sends their natural logarithm.
 */
export type MockLogprobs =
  /** The tokens one by one; the content is exactly their concatenation. */
  | {
      tokens: readonly {
        /** The token's text (not empty). */
        token: string;
        /** A natural log (≤ 0). @defaultValue the log of the token's probability in `top` when listed there, else 0 */
        logprob?: number;
        /**
         * Alternative tokens and their PROBABILITIES (0–1), sent as `top_logprobs` (logs), the most probable first;
         * list the chosen token too for it to appear among them. @defaultValue none
         */
        top?: Readonly<Record<string, number>>;
      }[];
      distribution?: never;
    }
  /**
   * The content split by the mock's tokenization rule, with `distribution` (alternative token → probability) as
   * the alternatives at token position `at`; every other token has only itself, with logprob 0.
   */
  | {
      distribution: Readonly<Record<string, number>>;
      /** 0-based token position of the distribution. @defaultValue 0 */
      at?: number;
      tokens?: never;
    };

/**
 * One scripted answer: the assistant content as a string, a completion described field by field, or a raw HTTP
 * answer (`status`, and a `body` JSON-encoded unless it is a string).
 */
export type MockReply =
  | string
  | {
      /**
       * The assistant content; with `logprobs.tokens` it must equal their concatenation (else the answer is a 500
       * `mock_server_error`). @defaultValue the tokens of `logprobs.tokens` joined, else ''
       */
      content?: string;
      /** Thinking text, sent as `reasoning_content`. */
      reasoning?: string;
      /** @defaultValue 'tool_calls' when `toolCalls` is given, else 'stop' */
      finishReason?: string;
      /** Tool calls; `arguments` is sent verbatim (so it may be invalid JSON on purpose). */
      toolCalls?: readonly {
        /** @defaultValue `call_<n>` */
        id?: string;
        name: string;
        arguments: string;
      }[];
      /** Token counts to report instead of the mock's estimate (about one token per four characters). */
      usage?: {
        promptTokens?: number;
        completionTokens?: number;
        /** @defaultValue 0 */
        cachedTokens?: number;
      };
      /**
       * How this answer is paced when it is streamed; replaces the server's `stream` option as a whole (`{}` streams
       * it unpaced). @defaultValue the server's `stream` option
       */
      stream?: MockStreamPacing;
      /**
       * Token log-probabilities, sent only to a request with `logprobs: true` (others get `logprobs: null`).
       * @defaultValue none: `logprobs: null` even when asked
       */
      logprobs?: MockLogprobs;
    }
  | {
      status: number;
      body?: unknown;
      headers?: Record<string, string>;
    };

/**
 * Where replies come from: one reply for every call, an array used in order (the last one repeats), or a function
 * of the request. A reply is used up only by a request that is answered from the script: faulted, refused
 * (auth, rate limit, credits, validation) requests leave the next reply in place for the retry.
 */
export type MockReplySource =
  | MockReply
  | readonly MockReply[]
  | ((request: MockRequest) => MockReply | Promise<MockReply>);

/** Options of {@link startMockQwen}; all optional. */
export interface MockQwenOptions {
  /** When set, a request with a wrong or missing key gets a 401 in its route's error shape. */
  apiKey?: string;
  /** The scripted answers. @defaultValue an automatic reply (see {@link startMockQwen}) */
  reply?: MockReplySource;
  /** Delay before answering every request. @defaultValue 0 */
  latencyMs?: number;
  /** Failures to inject. @defaultValue none */
  faults?: MockFaultSource;
  /** Segmind: starting credits. @defaultValue 100 */
  credits?: number;
  /** Segmind: credits taken by each successful call. @defaultValue 0.001 */
  creditsPerCall?: number;
  /** A sliding-window request limit on the chat routes. @defaultValue none */
  rateLimit?: {
    /** Chat requests accepted per window; the next one gets a 429 `limit_requests`. */
    requestsPerMinute: number;
    /** @defaultValue 60000 */
    windowMs?: number;
    /** Send `Retry-After` (whole seconds until a slot frees) with the 429. @defaultValue true */
    retryAfter?: boolean;
  };
  /** Refuse a DashScope body carrying `max_tokens` with a 400 that names the field. @defaultValue false */
  rejectMaxTokens?: boolean;
  /** Refuse a DashScope body carrying `max_completion_tokens` with a 400 that names the field. @defaultValue false */
  rejectMaxCompletionTokens?: boolean;
  /**
   * `'refuse'`: a chat request whose body has `logprobs: true` or a `top_logprobs` gets a 400 `InvalidParameter`
   * naming the parameter, as from a model that has no log-probabilities. Checked when the server starts.
   * @defaultValue log-probabilities are served (when scripted)
   */
  logprobs?: 'refuse';
  /**
   * How every streamed answer is paced, unless its reply says otherwise; also applies to the `sse-cut` and
   * `sse-error` faults. Checked when the server starts. @defaultValue unpaced: the text in 3 pieces, one write per
   * event, no delay
   */
  stream?: MockStreamPacing;
  /**
   * Clock for the rate-limit window, the timestamps in bodies, and `answerStartedAt` / `answerFinishedAt`.
   * @defaultValue Date.now
   */
  now?: () => number;
}

/** A request the mock received, with API keys replaced by `[redacted]`. */
export interface MockRequest {
  /**
   * 0-based index among chat requests; -1 for other requests. The lines of a batch, answered through the same
   * replies and faults as chat requests (with route `batches`), carry their 0-based line number instead.
   */
  index: number;
  method: string;
  /** The path without the query string. */
  path: string;
  /** Which endpoint family the request went to. */
  route: 'dashscope' | 'segmind' | 'files' | 'batches' | 'other';
  /** Header names in lower case; `authorization` and `x-api-key` values are `[redacted]`. */
  headers: Record<string, string>;
  /** The body as text, with the configured and the presented key redacted (keys of 4 characters or more). */
  rawBody: string;
  /** The parsed JSON body, or `undefined` when the body is not JSON. */
  body: unknown;
  /** The chat messages as received, with multi-part contents joined to text. */
  messages: { role: string; content: string }[];
  /** Whether the body asked for a stream (recorded even on routes that ignore it). */
  stream: boolean;
  /** The body's `response_format`. */
  responseFormat: unknown;
  /** The body's `tools`. */
  tools: unknown;
  /**
   * The server clock (`now()`) when the answer's status line and headers were written; `undefined` until then (and
   * for batch lines, which are not answered over HTTP).
   */
  answerStartedAt?: number;
  /**
   * The server clock when the answer ended: its last byte handed to the socket and the response ended (for a JSON
   * answer or a stream alike), or the server cut the connection on purpose (`reset`, `truncate`, `sse-cut`).
   * `undefined` while the answer is still being sent, and for good when the client went away first.
   */
  answerFinishedAt?: number;
  /**
   * Streamed answers only: the SSE events written so far (an event counts once its last byte is written), updated
   * live, so a test can see the server is mid-stream. The error event of `sse-error` counts too.
   */
  eventsSent?: number;
  /** The API key the request presented (non-enumerable, so it never shows in snapshots); for assertions only. */
  readonly keyPresented: string | undefined;
}

/** A running mock server; see {@link startMockQwen}. */
export interface MockQwen {
  /** The origin, e.g. `http://127.0.0.1:43123`. */
  url: string;
  /** DashScope-style OpenAI-compatible base URL: `${url}/compatible-mode/v1`. */
  baseURL: string;
  /** The Segmind endpoint: `${url}/v1/qwen-flash`. */
  segmindURL: string;
  /** Every request received (chat, credits, files, batches, unknown paths), in order. */
  requests: MockRequest[];
  /** Only the chat-completion requests. */
  chatRequests(): MockRequest[];
  /** Clears recorded requests, the reply and fault counters, the rate-limit window, credits, files and batches. */
  reset(): void;
  /** Replaces the scripted replies (and starts them from the first); `undefined` restores the automatic reply. */
  setReply(reply: MockReplySource | undefined): void;
  /** Replaces the injected faults; `undefined` removes them. */
  setFaults(faults: MockFaultSource | undefined): void;
  /** Closes the server and destroys open sockets. */
  close(): Promise<void>;
}

/** A completion described field by field, one of the {@link MockReply} forms. */
export type MockCompletionReply = Exclude<MockReply, string | { status: number }>;
/** A raw HTTP answer among the {@link MockReply} forms. */
export type MockRawReply = Extract<MockReply, { status: number }>;
/** Body shape of an error answer. */
export type MockErrorShape = NonNullable<Extract<MockFault, { type: 'status' }>['shape']>;
/** Which endpoint family a request went to. */
export type MockRoute = MockRequest['route'];
