/**
 * The SPA for OHIF server: one Node process that serves
 *   /                    the published OHIF viewer (viewer/dist-host), with a patched
 *                        index.html and our app-config.js; unknown paths fall back to
 *                        index.html (the viewer's client-side routes)
 *   /spa-plugin/         our plugin build (dist/: extension.js, mode.js, bootstrap.js)
 *   /models/             the repository's models/ folder
 *   /onnxruntime-web/    onnxruntime-web's dist files (.wasm, .mjs)
 *   /sample-dicomweb/    the sample study as a static DICOMweb tree
 *   /dicomweb/           reverse proxy to --dicomweb <url> (when given)
 * with Cross-Origin-Opener-Policy / Cross-Origin-Embedder-Policy headers on every
 * response (multi-threaded wasm needs cross-origin isolation), and with `--csp` a
 * Content-Security-Policy header too. Files carry an ETag and `Cache-Control: no-cache`
 * (hashed host bundles: immutable), so the browser keeps the model and revalidates it.
 *
 *   tsx viewer/server.ts [--port N] [--host H] [--dicomweb URL] [--csp POLICY]
 *   env: PORT (default 3000), HOST (default 127.0.0.1), DICOMWEB_URL
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildStaticDicomweb } from '../scripts/build-sample-dicomweb';
import { PACKAGE_JSON, PATHS, ROUTES } from '../scripts/projectConfig';
import { patchIndexHtml } from './indexHtml';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
};

const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface ServerOptions {
  port?: number;
  host?: string;
  /** Base URL of a DICOMweb server to proxy, e.g. http://127.0.0.1:8042/dicom-web */
  dicomweb?: string;
  /** Log each request (off by default). */
  verbose?: boolean;
  /**
   * A Content-Security-Policy header for every response (off by default). The tests use it
   * to prove that SPA's code runs without 'unsafe-eval' (see README, Reliability).
   */
  csp?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export class StartupError extends Error {}

function mimeFor(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Resolves `rel` under `root`; undefined when it escapes root. */
function safeJoin(root: string, rel: string): string | undefined {
  const decoded = decodeURIComponent(rel);
  const full = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  return full === root || full.startsWith(root + path.sep) ? full : undefined;
}

function isFile(p: string | undefined): p is string {
  try {
    return !!p && fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** A validator for a file as it is on disk now: changes when the file is replaced or rewritten. */
export function fileEtag(stat: fs.Stats): string {
  return `"${stat.size.toString(16)}-${Math.round(stat.mtimeMs).toString(16)}"`;
}

/**
 * Sends a file with an ETag; a request whose If-None-Match names the current ETag gets
 * 304 Not Modified without a body. `no-cache` (the default) lets the browser keep the file
 * but makes it revalidate on each use, so a replaced file (e.g. a retrained model) is
 * picked up at once while an unchanged one costs one empty 304.
 */
function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, type = mimeFor(file), cache = 'no-cache') {
  const stat = fs.statSync(file);
  const etag = fileEtag(stat);
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch && ifNoneMatch.split(',').some(tag => tag.trim().replace(/^W\//, '') === etag)) {
    res.writeHead(304, { ...ISOLATION_HEADERS, ETag: etag, 'Cache-Control': cache });
    return res.end();
  }
  res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': type, 'Content-Length': stat.size, 'Cache-Control': cache, ETag: etag });
  if (req.method === 'HEAD') return res.end();
  fs.createReadStream(file).pipe(res);
}

function notFound(res: http.ServerResponse, what: string) {
  send(res, 404, `Not found: ${what}\n`, 'text/plain; charset=utf-8');
}

/** Checks that a DICOMweb server answers a QIDO-RS study query. */
export async function probeDicomweb(base: string, timeoutMs = 5000): Promise<void> {
  let url: URL;
  try {
    url = new URL(base.replace(/\/+$/, '') + '/studies?limit=1');
  } catch {
    throw new StartupError(`--dicomweb "${base}" is not a valid URL (expected e.g. http://127.0.0.1:8042/dicom-web)`);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { headers: { Accept: 'application/dicom+json' }, signal: controller.signal });
    if (!response.ok) {
      throw new StartupError(`the DICOMweb server at ${base} answered ${url.pathname} with HTTP ${response.status}`);
    }
    await response.arrayBuffer();
  } catch (err) {
    if (err instanceof StartupError) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new StartupError(`cannot reach the DICOMweb server at ${base} (${cause}). Is it running? (npm run pacs:start starts the project's Orthanc)`);
  } finally {
    clearTimeout(timer);
  }
}

function proxy(req: http.IncomingMessage, res: http.ServerResponse, upstreamBase: URL, subPath: string) {
  const publicBase = `http://${req.headers.host}${ROUTES.dicomwebProxy}`;
  const upstreamRoot = upstreamBase.href.replace(/\/+$/, '');
  const target = new URL(upstreamRoot + subPath);
  const headers: http.OutgoingHttpHeaders = { ...req.headers, host: upstreamBase.host, 'accept-encoding': 'identity' };
  delete headers.origin;
  delete headers.referer;
  delete headers.cookie;
  const client = target.protocol === 'https:' ? https : http;
  const upstream = client.request(target, { method: req.method, headers }, upRes => {
    const type = String(upRes.headers['content-type'] ?? '');
    const outHeaders: http.OutgoingHttpHeaders = { ...upRes.headers, ...ISOLATION_HEADERS };
    delete outHeaders['access-control-allow-origin'];
    if (typeof outHeaders.location === 'string') outHeaders.location = outHeaders.location.split(upstreamRoot).join(publicBase);
    if (/json/i.test(type)) {
      // Absolute URLs in metadata (e.g. BulkDataURI) point at the upstream; rewrite them.
      const chunks: Buffer[] = [];
      upRes.on('data', c => chunks.push(c));
      upRes.on('end', () => {
        const body = Buffer.from(Buffer.concat(chunks).toString('utf8').split(upstreamRoot).join(publicBase));
        delete outHeaders['transfer-encoding'];
        outHeaders['content-length'] = String(body.length);
        res.writeHead(upRes.statusCode ?? 502, outHeaders);
        res.end(body);
      });
      return;
    }
    res.writeHead(upRes.statusCode ?? 502, outHeaders);
    upRes.pipe(res);
  });
  upstream.on('error', err => {
    if (!res.headersSent) send(res, 502, `DICOMweb proxy: ${upstreamRoot} unreachable (${err.message})\n`, 'text/plain; charset=utf-8');
    else res.destroy(err);
  });
  req.pipe(upstream);
}

/** Serves the static DICOMweb tree: `<path>/index.json` for queries and metadata, raw frames. */
function serveStaticDicomweb(req: http.IncomingMessage, res: http.ServerResponse, subPath: string) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, 'The sample study is read-only (static DICOMweb)\n', 'text/plain; charset=utf-8');
  }
  const dir = safeJoin(PATHS.sampleDicomweb, subPath);
  if (!dir) return notFound(res, subPath);
  const index = path.join(dir, 'index.json');
  if (isFile(index)) return sendFile(req, res, index, 'application/dicom+json');
  if (/\/frames\/\d+$/.test(subPath) && isFile(dir)) {
    // WADO-RS answers frames as multipart/related, as a PACS does. (A bare
    // application/octet-stream body lets the image loader decode a partly received
    // frame now and then: "offset is out of bounds".)
    const boundary = `spa-frame-${Date.now().toString(16)}`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream; transfer-syntax=${EXPLICIT_VR_LE}\r\n\r\n`),
      fs.readFileSync(dir),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return send(res, 200, req.method === 'HEAD' ? '' : body, `multipart/related; type="application/octet-stream"; boundary=${boundary}`, {
      'Cache-Control': 'no-cache',
    });
  }
  return notFound(res, subPath);
}

function runtimeConfigScript(dicomweb: URL | undefined): string {
  const runtime = {
    sampleDicomwebPath: ROUTES.sampleDicomweb,
    ortPath: ROUTES.ort,
    extensionModule: PACKAGE_JSON.name,
    modeModule: PACKAGE_JSON.ohif.modeName,
    dicomweb: dicomweb ? { path: ROUTES.dicomwebProxy, upstream: dicomweb.href.replace(/\/+$/, '') } : null,
  };
  return `window.SPA_RUNTIME = ${JSON.stringify(runtime)};\n`;
}

function checkBuildOutputs(): void {
  if (!isFile(path.join(PATHS.hostDist, 'index.html'))) {
    throw new StartupError(`the OHIF viewer is not unpacked in ${PATHS.hostDist}; run \`npm install\` (or \`npm run host:fetch\`)`);
  }
  for (const f of ['extension.js', 'mode.js', 'bootstrap.js']) {
    if (!isFile(path.join(PATHS.pluginDist, f))) {
      throw new StartupError(`the plugin is not built (${path.join(PATHS.pluginDist, f)} missing); run \`npm run build\``);
    }
  }
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  checkBuildOutputs();
  buildStaticDicomweb();
  if (options.dicomweb) await probeDicomweb(options.dicomweb);
  const dicomweb = options.dicomweb ? new URL(options.dicomweb) : undefined;

  const hostHtml = fs.readFileSync(path.join(PATHS.hostDist, 'index.html'), 'utf8');
  const indexHtml = patchIndexHtml(hostHtml, {
    imports: {
      [PACKAGE_JSON.name]: `${ROUTES.plugin}extension.js`,
      [PACKAGE_JSON.ohif.modeName]: `${ROUTES.plugin}mode.js`,
    },
    runtimeConfigSrc: ROUTES.runtimeConfig,
    bootstrapSrc: `${ROUTES.plugin}bootstrap.js`,
  });
  const runtimeJs = runtimeConfigScript(dicomweb);

  const mounts: Array<[string, string]> = [
    [ROUTES.plugin, PATHS.pluginDist],
    [ROUTES.models, PATHS.models],
    [ROUTES.ort, PATHS.ortDist],
  ];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.pathname;
    if (options.verbose) console.log(`${req.method} ${req.url}`);
    if (options.csp) res.setHeader('Content-Security-Policy', options.csp);
    try {
      if (dicomweb && (p === ROUTES.dicomwebProxy || p.startsWith(ROUTES.dicomwebProxy + '/'))) {
        return proxy(req, res, dicomweb, p.slice(ROUTES.dicomwebProxy.length) + url.search);
      }
      if (p.startsWith(ROUTES.sampleDicomweb + '/')) {
        return serveStaticDicomweb(req, res, p.slice(ROUTES.sampleDicomweb.length));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(res, 405, 'Method not allowed\n', 'text/plain; charset=utf-8');
      }
      if (p === ROUTES.runtimeConfig) return send(res, 200, runtimeJs, MIME['.js'], { 'Cache-Control': 'no-cache' });
      if (p === '/app-config.js') return sendFile(req, res, PATHS.appConfig);
      if (p === '/favicon.ico') return sendFile(req, res, path.join(PATHS.hostDist, 'assets', 'favicon.ico'));
      for (const [prefix, root] of mounts) {
        if (p.startsWith(prefix)) {
          const file = safeJoin(root, p.slice(prefix.length));
          return isFile(file) ? sendFile(req, res, file) : notFound(res, p);
        }
      }
      if (p !== '/' && p !== '/index.html') {
        const file = safeJoin(PATHS.hostDist, p);
        if (isFile(file)) {
          const hashed = /\.[0-9a-f]{16}\.(js|wasm)$|^[0-9a-f]{16}\.wasm$/.test(path.basename(file));
          return sendFile(req, res, file, mimeFor(file), hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
        }
        if (path.extname(p) && !p.endsWith('.html')) return notFound(res, p);
      }
      // Client-side routes (/, /spa, /viewer, ...) get the patched index.html.
      return send(res, 200, indexHtml, MIME['.html'], { 'Cache-Control': 'no-cache' });
    } catch (err) {
      console.error(`[server] ${req.method} ${req.url}: ${(err as Error).stack}`);
      if (!res.headersSent) send(res, 500, 'Internal error\n', 'text/plain; charset=utf-8');
    }
  });

  const host = options.host ?? '127.0.0.1';
  const wantedPort = options.port ?? 3000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new StartupError(`port ${wantedPort} on ${host} is already in use; choose another with PORT=… or --port …`)
          : err
      )
    );
    server.listen(wantedPort, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseArgs(argv: string[]): ServerOptions {
  const options: ServerOptions = {
    port: process.env.PORT ? Number(process.env.PORT) : 3000,
    host: process.env.HOST || '127.0.0.1',
    dicomweb: process.env.DICOMWEB_URL || undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--port') options.port = Number(value());
    else if (flag === '--host') options.host = value();
    else if (flag === '--dicomweb') options.dicomweb = value();
    else if (flag === '--verbose') options.verbose = true;
    else if (flag === '--csp') options.csp = value();
    else if (flag === '--help' || flag === '-h') {
      console.log('usage: npm start -- [--port N] [--host H] [--dicomweb URL] [--csp POLICY] [--verbose]');
      process.exit(0);
    } else throw new StartupError(`unknown option ${arg}; one of --port, --host, --dicomweb, --csp, --verbose`);
  }
  if (!Number.isInteger(options.port) || options.port! < 0 || options.port! > 65535) {
    throw new StartupError(`invalid port "${options.port}"`);
  }
  return options;
}

async function main() {
  try {
    const options = parseArgs(process.argv.slice(2));
    const running = await startServer(options);
    const source = options.dicomweb ? `DICOMweb server ${options.dicomweb} (proxied at ${ROUTES.dicomwebProxy})` : 'the embedded sample study (LIDC-IDRI-0001)';
    console.log(`SPA for OHIF is running at ${running.url}/  — data source: ${source}`);
    const stop = () => running.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (err) {
    if (err instanceof StartupError) {
      console.error(`SPA for OHIF: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('viewer', 'server.ts'))) {
  void main();
}
