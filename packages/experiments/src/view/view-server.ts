import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetView } from './dataset-view.js';
import { readEval, readRollout, rolloutFramePath } from './eval-view.js';
import { readRun } from './run-view.js';
import type { ViewTarget } from './view-target.js';

/** Where the bundled page lives: `<package>/dist/web` (from src/view/ and from dist/view/ alike). */
export const WEB_ASSETS_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export interface ViewServerOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** Folder of the bundled page (default WEB_ASSETS_DIR). */
  readonly assetsDir?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The viewer's HTTP server, bound to 127.0.0.1 only. JSON under /api/, camera frames one per
 * request as raw RGB (`/api/dataset/episodes/<i>/frames/<camera>/<t>`, size in X-Width/X-Height),
 * the bundled page from `assetsDir`. Requests whose Host is not loopback are refused (DNS rebinding).
 */
export class ViewServer {
  private constructor(
    readonly target: ViewTarget,
    private readonly server: Server,
    private readonly dataset: DatasetView | undefined,
    readonly url: string,
  ) {}

  static async start(target: ViewTarget, options: ViewServerOptions = {}): Promise<ViewServer> {
    const assetsDir = options.assetsDir ?? WEB_ASSETS_DIR;
    if (!existsSync(join(assetsDir, 'index.html'))) {
      throw new Error(`view: the page is not built (${join(assetsDir, 'index.html')} is missing); run \`npm run build\` at the repository root`);
    }
    const dataset = target.dataset ? await DatasetView.open(target.dataset.root, target.dataset.format) : undefined;
    let self: ViewServer | undefined;
    const server = createServer((req, res) => {
      void self!.handle(req, res, assetsDir);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
      });
    } catch (err) {
      await dataset?.close();
      throw err;
    }
    const { port } = server.address() as AddressInfo;
    self = new ViewServer(target, server, dataset, `http://127.0.0.1:${port}/`);
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.dataset?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, assetsDir: string): Promise<void> {
    try {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) throw new HttpError(403, `host ${JSON.stringify(req.headers.host)} is not loopback`);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} not allowed`);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      if (parts[0] === 'api') await this.api(parts.slice(1), res);
      else this.asset(assetsDir, parts, res);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : err instanceof RangeError ? 404 : err instanceof URIError ? 400 : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: message }));
      } else res.destroy();
    }
  }

  private async api(p: string[], res: ServerResponse): Promise<void> {
    const t = this.target;
    const route = p.join('/');
    if (route === 'info') return json(res, { path: t.path, dataset: !!t.dataset, run: !!t.run, eval: !!t.eval });
    if (p[0] === 'dataset') {
      const ds = this.dataset;
      if (!ds) throw new HttpError(404, 'this view has no dataset');
      if (p.length === 1) return json(res, ds.summary());
      if (p[1] !== 'episodes' || p[2] === undefined) throw new HttpError(404, `no route /api/${route}`);
      const i = int(p[2], 'episode');
      if (p.length === 3) return json(res, await ds.series(i));
      if (p[3] === 'frames' && p.length === 6) {
        const frame = await ds.frame(i, p[4]!, int(p[5]!, 'frame'));
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'x-width': String(frame.width),
          'x-height': String(frame.height),
          'cache-control': 'max-age=3600',
        });
        res.end(frame.data);
        return;
      }
      if (p[3] === 'tactile' && p.length === 5) return json(res, await ds.tactileSeries(i, p[4]!));
      throw new HttpError(404, `no route /api/${route}`);
    }
    if (p[0] === 'run') {
      if (!t.run) throw new HttpError(404, 'this view has no training run');
      return json(res, await readRun(t.run.dir));
    }
    if (p[0] === 'eval') {
      if (!t.eval) throw new HttpError(404, 'this view has no evaluation');
      if (p.length === 1) return json(res, await readEval(t.eval.dir));
      if (p[1] === 'rollouts' && p.length === 3) return json(res, await readRollout(t.eval.dir, p[2]!));
      if (p[1] === 'frames' && p.length === 4) return file(res, rolloutFramePath(t.eval.dir, p[2]!, p[3]!));
    }
    throw new HttpError(404, `no route /api/${route}`);
  }

  private asset(assetsDir: string, parts: string[], res: ServerResponse): void {
    const rel = parts.length === 0 ? 'index.html' : normalize(parts.join(sep));
    if (rel.startsWith('..')) throw new HttpError(404, 'not found');
    file(res, join(assetsDir, rel));
  }
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

function file(res: ServerResponse, path: string): void {
  if (!existsSync(path) || !statSync(path).isFile()) throw new HttpError(404, `not found: ${path}`);
  res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
  createReadStream(path)
    .on('error', () => res.destroy())
    .pipe(res);
}

function int(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new HttpError(400, `${what} must be a non-negative integer, got ${JSON.stringify(s)}`);
  return Number(s);
}
