/**
 * A client's configuration: what the environment selects (provider, key, proxies), the options resolved and every
 * value checked, the defaults, and the default timeout and rate limits. See `docs/providers.md`.
 * @module
 */
import { InputError } from '../errors.js';
import { CHARACTERS_PER_TOKEN } from '../tokens.js';
import type { ClientHooks, ClientOptions, PriceTier, Provider, RateLimit, Region } from './types.js';
import { QWEN_FLASH_PRICES } from './wire.js';

/** Defaults of the client options, in one place. */
export const CLIENT_DEFAULTS = Object.freeze({
  model: 'qwen-flash',
  usModel: 'qwen-flash-us',
  region: 'intl' as Region,
  timeoutMs: 60_000,
  maxRetries: 2,
  maxConcurrency: Number.POSITIVE_INFINITY,
  /**
   * 4 MiB. A JSON reply carries at most qwen-flash's 32,768 output tokens (thinking is streamed, never in a JSON
   * reply); at 64 bytes a token (16 times a typical token, enough for `\u`-escaped CJK text) that is 2 MiB, and this
   * doubles it. A stream is held to it by the text it assembles (content, reasoning and tool-call arguments).
   */
  maxResponseBytes: 4 * 1024 * 1024,
  segmindURL: 'https://api.segmind.com/v1/qwen-flash',
});

/** DashScope compatible-mode base URL of each region. */
const DASHSCOPE_BASE_URLS: Readonly<Record<Region, string>> = Object.freeze({
  intl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
  us: 'https://dashscope-us.aliyuncs.com/compatible-mode/v1',
  cn: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  hk: 'https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1',
});

/** Client options with the environment and defaults applied and every value checked. */
export interface ResolvedClientConfig {
  provider: Provider;
  apiKey: string | undefined;
  /** The base URL (DashScope, OpenAI-compatible) or the full endpoint URL (Segmind). */
  baseURL: string;
  /** Where chat requests are POSTed. */
  endpointURL: string;
  model: string;
  /** The explicit per-attempt timeout; `undefined` means the default, which grows with the input. */
  timeoutMs: number | undefined;
  maxRetries: number;
  maxConcurrency: number;
  maxResponseBytes: number;
  /** Headers of every request, authentication included, names in lower case. */
  headers: Record<string, string>;
  prices: readonly PriceTier[];
  rateLimit: RateLimit | undefined;
  /** Set when `HTTP_PROXY`/`HTTPS_PROXY` is in the environment. */
  proxy: ProxySettings | undefined;
  /** The `jsonSchemaModels` option: overrides of the model capability table. */
  jsonSchemaModels: Readonly<Record<string, boolean>> | undefined;
  /** The `hooks` option's functions, frozen; `undefined` when it has none (so a call checks one value). */
  hooks: Readonly<ClientHooks> | undefined;
}

const REGIONS = Object.keys(DASHSCOPE_BASE_URLS) as Region[];
const PROVIDERS: readonly Provider[] = ['dashscope', 'segmind', 'openai-compatible'];
/**
 * Applies the environment and defaults to client options. Explicit options win; otherwise the provider comes from
 * `QWEN_TASKS_BASE_URL` + `QWEN_TASKS_API_KEY`, then `DASHSCOPE_API_KEY`, then `SEGMIND_API_KEY`, then a lone
 * `QWEN_TASKS_BASE_URL` (a local server without a key). Throws {@link InputError} when no key is found.
 */
export function resolveClientConfig(options: ClientOptions): ResolvedClientConfig {
  const env = options.env ?? process.env;
  const provider = chooseProvider(options, env);
  const apiKey =
    options.apiKey === undefined
      ? checkApiKey(readEnv(env, KEY_VARIABLE[provider]), KEY_VARIABLE[provider])
      : checkApiKey(options.apiKey);
  if (apiKey === undefined && provider !== 'openai-compatible') throw missingKeyError(provider);
  const region = provider === 'dashscope' ? chooseRegion(options, env) : undefined;
  const baseURL = checkURL(chooseBaseURL(provider, options, env, region));
  return {
    provider,
    apiKey,
    baseURL,
    endpointURL: provider === 'segmind' ? baseURL : joinURL(baseURL, '/chat/completions'),
    model: options.model ?? (region === 'us' ? CLIENT_DEFAULTS.usModel : CLIENT_DEFAULTS.model),
    timeoutMs: options.timeoutMs === undefined ? undefined : checkTimeoutMs(options.timeoutMs, 'timeoutMs'),
    maxRetries: checkCount(options.maxRetries ?? CLIENT_DEFAULTS.maxRetries, 'maxRetries', 0),
    maxConcurrency: checkCount(options.maxConcurrency ?? CLIENT_DEFAULTS.maxConcurrency, 'maxConcurrency', 1),
    maxResponseBytes: checkPositive(options.maxResponseBytes ?? CLIENT_DEFAULTS.maxResponseBytes, 'maxResponseBytes'),
    headers: buildHeaders(provider, apiKey, options.headers),
    prices: checkPrices(options.prices ?? QWEN_FLASH_PRICES),
    rateLimit: chooseRateLimit(provider, baseURL, options.rateLimit),
    proxy: readProxySettings(env),
    jsonSchemaModels: checkJsonSchemaModels(options.jsonSchemaModels),
    hooks: checkHooks(options.hooks),
  };
}

const HOOK_NAMES: readonly (keyof ClientHooks)[] = ['onRequest', 'onResponse', 'onError', 'onRetry'];

/**
 * Checks the `hooks` option: an object whose members are among {@link HOOK_NAMES}, each a function (or undefined).
 * Returns a frozen copy of the functions, or `undefined` when there is none.
 */
function checkHooks(value: unknown): Readonly<ClientHooks> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`hooks must be an object of functions (${HOOK_NAMES.join(', ')})`, { path: 'hooks' });
  }
  const hooks: Record<string, unknown> = {};
  for (const [name, hook] of Object.entries(value)) {
    if (!(HOOK_NAMES as readonly string[]).includes(name)) {
      throw new InputError(`hooks.${name} is not a hook: use ${HOOK_NAMES.join(', ')}`, { path: `hooks.${name}` });
    }
    if (hook === undefined) continue;
    if (typeof hook !== 'function') {
      throw new InputError(`hooks.${name} must be a function, got ${hook === null ? 'null' : typeof hook}`, {
        path: `hooks.${name}`,
      });
    }
    hooks[name] = hook;
  }
  return Object.keys(hooks).length === 0 ? undefined : Object.freeze(hooks as ClientHooks);
}

/**
 * Appends a path to a base URL, keeping the base URL's query string at the end (`…/v1?api-version=x` +
 * `/chat/completions` → `…/v1/chat/completions?api-version=x`) and merging it with a query the path brings.
 */
export function joinURL(baseURL: string, path: string): string {
  const withoutFragment = baseURL.split('#', 1)[0]!;
  const queryAt = withoutFragment.indexOf('?');
  if (queryAt === -1) return `${withoutFragment.replace(/\/+$/, '')}${path}`;
  const base = withoutFragment.slice(0, queryAt).replace(/\/+$/, '');
  const query = withoutFragment.slice(queryAt + 1);
  if (query === '') return `${base}${path}`;
  return path.includes('?') ? `${base}${path}&${query}` : `${base}${path}?${query}`;
}

function checkJsonSchemaModels(value: unknown): Readonly<Record<string, boolean>> | undefined {
  if (value === undefined) return undefined;
  const valid =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((entry) => typeof entry === 'boolean');
  if (!valid) {
    throw new InputError('jsonSchemaModels must map model names to true or false, e.g. { "qwen-flash": true }', {
      path: 'jsonSchemaModels',
    });
  }
  return Object.freeze({ ...(value as Record<string, boolean>) });
}

function chooseProvider(options: ClientOptions, env: Environment): Provider {
  if (options.provider !== undefined) {
    if (!PROVIDERS.includes(options.provider)) {
      throw new InputError(`Unknown provider "${options.provider}": use ${PROVIDERS.join(', ')}`, { path: 'provider' });
    }
    return options.provider;
  }
  if (options.baseURL !== undefined) return providerOfURL(options.baseURL);
  if (options.region !== undefined || options.apiKey !== undefined) return 'dashscope';
  const provider = describeEnvironment(env).provider;
  if (provider === undefined) throw missingKeyError(undefined);
  return provider;
}

function providerOfURL(url: string): Provider {
  const host = safeHost(url);
  if (host === 'segmind.com' || host.endsWith('.segmind.com')) return 'segmind';
  if (host.endsWith('.aliyuncs.com')) return 'dashscope';
  return 'openai-compatible';
}

function chooseRegion(options: ClientOptions, env: Environment): Region {
  if (options.region !== undefined) return checkRegion(options.region, 'region');
  if (options.baseURL !== undefined) return regionOfURL(options.baseURL);
  const fromEnv = readEnv(env, 'DASHSCOPE_REGION');
  if (fromEnv !== undefined) return checkRegion(fromEnv, 'DASHSCOPE_REGION');
  return regionOfURL(readEnv(env, 'DASHSCOPE_BASE_URL') ?? '');
}

/** `us` for the US endpoint (its keys and model name differ), the default region otherwise. */
function regionOfURL(url: string): Region {
  return safeHost(url).startsWith('dashscope-us.') ? 'us' : CLIENT_DEFAULTS.region;
}

function chooseBaseURL(
  provider: Provider,
  options: ClientOptions,
  env: Environment,
  region: Region | undefined,
): string {
  if (options.baseURL !== undefined) return options.baseURL;
  if (provider === 'segmind') return CLIENT_DEFAULTS.segmindURL;
  if (provider === 'openai-compatible') {
    const url = readEnv(env, 'QWEN_TASKS_BASE_URL');
    if (url === undefined) {
      throw new InputError('The openai-compatible provider needs a base URL: pass baseURL or set QWEN_TASKS_BASE_URL', {
        path: 'baseURL',
      });
    }
    return url;
  }
  const fromEnv = options.region === undefined ? readEnv(env, 'DASHSCOPE_BASE_URL') : undefined;
  return fromEnv ?? DASHSCOPE_BASE_URLS[region ?? CLIENT_DEFAULTS.region];
}

function buildHeaders(
  provider: Provider,
  apiKey: string | undefined,
  extra: Record<string, string> | undefined,
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(extra ?? {})) headers[name.toLowerCase()] = checkHeader(name, value);
  if (apiKey !== undefined) {
    if (provider === 'segmind') headers['x-api-key'] = apiKey;
    else headers.authorization = `Bearer ${apiKey}`;
  }
  return headers;
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

function checkURL(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new InputError(`baseURL is not a valid URL: ${url}`, { path: 'baseURL', cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InputError(`baseURL must be an http or https URL: ${url}`, { path: 'baseURL' });
  }
  return url;
}

function checkRegion(value: string, path: string): Region {
  if ((REGIONS as string[]).includes(value)) return value as Region;
  throw new InputError(`Unknown DashScope region "${value}": use ${REGIONS.join(', ')}`, { path });
}

function checkPositive(value: number, path: string): number {
  if (typeof value !== 'number' || !(value > 0)) throw new InputError(`${path} must be a positive number`, { path });
  return value;
}

function checkCount(value: number, path: string, minimum: number): number {
  const valid = value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= minimum);
  if (!valid) throw new InputError(`${path} must be an integer of at least ${minimum}`, { path });
  return value;
}

function checkPrices(prices: readonly PriceTier[]): readonly PriceTier[] {
  if (prices.length === 0) throw new InputError('prices must list at least one tier', { path: 'prices' });
  return [...prices].sort((left, right) => left.maxInputTokens - right.maxInputTokens);
}

/**
 * The caller's limits (per second too by default on DashScope), none when `false`, else the provider's default when
 * the base URL is on the provider's own hosts.
 */
function chooseRateLimit(
  provider: Provider,
  baseURL: string,
  rateLimit: RateLimit | false | undefined,
): RateLimit | undefined {
  if (rateLimit === false) return undefined;
  if (rateLimit === undefined) {
    return providerOfURL(baseURL) === provider ? defaultRateLimit(provider, safeHost(baseURL)) : undefined;
  }
  if (typeof rateLimit !== 'object' || rateLimit === null) {
    throw new InputError('rateLimit must be an object ({ requestsPerMinute, tokensPerMinute, perSecond }) or false', {
      path: 'rateLimit',
    });
  }
  return checkRateLimit({ perSecond: provider === 'dashscope', ...rateLimit });
}

function checkRateLimit(rateLimit: RateLimit): RateLimit {
  if (rateLimit.perSecond !== undefined && typeof rateLimit.perSecond !== 'boolean') {
    throw new InputError('rateLimit.perSecond must be true or false', { path: 'rateLimit.perSecond' });
  }
  if (rateLimit.requestsPerMinute !== undefined)
    checkPositive(rateLimit.requestsPerMinute, 'rateLimit.requestsPerMinute');
  if (rateLimit.tokensPerMinute !== undefined) checkPositive(rateLimit.tokensPerMinute, 'rateLimit.tokensPerMinute');
  return rateLimit;
}

/** RFC 9110 token: the characters a header name may hold. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Checks one extra header before any request: a valid name, and a string value without CR, LF or NUL (no header
 * injection). undici would otherwise refuse it on every attempt, as a retried connection error.
 */
function checkHeader(name: string, value: unknown): string {
  if (!HEADER_NAME.test(name)) {
    throw new InputError(`headers: ${JSON.stringify(name)} is not a valid header name`, { path: 'headers' });
  }
  if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
    throw new InputError(`headers.${name} must be a string without line breaks`, { path: `headers.${name}` });
  }
  return value;
}

/**
 * Longest timeout a timer can hold (2³¹ − 1 ms, about 24.8 days). Node runs a longer `setTimeout` after 1 ms
 * instead, so a larger `timeoutMs` would fail every attempt at once.
 */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Checks a `timeoutMs` option: a positive number of milliseconds a timer can hold. Throws {@link InputError} at
 * `path` otherwise.
 */
export function checkTimeoutMs(value: unknown, path: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= MAX_TIMEOUT_MS)) {
    const name = path.split('.').at(-1) ?? path;
    throw new InputError(
      `${name} must be a positive number of milliseconds, at most ${MAX_TIMEOUT_MS}, got ${String(value)}`,
      { path },
    );
  }
  return value;
}

/** Extra time the default timeout gives per block of input tokens. */
const EXTRA_MS_PER_BLOCK = 1_000;
const TOKENS_PER_BLOCK = 10_000;

/**
 * The per-attempt timeout when none is configured: 60 s plus 1 s per 10,000 estimated input tokens, so a
 * 900k-token input gets 150 s.
 */
export function defaultTimeoutMs(estimatedInputTokens: number): number {
  return CLIENT_DEFAULTS.timeoutMs + Math.floor(estimatedInputTokens / TOKENS_PER_BLOCK) * EXTRA_MS_PER_BLOCK;
}

/**
 * Whether a request whose body has this many characters can reach the default timeout's first extra second: a
 * shorter body cannot hold text whose `estimateInputTokens` is a whole block, so it needs no estimate.
 */
export function defaultTimeoutNeedsEstimate(bodyLength: number): boolean {
  return bodyLength > (TOKENS_PER_BLOCK - 1) * CHARACTERS_PER_TOKEN;
}

/** qwen-flash's published limits (qwen-api.md): per account and model, DashScope's also enforced per second. */
const SINGAPORE: RateLimit = Object.freeze({ requestsPerMinute: 600, tokensPerMinute: 5_000_000, perSecond: true });
const BEIJING: RateLimit = Object.freeze({ requestsPerMinute: 30_000, tokensPerMinute: 10_000_000, perSecond: true });
/** Segmind's Pro plan (the free plan allows 5 a minute). */
const SEGMIND: RateLimit = Object.freeze({ requestsPerMinute: 50 });

/**
 * qwen-flash's published limits for a base URL on its provider's own hosts (other servers get none): Beijing's for
 * Beijing hosts, Singapore's (the lowest) for every other DashScope host, the Pro plan's for Segmind.
 * See `docs/providers.md`.
 */
function defaultRateLimit(provider: Provider, host: string): RateLimit | undefined {
  if (provider === 'segmind') return SEGMIND;
  if (provider !== 'dashscope') return undefined;
  if (host === 'dashscope.aliyuncs.com' || host.endsWith('.cn-beijing.maas.aliyuncs.com')) return BEIJING;
  return SINGAPORE;
}

// The environment: which provider its variables select (and which they ignore), the key and its checks, proxies.

/** Environment variables, as `process.env` holds them. */
export type Environment = Record<string, string | undefined>;

/** Proxy settings read from the environment, for undici's `EnvHttpProxyAgent`. */
export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

const KEY_VARIABLE: Readonly<Record<Provider, string>> = {
  dashscope: 'DASHSCOPE_API_KEY',
  segmind: 'SEGMIND_API_KEY',
  'openai-compatible': 'QWEN_TASKS_API_KEY',
};

/** What the environment configures, as {@link describeEnvironment} tells it. */
export interface EnvironmentDescription {
  /** The provider a client without `provider`, `baseURL`, `region` or `apiKey` options gets; none configured: `undefined`. */
  provider: Provider | undefined;
  /** The variables that chose it, e.g. `DASHSCOPE_API_KEY` or `QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY`. */
  source: string | undefined;
  /** Provider variables that are set but lose to `source`. */
  ignored: string[];
  /** A sentence for the user when a variable is ignored (the CLI prints it), saying what wins and what to do. */
  warning: string | undefined;
}

/**
 * Which provider the environment selects, from which variables, and which others it ignores (never a key's value).
 * The order: `QWEN_TASKS_BASE_URL` with `QWEN_TASKS_API_KEY`, then `DASHSCOPE_API_KEY`, then `SEGMIND_API_KEY`, then
 * `QWEN_TASKS_BASE_URL` alone. A variable holding a key wins over a lone base URL: a provider key is usually set
 * once for the whole shell, a base URL alone names a keyless local server, and sending a paid provider's traffic
 * elsewhere by surprise is worse than the reverse. Setting `QWEN_TASKS_API_KEY` (any value, for a server without
 * keys) makes the base URL win. See `docs/providers.md`.
 */
export function describeEnvironment(env: Environment = process.env): EnvironmentDescription {
  const baseURL = readEnv(env, 'QWEN_TASKS_BASE_URL') !== undefined;
  const set = (name: string) => readEnv(env, name) !== undefined;
  const candidates: { provider: Provider; source: string; applies: boolean; variables: string[] }[] = [
    {
      provider: 'openai-compatible',
      source: 'QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY',
      applies: baseURL && set('QWEN_TASKS_API_KEY'),
      variables: ['QWEN_TASKS_BASE_URL', 'QWEN_TASKS_API_KEY'],
    },
    { provider: 'dashscope', source: 'DASHSCOPE_API_KEY', applies: set('DASHSCOPE_API_KEY'), variables: [] },
    { provider: 'segmind', source: 'SEGMIND_API_KEY', applies: set('SEGMIND_API_KEY'), variables: [] },
    { provider: 'openai-compatible', source: 'QWEN_TASKS_BASE_URL', applies: baseURL, variables: [] },
  ];
  const chosen = candidates.find((candidate) => candidate.applies);
  if (chosen === undefined) return { provider: undefined, source: undefined, ignored: [], warning: undefined };
  const used = new Set([chosen.source, ...chosen.variables]);
  const ignored = ['QWEN_TASKS_BASE_URL', 'QWEN_TASKS_API_KEY', 'DASHSCOPE_API_KEY', 'SEGMIND_API_KEY'].filter(
    (name) => set(name) && !used.has(name),
  );
  if (ignored.length === 0) return { provider: chosen.provider, source: chosen.source, ignored, warning: undefined };
  const remedy = ignored.includes('QWEN_TASKS_BASE_URL')
    ? '; to use QWEN_TASKS_BASE_URL, set QWEN_TASKS_API_KEY too (any value for a server without keys)'
    : `; unset ${ignored.join(' and ')} to silence this`;
  const warning =
    `${ignored.join(' and ')} ${ignored.length === 1 ? 'is' : 'are'} set but ignored: ${chosen.source} wins ` +
    `(provider ${chosen.provider})${remedy}`;
  return { provider: chosen.provider, source: chosen.source, ignored, warning };
}

function missingKeyError(provider: Provider | undefined): InputError {
  const wanted = provider === undefined ? '' : ` for provider ${provider}`;
  return new InputError(
    `No API key${wanted}: pass apiKey to createClient, or set QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY ` +
      '(any OpenAI-compatible server), DASHSCOPE_API_KEY (optionally with DASHSCOPE_BASE_URL or DASHSCOPE_REGION) ' +
      'or SEGMIND_API_KEY',
    { path: 'apiKey' },
  );
}

function readProxySettings(env: Environment): ProxySettings | undefined {
  const httpProxy = readEnv(env, 'http_proxy') ?? readEnv(env, 'HTTP_PROXY') ?? '';
  const httpsProxy = readEnv(env, 'https_proxy') ?? readEnv(env, 'HTTPS_PROXY') ?? '';
  if (httpProxy === '' && httpsProxy === '') return undefined;
  return { httpProxy, httpsProxy, noProxy: readEnv(env, 'no_proxy') ?? readEnv(env, 'NO_PROXY') ?? '' };
}

export function readEnv(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Whitespace or a control character: never part of a key, often a pasted line break. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const NOT_IN_A_KEY = /[\s\u0000-\u001f\u007f]/;
/** Line breaks, including Unicode's line and paragraph separators. */
const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/;

/**
 * Checks an API key before any request: `undefined` passes (the caller decides whether a key is needed); an empty
 * key, a non-string, or a key holding a line break, whitespace or a control character is an {@link InputError}
 * whose message and `path` name `source` (the `apiKey` option, or the environment variable the key came from, so a
 * malformed key is never mistaken for a missing one), where it would otherwise fail every request with a 401 or a
 * confusing connection error. The key never appears in the message.
 */
function checkApiKey(apiKey: unknown, source = 'apiKey'): string | undefined {
  if (apiKey === undefined) return undefined;
  if (typeof apiKey !== 'string')
    throw new InputError(`${source} must be a string, got ${typeof apiKey}`, { path: source });
  if (apiKey === '') {
    throw new InputError('apiKey is empty: pass the key, or leave apiKey out to read it from the environment', {
      path: source,
    });
  }
  const lineBreak = LINE_BREAK.exec(apiKey);
  if (lineBreak !== null) {
    throw new InputError(
      `${source} contains whitespace: a line break (character ${lineBreak.index + 1} of ${apiKey.length}; a key ` +
        'pasted over two lines, or read from a file with its newline?): remove it',
      { path: source },
    );
  }
  if (NOT_IN_A_KEY.test(apiKey)) {
    throw new InputError(`${source} contains whitespace or a control character: remove it`, { path: source });
  }
  return apiKey;
}
