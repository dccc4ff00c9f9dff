import { createServer, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type Koa from 'koa';
import type { Logger } from '../observability/logger';

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  logger: Logger;
  /** How long in-flight requests may take to finish once stopping starts. */
  shutdownGraceMs: number;
  /**
   * Once stopping starts, how long an idle keep-alive connection may still bring one more request
   * (answered with `Connection: close`) before it is closed. Default 250 ms.
   */
  idleNoticeMs?: number;
}

export interface RunningHttpServer {
  server: Server;
  /** Where it answers, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /**
   * Stops accepting connections; answers every request from then on with `Connection: close`; lets
   * requests in flight finish (up to the grace period, then cuts them); closes keep-alive
   * connections still idle after `idleNoticeMs`; resolves when every connection is gone.
   * Calling it again returns the same promise.
   */
  stop(): Promise<void>;
}

export async function startHttpServer(app: Koa, options: HttpServerOptions): Promise<RunningHttpServer> {
  const { logger } = options;
  const server = createServer(app.callback());
  const inFlight = new Set<ServerResponse>();
  let draining = false;

  server.on('request', (_req, res: ServerResponse) => {
    // A request that arrives on an open keep-alive connection is served, and then that connection ends.
    if (draining) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = urlOf(server.address() as AddressInfo);
  logger.info({ url }, 'HTTP server listening');

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      draining = true;
      logger.info({ inFlight: inFlight.size }, 'HTTP server stopping');
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      // http.Server.close() would also destroy every idle keep-alive socket at once, and a client
      // already writing its next request on one would see a reset. Only the listener stops here.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      const idleNotice = Math.min(options.idleNoticeMs ?? 250, options.shutdownGraceMs);
      await Promise.race([closed, delay(idleNotice)]);
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace_over'>((resolve) => {
        timer = setTimeout(() => resolve('grace_over'), options.shutdownGraceMs);
      });
      const outcome = await Promise.race([closed.then(() => 'closed' as const), graceOver]);
      clearTimeout(timer);
      if (outcome === 'grace_over') {
        logger.warn({ inFlight: inFlight.size, graceMs: options.shutdownGraceMs }, 'grace period over: cutting remaining connections');
        server.closeAllConnections();
        await closed;
      }
      logger.info('HTTP server stopped');
    })());

  return { server, url, stop };
}

function urlOf(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
