/**
 * A TCP proxy in front of the test PostgreSQL server, so one test can lose
 * its database (connections cut, or a network that swallows everything) and
 * get it back, without touching the cluster other test files share.
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

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
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
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
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
