import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsServer {
  /** host:port it listens on (the bound port when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves Prometheus text exposition on GET /metrics (and 200 on /healthz); anything else is 404. `listen` is
 * "host:port"; port 0 picks a free one.
 */
export async function startMetricsServer(listen: string, metrics: () => Promise<string>, contentType: string): Promise<MetricsServer> {
  const cut = listen.lastIndexOf(':');
  const host = listen.slice(0, cut);
  const port = Number(listen.slice(cut + 1));
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    metrics().then(
      (text) => res.writeHead(200, { 'content-type': contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    address: `${host === '0.0.0.0' || host === '' || host === '::' ? '127.0.0.1' : host}:${a.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
