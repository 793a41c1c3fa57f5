/**
 * A TCP proxy in front of the test PostgreSQL server, so one test can lose
 * its database (connections cut, or a network that swallows everything) and
 * get it back, without touching the cluster other test files share; or in
 * front of a push service, as a slow path to it.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export type ProxyState = 'up' | 'refusing' | 'black-hole';

export interface TcpProxy {
  /** host:port to connect to instead of the target */
  port: number;
  /** Cuts every open connection, then handles new ones as `state` says. */
  set(state: ProxyState): void;
  close(): Promise<void>;
}

/** `connectDelayMs`: each new connection reaches the target only after this long (a slow network path). */
export async function startTcpProxy(target: { host: string; port: number }, o: { connectDelayMs?: number } = {}): Promise<TcpProxy> {
  let state: ProxyState = 'up';
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    if (state === 'refusing') return void client.resetAndDestroy();
    if (state === 'black-hole') return; // accepted, never answered
    const forward = () => {
      if (client.destroyed) return;
      const upstream = connect(target.port, target.host);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    };
    if (o.connectDelayMs) setTimeout(forward, o.connectDelayMs);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    set(next) {
      state = next;
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
