import { isRecord } from './is-record.js';
import type { MockRequest } from './mock-types.js';

/** @internal A request the real service would refuse with a 400. */
export interface ChatBodyProblem {
  code: string;
  message: string;
}

/** @internal Which of the service's checks apply. */
export interface ChatBodyRules {
  /** DashScope's checks (JSON keyword, thinking conflicts, output-length field); Segmind only checks the shape. */
  dashscope: boolean;
  rejectMaxTokens: boolean;
  rejectMaxCompletionTokens: boolean;
}

const INVALID = 'invalid_parameter_error';

/** @internal The first rule of the real service that the request breaks, if any. */
export function validateChatBody(request: MockRequest, rules: ChatBodyRules): ChatBodyProblem | undefined {
  const body = request.body;
  if (!isRecord(body)) return { code: INVALID, message: 'The request body is not a valid JSON object.' };
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { code: INVALID, message: "'messages' is required and must be a non-empty array." };
  }
  if (!rules.dashscope) return undefined;
  if (rules.rejectMaxTokens && 'max_tokens' in body) {
    return { code: INVALID, message: "Unsupported parameter: 'max_tokens' is not supported with this model." };
  }
  if (rules.rejectMaxCompletionTokens && 'max_completion_tokens' in body) {
    return {
      code: INVALID,
      message: "Unsupported parameter: 'max_completion_tokens' is not supported with this model.",
    };
  }
  if (body.tool_choice === 'required') {
    return {
      code: INVALID,
      message: "tool_choice 'required' is not supported; use 'auto', 'none' or a named function.",
    };
  }
  const formatType = isRecord(body.response_format) ? body.response_format.type : undefined;
  const jsonMode = formatType === 'json_object' || formatType === 'json_schema';
  if (body.enable_thinking === true && jsonMode) {
    return {
      code: INVALID,
      message: `The 'response_format' of type '${formatType}' is not supported with enable_thinking.`,
    };
  }
  if (body.enable_thinking === true && body.stream !== true) {
    return { code: INVALID, message: 'parameter.enable_thinking must be set to false for non-streaming calls' };
  }
  if (formatType === 'json_object' && !mentionsJson(request)) {
    return {
      code: INVALID,
      message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
    };
  }
  return undefined;
}

function mentionsJson(request: MockRequest): boolean {
  return request.messages.some(
    (message) => (message.role === 'system' || message.role === 'user') && /json/i.test(message.content),
  );
}
