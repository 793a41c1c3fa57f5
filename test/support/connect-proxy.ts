/**
 * A loopback HTTP CONNECT proxy, as an egress proxy in front of a sender:
 * each CONNECT host:port is tunnelled to where `route` says (by default the
 * host:port itself), so a test can reach a push service's public host name on
 * loopback. It can refuse CONNECTs and die mid-tunnel, as real proxies do.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectProxy {
  /** for HTTPS_PROXY */
  url: string;
  port: number;
  /** every CONNECT target asked for (host:port), in order */
  connects: string[];
  /** tunnels open right now */
  openTunnels(): number;
  /** From now on CONNECTs are answered with this status (e.g. 403, 502) and no tunnel; undefined tunnels again. */
  refuse(status: number | undefined): void;
  /** Cuts every tunnel and stops listening: the proxy process died. */
  die(): Promise<void>;
  /** Listens again on the same port: the proxy was restarted. */
  revive(): Promise<void>;
  close(): Promise<void>;
}

export type Route = (target: { host: string; port: number }) => { host: string; port: number };

/** `credentials` ("user:password"): CONNECTs without that Proxy-Authorization (Basic) get 407. */
export async function startConnectProxy(route: Route = (target) => target, options: { credentials?: string } = {}): Promise<ConnectProxy> {
  const connects: string[] = [];
  const tunnels = new Set<Socket>();
  let refusal: number | undefined;
  const server = createServer((_req, res) => res.writeHead(405, { allow: 'CONNECT' }).end());
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    client.on('error', () => {});
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
    const expected = options.credentials && `Basic ${Buffer.from(options.credentials).toString('base64')}`;
    if (expected && req.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="egress"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (refusal !== undefined || !match) {
      client.end(`HTTP/1.1 ${refusal ?? 400} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const to = route({ host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) });
    const upstream = connect(to.port, to.host);
    for (const socket of [client, upstream]) {
      tunnels.add(socket);
      socket.once('close', () => tunnels.delete(socket));
    }
    upstream.on('error', () => client.destroy());
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    openTunnels: () => tunnels.size / 2,
    refuse(status) {
      refusal = status;
    },
    die: close,
    revive: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close,
  };
}
