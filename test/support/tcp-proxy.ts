import net from 'node:net';

/**
 * A TCP proxy of our own in front of a real server (PostgreSQL, Redis), for fault specs: it can
 * cut every connection (both sides see a reset), hold the replies of the connections open now
 * (as a network that silently drops packets would, while new connections pass), or blackhole
 * everything, new connections included, until healed.
 */
export interface TcpProxy {
  /** `scheme://host:port` of the proxy, with the target URL's path, user and query. */
  urlFor(targetUrl: string): string;
  port: number;
  /** Resets every connection open now. */
  cut(): void;
  /** Stops delivering server replies on the connections open now; they stay open. */
  holdReplies(): void;
  /** Any connection whose client sends these bytes (a prepared statement's name) gets no replies from then on; null stops it. */
  holdRepliesAfter(marker: string | null): void;
  /** From now on nothing passes in either direction, new connections included (they hang). */
  blackhole(): void;
  /** Ends a blackhole: new connections pass again; connections held meanwhile are reset. */
  heal(): void;
  connections(): number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  server: net.Socket;
  /** Nothing passes either way. */
  held: boolean;
  /** Requests pass, replies are dropped. */
  deaf: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let dark = false;
  let marker: Buffer | null = null;
  const reset = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.resetAndDestroy();
    pair.server.resetAndDestroy();
  };
  const listener = net.createServer((client) => {
    const server = net.connect(target.port, target.host);
    const pair: Pair = { client, server, held: dark, deaf: false };
    pairs.add(pair);
    client.on('data', (chunk) => {
      if (pair.held) return;
      if (marker && chunk.includes(marker)) pair.deaf = true;
      server.write(chunk);
    });
    server.on('data', (chunk) => {
      if (!pair.held && !pair.deaf) client.write(chunk);
    });
    const end = () => {
      if (!pairs.delete(pair)) return;
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  return {
    port,
    urlFor(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut() {
      for (const pair of [...pairs]) reset(pair);
    },
    holdReplies() {
      // Requests still pass: only the answers are lost, as when a reply is dropped on its way back.
      for (const pair of pairs) pair.deaf = true;
    },
    holdRepliesAfter(bytes) {
      marker = bytes === null ? null : Buffer.from(bytes);
    },
    blackhole() {
      dark = true;
      for (const pair of pairs) pair.held = true;
    },
    heal() {
      dark = false;
      for (const pair of [...pairs]) if (pair.held) reset(pair);
    },
    connections: () => pairs.size,
    async close() {
      for (const pair of [...pairs]) reset(pair);
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
