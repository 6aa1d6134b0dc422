/**
 * The monitor's HTTP routes: the live page and its assets, the event stream, the request
 * endpoint, sparkline history, `/metrics` and `/healthz`. With the UI off only `/metrics` and
 * `/healthz` exist.
 * @module
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import type { SensorHistory } from './history.js';
import type { LiveFeed } from './live-feed.js';
import type { MonitorMetrics } from './metrics.js';
import type { MonitorModel } from './model.js';
import { handleRequestCall } from './request-endpoint.js';

/** The page's files, shipped in the package's `web/monitor/` (the same place from `lib/` and `dist/`). */
const WEB_DIR = new URL('../../web/monitor/', import.meta.url);

/** Content types of the page's files, by extension; other files in the folder are not served. */
const TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** The page's files, read once. */
export interface PageAssets {
  /** `index.html` with its placeholders filled in. */
  readonly index: string;
  /** The other files by URL path, with their content type. */
  readonly files: ReadonlyMap<string, { type: string; body: Buffer }>;
}

/** What `index.html` is told. */
export interface PageSettings {
  readonly allowRequests: boolean;
  /** The per-process token (only put in the page when requests are allowed). */
  readonly token: string;
  /** Whether `/api/history` has a store behind it. */
  readonly history: boolean;
}

/** Read the page's files and fill in `index.html`'s placeholders. */
export async function loadPageAssets(settings: PageSettings): Promise<PageAssets> {
  const html = await readFile(new URL('index.html', WEB_DIR), 'utf8');
  const index = html
    .replaceAll('{{ALLOW_REQUESTS}}', String(settings.allowRequests))
    .replaceAll('{{TOKEN}}', settings.allowRequests ? settings.token : '')
    .replaceAll('{{HISTORY}}', String(settings.history));
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of await readdir(WEB_DIR)) {
    const type = TYPES[/^[a-z0-9-]+\.([a-z]+)$/.exec(name)?.[1] ?? ''];
    if (type !== undefined) files.set(`/${name}`, { type, body: await readFile(new URL(name, WEB_DIR)) });
  }
  return { index, files };
}

/** What the routes serve. */
export interface MonitorRoutes {
  readonly model: MonitorModel;
  readonly metrics: MonitorMetrics;
  /** The live page; undefined with the UI off. */
  readonly page: { readonly assets: PageAssets; readonly feed: LiveFeed; readonly allowRequests: boolean; readonly token: string } | undefined;
  /** True when the server listens on a loopback address: the page then answers only to loopback host names. */
  readonly loopbackOnly: () => boolean;
  readonly history: SensorHistory | undefined;
  /** Samples the history route returns at most. */
  readonly historyLimit: number;
  readonly clock: { now(): number };
  /** Something failed while answering (reported, never thrown). */
  readonly onError: (err: Error) => void;
}

/** Host headers naming this machine: `localhost`, `127.x.y.z` or `[::1]`, with any port. */
const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/** True for an address only this machine can reach. */
export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === '::ffff:127.0.0.1';
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

async function route(req: IncomingMessage, res: ServerResponse, r: MonitorRoutes): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://monitor.invalid');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const get = method === 'GET' || method === 'HEAD';
  if (path === '/metrics' || path === '/healthz') {
    if (!get) return sendJson(res, 405, { error: `${path} answers GET only` });
    if (path === '/metrics') return send(res, 200, r.metrics.contentType, await r.metrics.render());
    const devices = Object.fromEntries(r.model.devices.map((d) => [d.name, d.state]));
    return sendJson(res, 200, { status: 'ok', devices, sensors: r.model.sensorCount });
  }
  const page = r.page;
  if (page === undefined) return sendJson(res, 404, { error: 'not found (this monitor serves /metrics and /healthz only)' });
  // A page of another site whose name was rebound to 127.0.0.1 would be "same origin" with us;
  // its Host header still names that site, so a loopback-only monitor refuses it.
  if (r.loopbackOnly() && !LOOPBACK_HOST.test(req.headers.host ?? '')) return sendJson(res, 403, { error: 'this monitor answers to localhost, 127.0.0.1 and [::1] only' });
  if (path === '/api/request') {
    if (method !== 'POST') return sendJson(res, 405, { error: '/api/request answers POST only' });
    const answer = await handleRequestCall(req, { model: r.model, allowRequests: page.allowRequests, token: page.token });
    return sendJson(res, answer.status, answer.body);
  }
  if (!get) return sendJson(res, 405, { error: `${path} answers GET only` });
  if (path === '/') return send(res, 200, 'text/html; charset=utf-8', page.assets.index);
  if (path === '/events') return page.feed.attach(res);
  if (path === '/api/history') return history(url, res, r);
  const asset = page.assets.files.get(path);
  if (asset !== undefined) return send(res, 200, asset.type, asset.body);
  return sendJson(res, 404, { error: `not found: ${path}` });
}

async function history(url: URL, res: ServerResponse, r: MonitorRoutes): Promise<void> {
  if (r.history === undefined) return sendJson(res, 404, { error: 'no telescope-state store is configured' });
  const device = url.searchParams.get('device');
  const sensor = url.searchParams.get('sensor');
  const seconds = Number(url.searchParams.get('seconds') ?? '3600');
  if (device === null || sensor === null || !(seconds > 0)) return sendJson(res, 400, { error: 'history needs device, sensor and a positive seconds' });
  const samples = await r.history.history(device, sensor, r.clock.now() - seconds, r.historyLimit);
  return sendJson(res, 200, { device, sensor, samples });
}

/** An HTTP server answering the monitor's routes (not listening yet). */
export function createMonitorServer(routes: MonitorRoutes): Server {
  return createServer((req, res) => {
    route(req, res, routes).catch((err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      routes.onError(error);
      if (!res.headersSent) sendJson(res, 500, { error: error.message });
      else res.destroy();
    });
  });
}
