import { InputError } from '../errors.js';
import { checkApiKey } from './check-api-key.js';
import { checkHeader } from './check-header.js';
import { checkTimeoutMs } from './check-timeout-ms.js';
import { defaultRateLimit } from './default-rate-limit.js';
import { QWEN_FLASH_PRICES } from './prices.js';
import type { ClientOptions, PriceTier, Provider, RateLimit, Region } from './types.js';

/** Defaults of the client options, in one place. @internal */
export const CLIENT_DEFAULTS = Object.freeze({
  model: 'qwen-flash',
  usModel: 'qwen-flash-us',
  region: 'intl' as Region,
  timeoutMs: 60_000,
  maxRetries: 2,
  maxConcurrency: Number.POSITIVE_INFINITY,
  maxResponseBytes: 16 * 1024 * 1024,
  segmindURL: 'https://api.segmind.com/v1/qwen-flash',
});

/** DashScope compatible-mode base URL of each region. @internal */
export const DASHSCOPE_BASE_URLS: Readonly<Record<Region, string>> = Object.freeze({
  intl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
  us: 'https://dashscope-us.aliyuncs.com/compatible-mode/v1',
  cn: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  hk: 'https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1',
});

/** Proxy settings read from the environment, for undici's `EnvHttpProxyAgent`. @internal */
export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

/** Client options with the environment and defaults applied and every value checked. @internal */
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
}

type Environment = Record<string, string | undefined>;

const REGIONS = Object.keys(DASHSCOPE_BASE_URLS) as Region[];
const PROVIDERS: readonly Provider[] = ['dashscope', 'segmind', 'openai-compatible'];
const KEY_VARIABLE: Readonly<Record<Provider, string>> = {
  dashscope: 'DASHSCOPE_API_KEY',
  segmind: 'SEGMIND_API_KEY',
  'openai-compatible': 'QWEN_TASKS_API_KEY',
};

/**
 * Applies the environment and defaults to client options. Explicit options win; otherwise the provider comes from
 * `QWEN_TASKS_BASE_URL` + `QWEN_TASKS_API_KEY`, then `DASHSCOPE_API_KEY`, then `SEGMIND_API_KEY`, then a lone
 * `QWEN_TASKS_BASE_URL` (a local server without a key). Throws {@link InputError} when no key is found.
 * @internal
 */
export function resolveClientConfig(options: ClientOptions): ResolvedClientConfig {
  const env = options.env ?? process.env;
  const provider = chooseProvider(options, env);
  const apiKey = checkApiKey(options.apiKey ?? readEnv(env, KEY_VARIABLE[provider]));
  if (apiKey === undefined && provider !== 'openai-compatible') throw missingKeyError(provider);
  const region = provider === 'dashscope' ? chooseRegion(options, env) : undefined;
  const baseURL = checkURL(chooseBaseURL(provider, options, env, region));
  return {
    provider,
    apiKey,
    baseURL,
    endpointURL: provider === 'segmind' ? baseURL : `${baseURL.replace(/\/+$/, '')}/chat/completions`,
    model: options.model ?? (region === 'us' ? CLIENT_DEFAULTS.usModel : CLIENT_DEFAULTS.model),
    timeoutMs: options.timeoutMs === undefined ? undefined : checkTimeoutMs(options.timeoutMs, 'timeoutMs'),
    maxRetries: checkCount(options.maxRetries ?? CLIENT_DEFAULTS.maxRetries, 'maxRetries', 0),
    maxConcurrency: checkCount(options.maxConcurrency ?? CLIENT_DEFAULTS.maxConcurrency, 'maxConcurrency', 1),
    maxResponseBytes: checkPositive(options.maxResponseBytes ?? CLIENT_DEFAULTS.maxResponseBytes, 'maxResponseBytes'),
    headers: buildHeaders(provider, apiKey, options.headers),
    prices: checkPrices(options.prices ?? QWEN_FLASH_PRICES),
    rateLimit: chooseRateLimit(provider, baseURL, options.rateLimit),
    proxy: readProxySettings(env),
  };
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
  const openAICompatibleURL = readEnv(env, 'QWEN_TASKS_BASE_URL');
  if (openAICompatibleURL !== undefined && readEnv(env, 'QWEN_TASKS_API_KEY') !== undefined) return 'openai-compatible';
  if (readEnv(env, 'DASHSCOPE_API_KEY') !== undefined) return 'dashscope';
  if (readEnv(env, 'SEGMIND_API_KEY') !== undefined) return 'segmind';
  if (openAICompatibleURL !== undefined) return 'openai-compatible';
  throw missingKeyError(undefined);
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

function missingKeyError(provider: Provider | undefined): InputError {
  const wanted = provider === undefined ? '' : ` for provider ${provider}`;
  return new InputError(
    `No API key${wanted}: pass apiKey to createClient, or set QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY ` +
      '(any OpenAI-compatible server), DASHSCOPE_API_KEY (optionally with DASHSCOPE_BASE_URL or DASHSCOPE_REGION) ' +
      'or SEGMIND_API_KEY',
    { path: 'apiKey' },
  );
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

function readProxySettings(env: Environment): ProxySettings | undefined {
  const httpProxy = readEnv(env, 'http_proxy') ?? readEnv(env, 'HTTP_PROXY') ?? '';
  const httpsProxy = readEnv(env, 'https_proxy') ?? readEnv(env, 'HTTPS_PROXY') ?? '';
  if (httpProxy === '' && httpsProxy === '') return undefined;
  return { httpProxy, httpsProxy, noProxy: readEnv(env, 'no_proxy') ?? readEnv(env, 'NO_PROXY') ?? '' };
}

function readEnv(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
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
