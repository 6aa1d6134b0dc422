/**
 * `startMonitor(options)`: watch devices through a resource container and serve the live page,
 * `/metrics` and `/healthz`.
 *
 * ```ts
 * const monitor = await startMonitor({ devices: ['demo=127.0.0.1:7147'], port: 0 });
 * console.log(monitor.url);          // http://127.0.0.1:PORT/
 * await monitor.close();
 * ```
 * @module
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KatcpError, KatcpErrorCode, KatcpTypeError } from '../errors.js';
import { KATCPClientResourceContainer } from '../resource/container.js';
import type { ChildResourceSpec } from '../resource/spec.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { checkOptions } from '../util/options.js';
import { parseDeviceArgument } from './device-argument.js';
import type { SensorHistory } from './history.js';
import { createMonitorServer, isLoopback, loadPageAssets } from './http.js';
import { LiveFeed } from './live-feed.js';
import { MonitorMetrics } from './metrics.js';
import { MonitorModel } from './model.js';

/** Options of {@link startMonitor}. */
export interface MonitorOptions {
  /** The devices: `'host:port'` or `'name=host:port'` (the name defaults to the address). */
  devices: readonly string[];
  /** Address to serve on (default `127.0.0.1`: only this machine). */
  host?: string;
  /** Port to serve on (default 8080; 0 picks a free one). */
  port?: number;
  /** Let the page send requests to the devices (default false: the endpoint answers 403). */
  allowRequests?: boolean;
  /** Serve the live page (default true); false serves only `/metrics` and `/healthz`. */
  ui?: boolean;
  /** Earlier values for the sparklines (e.g. {@link telstateHistory} over a telescope-state store). */
  history?: SensorHistory;
  /** Longest interval between a reading and its batch to the page, in ms (default 50). */
  flushInterval?: number;
  /** Time source (default the system clock). */
  clock?: Clock;
  /** Extra settings for every device's resource client (reconnect backoff, timeouts...). */
  resource?: Omit<ChildResourceSpec, 'address' | 'clock'>;
  /** Called for problems the monitor works around (a refused strategy, a failed sync); default: ignore. */
  onWarning?: (device: string, error: Error) => void;
}

const OPTION_KEYS = ['devices', 'host', 'port', 'allowRequests', 'ui', 'history', 'flushInterval', 'clock', 'resource', 'onWarning'];

/** Samples of history sent per sensor at most. */
const HISTORY_LIMIT = 500;

/** A running monitor. */
export class Monitor {
  /** The devices and sensors being watched. */
  readonly model: MonitorModel;
  /** The Prometheus side. */
  readonly metrics: MonitorMetrics;
  /** Whether the page may send requests. */
  readonly allowRequests: boolean;
  /** Whether the live page is served. */
  readonly ui: boolean;
  readonly #server: Server;
  readonly #feed: LiveFeed | undefined;
  #closing: Promise<void> | undefined;

  /** @internal use {@link startMonitor} */
  constructor(parts: { model: MonitorModel; metrics: MonitorMetrics; server: Server; feed: LiveFeed | undefined; allowRequests: boolean }) {
    this.model = parts.model;
    this.metrics = parts.metrics;
    this.#server = parts.server;
    this.#feed = parts.feed;
    this.allowRequests = parts.allowRequests;
    this.ui = parts.feed !== undefined;
  }

  /** Where the server listens. */
  get address(): { host: string; port: number } {
    const a = this.#server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** The page's URL (`http://host:port/`). */
  get url(): string {
    const { host, port } = this.address;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  }

  /** What the server exposes, one line each (printed on start-up by `katcp monitor`). */
  describe(): string[] {
    const lines: string[] = [];
    const devices = this.model.devices.map((d) => `${d.name} (${d.resource.addressString})`).join(', ');
    lines.push(`katcp monitor: watching ${devices}`);
    if (this.ui) lines.push(`live page: ${this.url}`);
    lines.push(`Prometheus metrics: ${this.url}metrics`, `liveness: ${this.url}healthz`);
    if (this.ui) {
      lines.push(
        this.allowRequests
          ? 'requests from the page: ENABLED (--allow-requests): anyone who can open the page can control the devices'
          : 'requests from the page: disabled (read-only; --allow-requests enables them)',
      );
    }
    const { host } = this.address;
    if (!isLoopback(host)) lines.push(`warning: listening on ${host}, reachable from other machines`);
    return lines;
  }

  /** Stop serving (open event streams end) and disconnect from the devices. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#feed?.close();
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.#server.closeAllConnections();
      await Promise.all([closed, this.model.stop()]);
    })();
    return this.#closing;
  }
}

/**
 * Start watching `devices` and serving. Resolves once the server listens (the devices connect
 * in the background).
 * @throws KatcpTypeError / KatcpRangeError for bad options; KatcpError when it cannot listen
 */
export async function startMonitor(options: MonitorOptions): Promise<Monitor> {
  checkOptions(options, OPTION_KEYS, 'startMonitor', { durations: ['flushInterval'] });
  const { devices, host = '127.0.0.1', port = 8080, allowRequests = false, ui = true, history, flushInterval = 50, clock = systemClock, resource = {}, onWarning } = options;
  if (!Array.isArray(devices) || devices.length === 0) throw new KatcpTypeError('options', 'startMonitor: devices must be a non-empty array of "host:port" or "name=host:port"');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KatcpTypeError('options', `startMonitor: port must be an integer from 0 to 65535, not ${String(port)}`);
  const clients: Record<string, ChildResourceSpec> = {};
  for (const text of devices) {
    const { name, address } = parseDeviceArgument(String(text));
    if (Object.hasOwn(clients, name)) throw new KatcpTypeError('options', `startMonitor: device name ${JSON.stringify(name)} is given twice`);
    clients[name] = { ...resource, address, controlled: true };
  }
  const container = new KATCPClientResourceContainer({ name: 'monitor', clients, clock });
  const model = new MonitorModel(container);
  if (onWarning !== undefined) model.on('warning', onWarning);
  const metrics = new MonitorMetrics(model);
  const token = randomBytes(24).toString('base64url');
  const feed = ui ? new LiveFeed(model, clock, flushInterval) : undefined;
  const page = feed === undefined ? undefined : { assets: await loadPageAssets({ allowRequests, token, history: history !== undefined }), feed, allowRequests, token };
  const server = createMonitorServer({
    model,
    metrics,
    page,
    history,
    historyLimit: HISTORY_LIMIT,
    clock,
    loopbackOnly: () => isLoopback((server.address() as AddressInfo | null)?.address ?? ''),
    onError: (err) => onWarning?.('http', err),
  });
  server.listen(port, host);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err as Error))]);
  } catch (err) {
    feed?.close();
    throw new KatcpError(`katcp monitor cannot listen on ${host}:${port}: ${(err as Error).message}`, KatcpErrorCode.Generic, { cause: err });
  }
  model.start();
  return new Monitor({ model, metrics, server, feed, allowRequests });
}
