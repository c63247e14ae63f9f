import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { estimateInputTokens } from '../tokens.js';
import { defaultTimeoutMs, defaultTimeoutNeedsEstimate, resolveClientConfig } from './config.js';
import type { ClientHooks, ClientOptions, PriceTier, RateLimit } from './types.js';
import { computeCostUsd, QWEN_FLASH_PRICES } from './wire.js';

const INTL = 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1';
const US = 'https://dashscope-us.aliyuncs.com/compatible-mode/v1';
const CN = 'https://dashscope.aliyuncs.com/compatible-mode/v1';
const HK = 'https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1';
const WORKSPACE = 'https://ws-123.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1';
const SEGMIND = 'https://api.segmind.com/v1/qwen-flash';
const LOCAL = 'http://127.0.0.1:8000/v1';

function resolve(options: ClientOptions) {
  const config = resolveClientConfig({ env: {}, ...options });
  return { provider: config.provider, apiKey: config.apiKey, baseURL: config.baseURL, model: config.model };
}

describe('resolveClientConfig', () => {
  it.each<[string, ClientOptions, ReturnType<typeof resolve>]>([
    [
      'QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY → openai-compatible, before every other key',
      {
        env: {
          QWEN_TASKS_BASE_URL: LOCAL,
          QWEN_TASKS_API_KEY: 'local-key',
          DASHSCOPE_API_KEY: 'ds',
          SEGMIND_API_KEY: 'sg',
        },
      },
      { provider: 'openai-compatible', apiKey: 'local-key', baseURL: LOCAL, model: 'qwen-flash' },
    ],
    [
      'DASHSCOPE_API_KEY → dashscope in Singapore, before SEGMIND_API_KEY',
      { env: { DASHSCOPE_API_KEY: 'ds-key', SEGMIND_API_KEY: 'sg-key' } },
      { provider: 'dashscope', apiKey: 'ds-key', baseURL: INTL, model: 'qwen-flash' },
    ],
    [
      'DASHSCOPE_REGION us → US base URL and model qwen-flash-us',
      { env: { DASHSCOPE_API_KEY: 'ds-key', DASHSCOPE_REGION: 'us' } },
      { provider: 'dashscope', apiKey: 'ds-key', baseURL: US, model: 'qwen-flash-us' },
    ],
    [
      'DASHSCOPE_BASE_URL → that base URL (a workspace)',
      { env: { DASHSCOPE_API_KEY: 'ds-key', DASHSCOPE_BASE_URL: WORKSPACE } },
      { provider: 'dashscope', apiKey: 'ds-key', baseURL: WORKSPACE, model: 'qwen-flash' },
    ],
    [
      'SEGMIND_API_KEY → segmind',
      { env: { SEGMIND_API_KEY: 'sg-key' } },
      { provider: 'segmind', apiKey: 'sg-key', baseURL: SEGMIND, model: 'qwen-flash' },
    ],
    [
      'a lone QWEN_TASKS_BASE_URL → a keyless local server, after every key',
      { env: { QWEN_TASKS_BASE_URL: LOCAL } },
      { provider: 'openai-compatible', apiKey: undefined, baseURL: LOCAL, model: 'qwen-flash' },
    ],
    [
      'a lone QWEN_TASKS_BASE_URL loses to DASHSCOPE_API_KEY',
      { env: { QWEN_TASKS_BASE_URL: LOCAL, DASHSCOPE_API_KEY: 'ds-key' } },
      { provider: 'dashscope', apiKey: 'ds-key', baseURL: INTL, model: 'qwen-flash' },
    ],
    [
      'explicit apiKey wins over the environment',
      { apiKey: 'explicit-key', env: { DASHSCOPE_API_KEY: 'ds-key' } },
      { provider: 'dashscope', apiKey: 'explicit-key', baseURL: INTL, model: 'qwen-flash' },
    ],
    [
      'explicit provider picks its own variable',
      { provider: 'segmind', env: { DASHSCOPE_API_KEY: 'ds-key', SEGMIND_API_KEY: 'sg-key' } },
      { provider: 'segmind', apiKey: 'sg-key', baseURL: SEGMIND, model: 'qwen-flash' },
    ],
    [
      'explicit region wins over DASHSCOPE_REGION and DASHSCOPE_BASE_URL',
      { region: 'cn', env: { DASHSCOPE_API_KEY: 'ds-key', DASHSCOPE_REGION: 'us', DASHSCOPE_BASE_URL: WORKSPACE } },
      { provider: 'dashscope', apiKey: 'ds-key', baseURL: CN, model: 'qwen-flash' },
    ],
    [
      'region hk → Hong Kong',
      { region: 'hk', apiKey: 'ds-key' },
      { provider: 'dashscope', apiKey: 'ds-key', baseURL: HK, model: 'qwen-flash' },
    ],
    [
      'explicit model wins over the us default',
      { region: 'us', apiKey: 'ds-key', model: 'qwen-flash-2025-07-28' },
      { provider: 'dashscope', apiKey: 'ds-key', baseURL: US, model: 'qwen-flash-2025-07-28' },
    ],
    [
      'an explicit workspace base URL is DashScope',
      { baseURL: WORKSPACE, env: { DASHSCOPE_API_KEY: 'ds-key' } },
      { provider: 'dashscope', apiKey: 'ds-key', baseURL: WORKSPACE, model: 'qwen-flash' },
    ],
    [
      'an explicit US base URL picks the US model',
      { baseURL: US, apiKey: 'ds-key' },
      { provider: 'dashscope', apiKey: 'ds-key', baseURL: US, model: 'qwen-flash-us' },
    ],
    [
      'an explicit Segmind URL is Segmind',
      { baseURL: SEGMIND, apiKey: 'sg-key' },
      { provider: 'segmind', apiKey: 'sg-key', baseURL: SEGMIND, model: 'qwen-flash' },
    ],
    [
      'an explicit other base URL is openai-compatible and may go without a key',
      { baseURL: LOCAL },
      { provider: 'openai-compatible', apiKey: undefined, baseURL: LOCAL, model: 'qwen-flash' },
    ],
    [
      'empty variables count as unset',
      { env: { QWEN_TASKS_BASE_URL: '', QWEN_TASKS_API_KEY: ' ', DASHSCOPE_API_KEY: '', SEGMIND_API_KEY: 'sg-key' } },
      { provider: 'segmind', apiKey: 'sg-key', baseURL: SEGMIND, model: 'qwen-flash' },
    ],
  ])('%s', (_name, options, expected) => {
    expect(resolve(options)).toEqual(expected);
  });

  it('fails without any key, naming every variable', () => {
    let error: unknown;
    try {
      resolveClientConfig({ env: {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    for (const name of ['QWEN_TASKS_BASE_URL', 'QWEN_TASKS_API_KEY', 'DASHSCOPE_API_KEY', 'SEGMIND_API_KEY']) {
      expect((error as Error).message).toContain(name);
    }
  });

  it.each<[string, ClientOptions, string]>([
    ['dashscope without a key', { provider: 'dashscope', env: { SEGMIND_API_KEY: 'sg-key' } }, 'apiKey'],
    ['segmind without a key', { provider: 'segmind' }, 'apiKey'],
    ['openai-compatible without a base URL', { provider: 'openai-compatible', apiKey: 'k' }, 'baseURL'],
    ['an unknown region', { apiKey: 'key', env: { DASHSCOPE_REGION: 'mars' } }, 'DASHSCOPE_REGION'],
    ['a base URL that is not a URL', { baseURL: 'not a url', apiKey: 'key' }, 'baseURL'],
    ['a base URL that is not http', { provider: 'dashscope', baseURL: 'ftp://example.com', apiKey: 'key' }, 'baseURL'],
    ['a zero timeout', { apiKey: 'key', timeoutMs: 0 }, 'timeoutMs'],
    ['negative retries', { apiKey: 'key', maxRetries: -1 }, 'maxRetries'],
    ['zero concurrency', { apiKey: 'key', maxConcurrency: 0 }, 'maxConcurrency'],
    ['an empty price table', { apiKey: 'key', prices: [] }, 'prices'],
  ])('refuses %s with an InputError at %s', (_name, options, path) => {
    expect(() => resolveClientConfig({ env: {}, ...options })).toThrow(
      expect.objectContaining({ name: 'InputError', path }),
    );
  });

  it('authenticates DashScope and OpenAI-compatible servers with a bearer token and Segmind with x-api-key only', () => {
    const dashscope = resolveClientConfig({ apiKey: 'ds-key', headers: { 'X-Trace': 'abc' }, env: {} });
    expect(dashscope.headers).toEqual({
      'content-type': 'application/json',
      'x-trace': 'abc',
      authorization: 'Bearer ds-key',
    });
    const segmind = resolveClientConfig({ provider: 'segmind', apiKey: 'sg-key', env: {} });
    expect(segmind.headers).toEqual({ 'content-type': 'application/json', 'x-api-key': 'sg-key' });
    expect(resolveClientConfig({ baseURL: LOCAL, env: {} }).headers).not.toHaveProperty('authorization');
  });

  it('posts to {baseURL}/chat/completions, or to the Segmind endpoint itself', () => {
    expect(resolveClientConfig({ apiKey: 'k', baseURL: `${WORKSPACE}/`, env: {} }).endpointURL).toBe(
      `${WORKSPACE}/chat/completions`,
    );
    expect(resolveClientConfig({ provider: 'segmind', apiKey: 'k', env: {} }).endpointURL).toBe(SEGMIND);
  });

  it('reads proxy settings from the given environment only', () => {
    expect(resolveClientConfig({ apiKey: 'k', env: {} }).proxy).toBeUndefined();
    expect(
      resolveClientConfig({ apiKey: 'k', env: { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost' } }).proxy,
    ).toEqual({ httpProxy: '', httpsProxy: 'http://proxy:3128', noProxy: 'localhost' });
  });

  it('applies the defaults', () => {
    const config = resolveClientConfig({ apiKey: 'k', env: {} });
    expect(config).toMatchObject({
      timeoutMs: undefined,
      maxRetries: 2,
      maxConcurrency: Number.POSITIVE_INFINITY,
      // 4 MiB since issue 13: 32,768 output tokens at 64 bytes each, twice over.
      maxResponseBytes: 4 * 1024 * 1024,
    });
  });

  describe('rateLimit', () => {
    const singapore = { requestsPerMinute: 600, tokensPerMinute: 5_000_000, perSecond: true };
    const beijing = { requestsPerMinute: 30_000, tokensPerMinute: 10_000_000, perSecond: true };
    it.each<[string, ClientOptions, object | undefined]>([
      ['DashScope Singapore (the default region)', { apiKey: 'k' }, singapore],
      ['DashScope Beijing', { apiKey: 'k', region: 'cn' }, beijing],
      ['DashScope Beijing by base URL', { apiKey: 'k', baseURL: CN }, beijing],
      ['a Beijing workspace domain', { apiKey: 'k', baseURL: 'https://ws-1.cn-beijing.maas.aliyuncs.com/v1' }, beijing],
      ['DashScope US (no published figure: Singapore)', { apiKey: 'k', baseURL: US }, singapore],
      ['DashScope Hong Kong (no published figure: Singapore)', { apiKey: 'k', baseURL: HK }, singapore],
      ['a Singapore workspace domain', { apiKey: 'k', baseURL: WORKSPACE }, singapore],
      ['Segmind (its Pro plan)', { provider: 'segmind', apiKey: 'k' }, { requestsPerMinute: 50 }],
      [
        'DashScope through another host (a proxy, a local server)',
        { provider: 'dashscope', apiKey: 'k', baseURL: LOCAL },
        undefined,
      ],
      ['Segmind through another host', { provider: 'segmind', apiKey: 'k', baseURL: LOCAL }, undefined],
      ['an OpenAI-compatible server', { baseURL: LOCAL }, undefined],
      ['false, which turns the default off', { apiKey: 'k', rateLimit: false }, undefined],
      [
        'a given limit, per second too on DashScope',
        { apiKey: 'k', rateLimit: { requestsPerMinute: 60 } },
        { requestsPerMinute: 60, perSecond: true },
      ],
      [
        'a given limit elsewhere, per minute only',
        { baseURL: LOCAL, rateLimit: { requestsPerMinute: 60 } },
        { requestsPerMinute: 60, perSecond: false },
      ],
      [
        'a given limit that opts out of per second',
        { apiKey: 'k', rateLimit: { requestsPerMinute: 60, perSecond: false } },
        { requestsPerMinute: 60, perSecond: false },
      ],
    ])('%s', (_name, options, expected) => {
      expect(resolveClientConfig({ env: {}, ...options }).rateLimit).toEqual(expected);
    });

    it.each<[string, unknown, RegExp]>([
      ['a number', 600, /^rateLimit must be an object/],
      ['true', true, /^rateLimit must be an object/],
      ['a perSecond that is not a boolean', { perSecond: 'yes' }, /^rateLimit.perSecond must be true or false/],
      ['a negative requestsPerMinute', { requestsPerMinute: -1 }, /requestsPerMinute/],
    ])('refuses %s', (_name, rateLimit, message) => {
      expect(() => resolveClientConfig({ apiKey: 'k', env: {}, rateLimit: rateLimit as RateLimit })).toThrow(message);
    });
  });
});

const usage = (promptTokens: number, completionTokens: number, cachedTokens = 0) => ({
  promptTokens,
  completionTokens,
  cachedTokens,
  totalTokens: promptTokens + completionTokens,
});

describe('computeCostUsd', () => {
  it.each([
    ['a small call in the first tier', usage(100_000, 10_000), 0.005 + 0.004],
    ['exactly 256K input in the first tier', usage(256_000, 0), 256_000 * 0.05e-6],
    ['256K + 1 input in the second tier', usage(256_001, 1_000), 256_001 * 0.25e-6 + 1_000 * 2e-6],
    ['a cache hit at 20% of the input price', usage(3019, 104, 2048), (971 * 0.05 + 2048 * 0.01 + 104 * 0.4) / 1e6],
    ['input above every tier in the last tier', usage(2_000_000, 0), 2_000_000 * 0.25e-6],
    ['nothing', usage(0, 0), 0],
  ])('prices %s', (_name, callUsage, expected) => {
    expect(computeCostUsd(callUsage, QWEN_FLASH_PRICES)).toBeCloseTo(expected, 12);
  });

  it('uses a tier-specific cache price when given', () => {
    const prices: PriceTier[] = [
      { maxInputTokens: 1e9, inputPerMillion: 1, outputPerMillion: 2, cachedInputPerMillion: 0 },
    ];
    expect(computeCostUsd(usage(1_000_000, 1_000_000, 500_000), prices)).toBeCloseTo(0.5 + 2, 12);
  });

  it('keeps the price table in one frozen constant', () => {
    expect(Object.isFrozen(QWEN_FLASH_PRICES)).toBe(true);
    expect(QWEN_FLASH_PRICES).toEqual([
      { maxInputTokens: 256_000, inputPerMillion: 0.05, outputPerMillion: 0.4 },
      { maxInputTokens: 1_000_000, inputPerMillion: 0.25, outputPerMillion: 2 },
    ]);
  });
});

describe('defaultTimeoutNeedsEstimate', () => {
  it('is false exactly for bodies too short to hold text that reaches the first extra second', () => {
    expect(defaultTimeoutNeedsEstimate(29_997)).toBe(false);
    expect(defaultTimeoutNeedsEstimate(29_998)).toBe(true);
    // The longest body that skips the estimate still gets the plain default; one character more reaches 61 s.
    expect(defaultTimeoutMs(estimateInputTokens([{ content: 'x'.repeat(29_997) }]))).toBe(60_000);
    expect(defaultTimeoutMs(estimateInputTokens([{ content: 'x'.repeat(29_998) }]))).toBe(61_000);
  });
});

describe('the hooks option', () => {
  const onRequest = () => {};
  const hooksOf = (hooks: unknown) =>
    resolveClientConfig({ env: {}, apiKey: 'sk-key', hooks: hooks as ClientHooks }).hooks;

  it('keeps a frozen copy of the functions, and none when there is none', () => {
    const given = { onRequest, onRetry: undefined };
    const hooks = hooksOf(given);
    expect(hooks).toEqual({ onRequest });
    expect(Object.isFrozen(hooks)).toBe(true);
    expect(hooks).not.toBe(given);
    expect(hooksOf(undefined)).toBeUndefined();
    expect(hooksOf({})).toBeUndefined();
    expect(hooksOf({ onError: undefined })).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['a function', onRequest, 'hooks'],
    ['an array', [onRequest], 'hooks'],
    ['null', null, 'hooks'],
    ['onRequest as a string', { onRequest: 'log' }, 'hooks.onRequest'],
    ['onResponse as null', { onResponse: null }, 'hooks.onResponse'],
    ['onError as an object', { onError: {} }, 'hooks.onError'],
    ['onRetry as a number', { onRetry: 1 }, 'hooks.onRetry'],
    ['an unknown hook', { onReply: onRequest }, 'hooks.onReply'],
  ])('refuses %s with an InputError at its path', (_name, hooks, path) => {
    expect(() => hooksOf(hooks)).toThrow(InputError);
    try {
      hooksOf(hooks);
    } catch (error) {
      expect(error).toMatchObject({ path });
    }
  });
});
