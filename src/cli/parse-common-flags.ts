import type { ClientOptions, Provider, Region } from '../client/types.js';
import type { FlagSpecs } from './parse-command-line.js';
import { UsageError } from './usage-error.js';

/** `--help`/`-h`, accepted by every command. @internal */
export const HELP_FLAGS = {
  help: { type: 'boolean', short: 'h' },
} as const satisfies FlagSpecs;

/**
 * Flags that choose the provider and model; the API key comes from the environment only (never a flag).
 * @internal
 */
export const CLIENT_FLAGS = {
  provider: { type: 'string' },
  'base-url': { type: 'string' },
  model: { type: 'string' },
  region: { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const satisfies FlagSpecs;

/** The help text of {@link CLIENT_FLAGS}. @internal */
export const CLIENT_FLAGS_HELP = `Connection (the API key comes from the environment only):
  --provider NAME    dashscope | segmind | openai-compatible (default: from the environment)
  --base-url URL     an OpenAI-compatible base URL (e.g. a local vLLM or Ollama serving Qwen3)
  --model NAME       model name (default qwen-flash; qwen-flash-us for region us)
  --region NAME      DashScope region: intl | us | cn | hk
  --timeout-ms N     per-attempt HTTP timeout in milliseconds
`;

const PROVIDERS: readonly Provider[] = ['dashscope', 'segmind', 'openai-compatible'];
const REGIONS: readonly Region[] = ['intl', 'us', 'cn', 'hk'];

/** Values of {@link CLIENT_FLAGS} as parsed. @internal */
export interface ClientFlagValues {
  provider?: string | undefined;
  'base-url'?: string | undefined;
  model?: string | undefined;
  region?: string | undefined;
  'timeout-ms'?: string | undefined;
}

/**
 * Turns the connection flags into client options, checking their values; everything not given falls back to the
 * environment variables the library reads (`QWEN_TASKS_*`, `DASHSCOPE_*`, `SEGMIND_API_KEY`).
 * @internal
 */
export function parseCommonFlags(values: ClientFlagValues, command: string): ClientOptions {
  const options: ClientOptions = {};
  if (values.provider !== undefined) options.provider = oneOf(values.provider, PROVIDERS, '--provider', command);
  if (values.region !== undefined) options.region = oneOf(values.region, REGIONS, '--region', command);
  if (values['base-url'] !== undefined) {
    if (!URL.canParse(values['base-url']))
      throw new UsageError(`--base-url is not a valid URL: ${values['base-url']}`, { command });
    options.baseURL = values['base-url'];
  }
  if (values.model !== undefined) options.model = values.model;
  if (values['timeout-ms'] !== undefined) {
    options.timeoutMs = parsePositiveNumber(values['timeout-ms'], '--timeout-ms', command);
  }
  return options;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string, command: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`, { command });
}

/** A number greater than zero, from a flag value. @internal */
export function parsePositiveNumber(value: string, flag: string, command: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new UsageError(`${flag} must be a positive number, got "${value}"`, { command });
  }
  return number;
}

/** A whole number of at least `minimum`, from a flag value. @internal */
export function parseWholeNumber(value: string, flag: string, command: string, minimum = 1): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < minimum) {
    throw new UsageError(`${flag} must be a whole number of at least ${minimum}, got "${value}"`, { command });
  }
  return number;
}
