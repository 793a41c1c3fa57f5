/**
 * Push traffic through an egress proxy (HTTP CONNECT), for servers that may
 * reach the internet only that way: HTTPS_PROXY and NO_PROXY, read as curl
 * reads them. The TLS session to the push service runs inside the tunnel,
 * so the proxy sees only which host is dialled.
 */
import { request } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';
import tls, { type ConnectionOptions, type TLSSocket } from 'node:tls';
import { ConfigError } from '../config';

export interface EgressProxy {
  /** The proxy to reach this host through, or undefined to connect directly (NO_PROXY). */
  for(hostname: string): URL | undefined;
}

/**
 * From `https_proxy` / `HTTPS_PROXY` (else `all_proxy` / `ALL_PROXY`), lower
 * case first, as curl does for https URLs; undefined when none is set. A value
 * without a scheme is an http:// proxy. Throws on a proxy it cannot use.
 */
export function egressProxyFromEnvironment(env: NodeJS.ProcessEnv): EgressProxy | undefined {
  const value = [env.https_proxy, env.HTTPS_PROXY, env.all_proxy, env.ALL_PROXY].find((v) => v !== undefined && v.trim() !== '')?.trim();
  if (value === undefined) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    throw new ConfigError(`HTTPS_PROXY ${JSON.stringify(value)} is not a URL`);
  }
  if (proxy.protocol !== 'http:') throw new ConfigError(`HTTPS_PROXY ${JSON.stringify(value)}: only http:// proxies (HTTP CONNECT) are supported`);
  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  return { for: (hostname) => (bypassesProxy(hostname, noProxy) ? undefined : proxy) };
}

/**
 * curl's NO_PROXY: a comma-separated list; `*` matches every host; a name
 * matches itself and its subdomains (a leading dot changes nothing:
 * "example.com" and ".example.com" both match www.example.com, neither
 * matches notexample.com); an IP address matches itself, or a range in CIDR
 * notation (IPv6 without brackets). Ports are not part of the match.
 */
export function bypassesProxy(hostname: string, noProxy: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  const hostIp = isIP(host);
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const [address, bits] = entry.replace(/^\[|\]$/g, '').split('/');
    const entryIp = isIP(address!);
    if (entryIp !== 0 || hostIp !== 0) {
      if (entryIp === 0 || hostIp === 0) continue; // an address never matches a name
      const family = entryIp === 4 ? 'ipv4' : 'ipv6';
      const range = new BlockList();
      if (bits === undefined) range.addAddress(address!, family);
      else range.addSubnet(address!, Number(bits), family);
      if (range.check(host, hostIp === 4 ? 'ipv4' : 'ipv6')) return true;
      continue;
    }
    const name = entry.replace(/^\./, '').replace(/\.$/, '');
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** A proxy that answered CONNECT with anything but 2xx: a transient fault, like a refused connection. */
export class ProxyRefused extends Error {
  readonly code = 'EPROXYREFUSED';
  constructor(readonly status: number) {
    super(`the egress proxy answered CONNECT with ${status}`);
  }
}

/**
 * A TCP tunnel to host:port through `proxy`. Rejects with the network error,
 * a ProxyRefused, or ETIMEDOUT after `timeoutMs` or when `signal` aborts.
 */
export function openTunnel(proxy: URL, host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<Socket> {
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.username) {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || 80), method: 'CONNECT', path: authority, headers, agent: false });
    const fail = (err: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      req.destroy();
      reject(err);
    };
    const abort = () => fail(Object.assign(new Error('CONNECT through the egress proxy timed out'), { code: 'ETIMEDOUT' }));
    const timer = setTimeout(abort, timeoutMs);
    signal?.addEventListener('abort', abort, { once: true });
    req.once('error', fail);
    req.once('response', (res) => fail(new ProxyRefused(res.statusCode ?? 0))); // CONNECT answered without a tunnel
    req.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return fail(new ProxyRefused(res.statusCode ?? 0));
      }
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.end();
  });
}

/**
 * A TLS connection to host:port, through the proxy when one is given; the
 * whole of it (CONNECT, TLS handshake) bounded by `timeoutMs`.
 */
export async function connectTls(
  options: ConnectionOptions & { host: string; port: number },
  proxy: URL | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<TLSSocket> {
  if (signal?.aborted) throw Object.assign(new Error('the transport is closed'), { code: 'ETIMEDOUT' });
  const start = Date.now();
  const tunnel = proxy ? await openTunnel(proxy, options.host, options.port, timeoutMs, signal) : undefined;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options, ...(tunnel ? { socket: tunnel } : {}) });
    const fail = (err: Error) => {
      signal?.removeEventListener('abort', abort);
      socket.destroy();
      tunnel?.destroy();
      reject(err);
    };
    const abort = () => fail(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }));
    signal?.addEventListener('abort', abort, { once: true });
    socket.setTimeout(Math.max(1, timeoutMs - (Date.now() - start)), abort);
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      signal?.removeEventListener('abort', abort);
      socket.setTimeout(0);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
