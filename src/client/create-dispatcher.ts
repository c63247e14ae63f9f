import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';
import type { ProxySettings } from './resolve-client-config.js';

/**
 * The client's own keep-alive connection pool: an `EnvHttpProxyAgent` when the environment names a proxy (so
 * `NO_PROXY` is honoured too), a plain `Agent` otherwise. Never the global dispatcher.
 * @internal
 */
export function createDispatcher(proxy: ProxySettings | undefined): Dispatcher {
  return proxy === undefined ? new Agent() : new EnvHttpProxyAgent(proxy);
}
