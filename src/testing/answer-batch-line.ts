import { randomUUID } from 'node:crypto';
import { shortId } from './batch-store.js';
import { buildCompletion } from './build-completion.js';
import { faultAnswer } from './fault-answer.js';
import { isRecord } from './is-record.js';
import type { MockState } from './mock-state.js';
import { pickFault } from './pick-fault.js';
import { recordRequest } from './record-request.js';
import { resolveChatOutcome } from './resolve-chat-outcome.js';

/** @internal One input line of a batch, already parsed. */
export interface BatchInputLine {
  custom_id: string;
  url?: unknown;
  body: Record<string, unknown>;
}

/** @internal The result line of one batch request, and whether it goes to the output or the error file. */
export interface BatchLineResult {
  failed: boolean;
  line: string;
}

/**
 * @internal Answers one batch line through the same faults, checks and replies as a chat request (its `index` is
 * its line number). Faults that are answers of their own, refusals and raw replies with status ≥ 400 fail the line;
 * transport faults mean nothing here and are ignored.
 */
export async function answerBatchLine(
  state: MockState,
  input: BatchInputLine,
  lineNumber: number,
): Promise<BatchLineResult> {
  const request = recordRequest({
    index: lineNumber,
    method: 'POST',
    path: typeof input.url === 'string' ? input.url : '/v1/chat/completions',
    route: 'batches',
    headers: {},
    rawBody: JSON.stringify(input.body),
    apiKey: undefined,
  });
  const requestId = randomUUID();
  const fault = pickFault(state, request);
  const faulted = fault === undefined ? undefined : faultAnswer(fault, request, requestId);
  if (faulted !== undefined) return failure(input, faulted.status, requestId, parseBody(faulted.body));
  const outcome = await resolveChatOutcome(state, request, true);
  switch (outcome.kind) {
    case 'refused':
      return failure(input, 400, requestId, { error: { code: outcome.code, message: outcome.message } });
    case 'raw':
      if (outcome.reply.status >= 400) return failure(input, outcome.reply.status, requestId, outcome.reply.body);
      return success(input, outcome.reply.status, requestId, outcome.reply.body);
    case 'completion': {
      const created = Math.floor(state.now() / 1000);
      return success(
        input,
        200,
        requestId,
        buildCompletion(outcome.reply, request, { requestId, created, withRequestId: true }),
      );
    }
  }
}

function success(input: BatchInputLine, status: number, requestId: string, body: unknown): BatchLineResult {
  const response = { status_code: status, request_id: requestId, body };
  return { failed: false, line: JSON.stringify({ id: lineId(), custom_id: input.custom_id, response, error: null }) };
}

function failure(input: BatchInputLine, status: number, requestId: string, body: unknown): BatchLineResult {
  const details = isRecord(body) && isRecord(body.error) ? body.error : {};
  const error = {
    code: typeof details.code === 'string' ? details.code : String(status),
    message:
      typeof details.message === 'string' ? details.message : typeof body === 'string' ? body : 'Request failed.',
  };
  const response = { status_code: status, request_id: requestId, body };
  return { failed: true, line: JSON.stringify({ id: lineId(), custom_id: input.custom_id, response, error }) };
}

function lineId(): string {
  return `batch_req_${shortId()}`;
}

function parseBody(body: string | readonly string[]): unknown {
  const text = typeof body === 'string' ? body : body.join('');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
