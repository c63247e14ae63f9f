import type { MockRoute } from './mock-types.js';

const DASHSCOPE_CHAT = new Set(['/compatible-mode/v1/chat/completions', '/v1/chat/completions']);
const SEGMIND = new Set(['/v1/qwen-flash', '/v1/get-user-credits']);
const FILES = /^\/(compatible-mode\/)?v1\/files(\/|$)/;
const BATCHES = /^\/(compatible-mode\/)?v1\/batches(\/|$)/;

/** @internal The endpoint family a path belongs to. */
export function routeOf(path: string): MockRoute {
  if (DASHSCOPE_CHAT.has(path)) return 'dashscope';
  if (SEGMIND.has(path)) return 'segmind';
  if (FILES.test(path)) return 'files';
  if (BATCHES.test(path)) return 'batches';
  return 'other';
}

/** @internal Whether a request asks for a chat completion (and so gets a chat index). */
export function isChatRequest(method: string, path: string): boolean {
  return method === 'POST' && (DASHSCOPE_CHAT.has(path) || path === '/v1/qwen-flash');
}
