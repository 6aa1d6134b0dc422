/**
 * {@link LiveFeed}: the page's live updates as server-sent events. A new page gets a
 * `snapshot`; after that, changes are batched and sent at most once per flush interval:
 * `devices` (state, counters, requests), `removed` (sensor ids), `added` (sensors with their
 * readings) and `update` (`[id, value, status, timestamp]` rows, the latest reading of each
 * sensor that changed). A page whose connection falls too far behind is cut off; its
 * EventSource reconnects and starts again from a snapshot, so nothing is lost. The page keeps its
 * sparklines across reconnects itself (`web/monitor/store.js` merges a snapshot by device and
 * sensor name), so the server sends no history with the snapshot.
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { DeviceEntry, MonitorModel, SensorEntry } from './model.js';
import { jsonValue } from './values.js';
import type { JsonValue } from './values.js';

/** A device as the page receives it. */
export interface DeviceJson {
  name: string;
  address: string;
  state: string;
  reconnects: number;
  messages: number;
  requests: { name: string; description: string; timeoutHint: number | null }[];
}

/** A sensor as the page receives it. */
export interface SensorJson {
  id: number;
  device: string;
  name: string;
  type: string;
  units: string;
  description: string;
  params: readonly string[];
  value: JsonValue;
  status: string;
  timestamp: number;
}

/** One reading as the page receives it: `[id, value, status, timestamp]`. */
export type UpdateRow = [number, JsonValue, string, number];

/** Bytes a page may have queued and unsent before it is cut off. */
const MAX_BACKLOG = 8 * 1024 * 1024;

/** The device's JSON. */
export function deviceJson(d: DeviceEntry): DeviceJson {
  return {
    name: d.name,
    address: d.resource.addressString,
    state: d.state,
    reconnects: d.reconnects,
    messages: d.messagesReceived,
    requests: Object.values(d.resource.req)
      .map((r) => ({ name: r.name, description: r.description, timeoutHint: r.timeoutHint ?? null }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** The sensor's JSON, with its latest reading. */
export function sensorJson(e: SensorEntry): SensorJson {
  const s = e.sensor;
  const r = s.reading;
  return { id: e.id, device: e.device, name: s.name, type: s.type, units: s.units, description: s.description, params: s.params, value: jsonValue(r.value), status: r.status, timestamp: r.timestamp };
}

function updateRow(e: SensorEntry): UpdateRow {
  const r = e.sensor.reading;
  return [e.id, jsonValue(r.value), r.status, r.timestamp];
}

/** The server-sent event stream behind the live page. */
export class LiveFeed {
  readonly #model: MonitorModel;
  readonly #clock: Clock;
  readonly #interval: number;
  readonly #pages = new Set<ServerResponse>();
  readonly #dirtyDevices = new Set<DeviceEntry>();
  readonly #added = new Map<number, SensorEntry>();
  readonly #removed = new Set<number>();
  readonly #updated = new Map<number, SensorEntry>();
  #timer: TimerHandle | undefined;
  #closed = false;

  /** Follow `model`; batches go out every `interval` ms at most. */
  constructor(model: MonitorModel, clock: Clock, interval: number) {
    this.#model = model;
    this.#clock = clock;
    this.#interval = interval;
    model.on('device', (d) => this.#pending(() => this.#dirtyDevices.add(d)));
    model.on('sensorAdded', (e) => this.#pending(() => this.#added.set(e.id, e)));
    model.on('sensorRemoved', (e) =>
      this.#pending(() => {
        if (!this.#added.delete(e.id)) this.#removed.add(e.id);
        this.#updated.delete(e.id);
      }),
    );
    model.on('reading', (e) => {
      if (this.#pages.size > 0 && !this.#added.has(e.id)) this.#pending(() => this.#updated.set(e.id, e));
    });
  }

  /** Pages connected now. */
  get pageCount(): number {
    return this.#pages.size;
  }

  /** Serve the stream on `res` (a `GET` of the event stream): headers, snapshot, then batches. */
  attach(res: ServerResponse): void {
    if (this.#closed) {
      res.writeHead(503).end();
      return;
    }
    // x-accel-buffering: a reverse proxy in front must pass events on at once, not buffer them.
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    this.#pages.add(res);
    res.on('close', () => this.#pages.delete(res));
    const snapshot = { devices: this.#model.devices.map(deviceJson), sensors: [...this.#model.sensors].map(sensorJson) };
    this.#send(res, 'snapshot', snapshot);
  }

  /** End every stream and stop sending. */
  close(): void {
    this.#closed = true;
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    for (const res of this.#pages) res.end();
    this.#pages.clear();
  }

  #pending(record: () => void): void {
    if (this.#closed) return;
    record();
    this.#timer ??= this.#clock.setTimer(() => this.#flush(), this.#interval);
  }

  /** Send what changed since the last batch, in an order the page can apply one by one. */
  #flush(): void {
    this.#timer = undefined;
    const messages: [string, unknown][] = [];
    if (this.#dirtyDevices.size > 0) messages.push(['devices', [...this.#dirtyDevices].map(deviceJson)]);
    if (this.#removed.size > 0) messages.push(['removed', [...this.#removed]]);
    if (this.#added.size > 0) messages.push(['added', [...this.#added.values()].map(sensorJson)]);
    if (this.#updated.size > 0) messages.push(['update', [...this.#updated.values()].map(updateRow)]);
    this.#dirtyDevices.clear();
    this.#removed.clear();
    this.#added.clear();
    this.#updated.clear();
    const text = messages.map(([event, data]) => frame(event, data)).join('');
    if (text === '') return;
    for (const res of this.#pages) this.#write(res, text);
  }

  #send(res: ServerResponse, event: string, data: unknown): void {
    this.#write(res, frame(event, data));
  }

  #write(res: ServerResponse, text: string): void {
    if (res.writableLength > MAX_BACKLOG) {
      // Too far behind: cut it off rather than buffer without bound; the page reconnects.
      this.#pages.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
