import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveTelemetry, suppressedContext } from '../src/client/telemetry.js';
import type { ChatRequest } from '../src/client/types.js';
import { ContentFilterError, InputError, ServerError } from '../src/errors.js';
import { failure, useLoopbackClients } from './helpers/use-loopback-client.js';

const KEY = 'sk-telemetry-test-0123456789abcdef';
const hello: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');

/** A clock whose backoff sleeps return at once. */
const clock = { now: () => Date.now(), sleep: async () => undefined };
const { server, client } = useLoopbackClients(KEY, { client: { clock, random: () => 0.5, telemetry: { tracer } } });

afterEach(() => {
  exporter.reset();
});

/** The finished spans of the client's attempts (`chat …`), in the order they ended. */
function attemptSpans(): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.name.startsWith('chat '));
}

/** A parent span and the context to pass as `traceContext`. */
function parentSpan(): { span: Span; traceContext: ReturnType<typeof context.active> } {
  const span = tracer.startSpan('parent');
  return { span, traceContext: trace.setSpan(context.active(), span) };
}

function everything(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status })),
  );
}

describe('attempt spans', () => {
  it('records a successful attempt as a CLIENT span named "chat {model}" with the GenAI attributes', async () => {
    server.setReply({ content: 'hi there', usage: { promptTokens: 12, completionTokens: 3, cachedTokens: 2 } });
    const reply = await client().chat({
      messages: [{ role: 'user', content: 'hello, answer in json' }],
      temperature: 0.2,
      topP: 0.9,
      seed: 7,
      stop: 'END',
      maxTokens: 20,
      responseFormat: { type: 'json_object' },
    });
    const spans = attemptSpans();
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.name).toBe('chat qwen-flash');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    const { port, hostname } = new URL(server.baseURL);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'dashscope',
      'gen_ai.request.model': 'qwen-flash',
      'server.address': hostname,
      'server.port': Number(port),
      'gen_ai.output.type': 'json',
      'gen_ai.request.max_tokens': 20,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.seed': 7,
      'gen_ai.request.stop_sequences': ['END'],
      'qwen_tasks.attempt': 1,
      'qwen_tasks.stream': false,
      'gen_ai.response.id': reply.completionId,
      'gen_ai.response.model': 'qwen-flash',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.usage.cache_read.input_tokens': 2,
      'qwen_tasks.usage.cached_tokens': 2,
      'qwen_tasks.cost_usd': reply.costUsd,
      'qwen_tasks.request_id': reply.requestId,
    });
    expect(span.instrumentationScope.name).toBe('test');
  });

  it('names the request model and says text when no JSON output is asked', async () => {
    await client().chat({ ...hello, model: 'qwen-plus' });
    const span = attemptSpans()[0]!;
    expect(span.name).toBe('chat qwen-plus');
    expect(span.attributes).toMatchObject({ 'gen_ai.request.model': 'qwen-plus', 'gen_ai.output.type': 'text' });
  });

  it('records 429 → 500 → success as three sibling spans under the call’s parent', async () => {
    server.setFaults([
      { type: 'status', status: 429, code: 'limit_requests' },
      { type: 'status', status: 500 },
    ]);
    const { span: parent, traceContext } = parentSpan();
    const reply = await client({ maxRetries: 2 }).chat(hello, { traceContext });
    parent.end();
    expect(reply.attempts).toBe(3);
    const spans = attemptSpans();
    expect(spans.map((span) => span.attributes['qwen_tasks.attempt'])).toEqual([1, 2, 3]);
    for (const span of spans) {
      expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(parent.spanContext().traceId);
    }
    expect(new Set(spans.map((span) => span.spanContext().spanId)).size).toBe(3);
    const [rateLimited, serverError, success] = spans;
    expect(rateLimited!.status.code).toBe(SpanStatusCode.ERROR);
    expect(rateLimited!.attributes).toMatchObject({
      'error.type': 'RateLimitError',
      'http.response.status_code': 429,
      'qwen_tasks.error.code': 'limit_requests',
      'qwen_tasks.request_id': expect.any(String),
    });
    expect(rateLimited!.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    expect(rateLimited!.events.map((event) => event.name)).toEqual(['exception']);
    expect(serverError!.attributes).toMatchObject({ 'error.type': 'ServerError', 'http.response.status_code': 500 });
    expect(success!.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(success!.attributes['error.type']).toBeUndefined();
    expect(success!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it('ends the last failed attempt with error.type and the status code', async () => {
    server.setFaults(() => ({ type: 'status', status: 503 }));
    const error = await failure(client({ maxRetries: 0 }).chat(hello));
    expect(error).toBeInstanceOf(ServerError);
    const spans = attemptSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toMatchObject({ 'error.type': 'ServerError', 'http.response.status_code': 503 });
    expect(spans[0]!.status).toEqual({ code: SpanStatusCode.ERROR, message: error.message });
  });

  it('records a streamed thinking call', async () => {
    server.setReply({ content: 'deep answer', reasoning: 'thinking it over', usage: { promptTokens: 9 } });
    const reply = await client().chat({ ...hello, thinking: true });
    expect(reply.reasoning).toBe('thinking it over');
    const streamed = attemptSpans()[0]!;
    expect(streamed.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'qwen_tasks.stream': true,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.response.model': 'qwen-flash',
      'gen_ai.usage.input_tokens': 9,
    });
  });

  it('records a content-filter error inside a stream, not retried', async () => {
    server.setFaults([{ type: 'sse-error', code: 'data_inspection_failed' }]);
    const error = await failure(client({ maxRetries: 2 }).chat({ ...hello, thinking: true }));
    expect(error).toBeInstanceOf(ContentFilterError);
    const spans = attemptSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[0]!.attributes).toMatchObject({
      'error.type': 'ContentFilterError',
      'qwen_tasks.error.code': 'data_inspection_failed',
      'gen_ai.response.finish_reasons': ['error'],
      'qwen_tasks.stream': true,
    });
    expect(spans[0]!.attributes['http.response.status_code']).toBeUndefined();
  });

  it('records no content unless recordContent is on', async () => {
    const request: ChatRequest = {
      messages: [
        { role: 'system', content: 'Label the sentiment.' },
        { role: 'user', content: 'I love it' },
      ],
    };
    server.setReply({ content: 'positive' });
    await client().chat(request);
    const plain = attemptSpans()[0]!;
    for (const name of ['gen_ai.system_instructions', 'gen_ai.input.messages', 'gen_ai.output.messages']) {
      expect(plain.attributes[name]).toBeUndefined();
    }
    expect(everything([plain])).not.toContain('I love it');
    exporter.reset();

    await client({ telemetry: { tracer, recordContent: true } }).chat(request);
    const recorded = attemptSpans()[0]!;
    expect(JSON.parse(String(recorded.attributes['gen_ai.system_instructions']))).toEqual([
      { type: 'text', content: 'Label the sentiment.' },
    ]);
    expect(JSON.parse(String(recorded.attributes['gen_ai.input.messages']))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'I love it' }] },
    ]);
    expect(JSON.parse(String(recorded.attributes['gen_ai.output.messages']))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'positive' }], finish_reason: 'stop' },
    ]);
  });

  it('records tool calls and thinking in the conventions’ message parts', async () => {
    server.setReply({
      reasoning: 'use the tool',
      toolCalls: [{ id: 'call_9', name: 'weather', arguments: '{"city":"Paris"}' }],
    });
    const request: ChatRequest = {
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Rome"}' }],
        },
        { role: 'tool', content: 'sunny', toolCallId: 'call_1' },
      ],
      tools: [{ name: 'weather', parameters: { type: 'object' } }],
      thinking: true,
    };
    await client({ telemetry: { tracer, recordContent: true } }).chat(request);
    const span = attemptSpans()[0]!;
    expect(span.attributes['gen_ai.output.type']).toBe('json');
    expect(span.attributes['gen_ai.system_instructions']).toBeUndefined();
    expect(JSON.parse(String(span.attributes['gen_ai.input.messages']))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather?' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: '' },
          { type: 'tool_call', id: 'call_1', name: 'weather', arguments: { city: 'Rome' } },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'sunny' }] },
    ]);
    expect(JSON.parse(String(span.attributes['gen_ai.output.messages']))).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'use the tool' },
          { type: 'tool_call', id: 'call_9', name: 'weather', arguments: { city: 'Paris' } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
  });

  it('keeps an echoed key out of every attribute, event and status', async () => {
    server.setFaults([
      { type: 'echo-key', status: 500 },
      { type: 'echo-key', status: 401 },
    ]);
    const failed = await failure(client({ telemetry: { tracer, recordContent: true } }).chat(hello));
    expect(failed.message).toContain('[redacted]');
    server.setFaults(undefined);
    server.setReply({ content: `your key is ${KEY}`, reasoning: `I saw ${KEY}` });
    await client({ telemetry: { tracer, recordContent: true } }).chat({ ...hello, thinking: true });
    const spans = attemptSpans();
    expect(spans).toHaveLength(3);
    const all = everything(spans);
    expect(all).toContain('[redacted]');
    expect(all).not.toContain(KEY);
  });

  it('starts the spans in the active context by default, and records none in a suppressed one', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const { span: parent, traceContext } = parentSpan();
      await context.with(traceContext, () => client().chat(hello));
      parent.end();
      expect(attemptSpans()[0]!.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      exporter.reset();

      const telemetry = resolveTelemetry({ tracer })!;
      await client().chat(hello, { traceContext: suppressedContext(telemetry, context.active()) });
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      context.disable();
    }
  });

  it('works with telemetry: true and no registered provider (the API is a no-op)', async () => {
    const reply = await client({ telemetry: true }).chat(hello);
    expect(reply.content).toBe('ok');
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('refuses a telemetry option of the wrong type', () => {
    expect(() => client({ telemetry: 'yes' as unknown as boolean })).toThrow(InputError);
  });
});

describe('resolveTelemetry without @opentelemetry/api', () => {
  afterEach(() => {
    vi.doUnmock('node:module');
    vi.resetModules();
  });

  it('throws an InputError that says to install it', async () => {
    vi.resetModules();
    vi.doMock('node:module', async (importOriginal) => ({
      ...(await importOriginal<typeof import('node:module')>()),
      createRequire: () => () => {
        throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
      },
    }));
    const fresh = await import('../src/client/telemetry.js');
    const errors = await import('../src/errors.js');
    expect(fresh.resolveTelemetry(undefined)).toBeUndefined();
    expect(fresh.resolveTelemetry(false)).toBeUndefined();
    let error: unknown;
    try {
      fresh.resolveTelemetry(true);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(errors.InputError);
    expect(error).toMatchObject({ path: 'telemetry' });
    expect((error as Error).message).toContain('npm install @opentelemetry/api');
  });
});
