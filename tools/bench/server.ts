/**
 * A tiny static server for the benchmark page on 127.0.0.1 (a free port), cross-origin
 * isolated (COOP same-origin + COEP require-corp) so that onnxruntime-web can use threads.
 *
 *   /                 the page (an HTML shell loading /bench/page.js)
 *   /bench/<file>     the webpack output (dist/bench/) and the in-memory files given here
 *   /models/<file>    models/
 *   /ort/<file>       onnxruntime-web's dist/ (wasm glue .mjs and .wasm)
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

export const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.map': 'application/json; charset=utf-8',
};

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const page = (script: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>SPA benchmark</title></head>
<body><script type="module" src="${script}"></script></body></html>
`;

export interface BenchServerOptions {
  /** URL prefix (e.g. '/models/') -> folder served under it. */
  mounts: Record<string, string>;
  /** Exact URL path -> bytes served from memory. */
  memory: Record<string, Uint8Array | string>;
  /** The page's module script (default /bench/page.js). */
  pageScript?: string;
}

export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: Uint8Array | string): void {
  res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const mounts = Object.entries(options.mounts).map(([prefix, dir]) => [prefix, resolve(dir)] as const);
  const html = page(options.pageScript ?? '/bench/page.js');
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', `method ${req.method} not allowed`);
    if (path === '/' || path === '/index.html') return send(res, 200, MIME_TYPES['.html'], html);
    if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    const inMemory = options.memory[path];
    if (inMemory !== undefined) return send(res, 200, MIME_TYPES[extname(path)] ?? 'application/octet-stream', inMemory);
    for (const [prefix, dir] of mounts) {
      if (!path.startsWith(prefix)) continue;
      const file = resolve(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(dir + sep)) return send(res, 403, 'text/plain', 'outside the served folder');
      let size: number;
      try {
        const stat = statSync(file);
        if (!stat.isFile()) throw new Error('not a file');
        size = stat.size;
      } catch {
        return send(res, 404, 'text/plain', `${path} not found`);
      }
      res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': MIME_TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': size });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
      return;
    }
    send(res, 404, 'text/plain', `${path} not found`);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(ok => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
