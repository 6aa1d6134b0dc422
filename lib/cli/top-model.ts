/**
 * The data behind `katcp top`: one client and sensor watcher per device, the latest reading of
 * every sensor, each device's connection/sync state, and requests typed in the view. No terminal
 * code here; the view (top.ts) polls {@link TopModel.version} and takes {@link TopModel.rows}.
 * @module
 */
import type { Client } from '../client/client.js';
import { SensorWatcher } from '../client/sensor-watcher.js';
import type { CliAddress } from './common.js';
import { describeError } from './common.js';
import { makeClient } from './connect.js';
import { readableMessage, showValue, splitWords } from './format.js';

/** One sensor row. */
export interface TopRow {
  device: string;
  name: string;
  value: string;
  units: string;
  status: string;
  /** Seconds since the epoch (NaN before the first reading). */
  timestamp: number;
}

/** Columns the view can sort by. */
export const SORT_KEYS = ['name', 'device', 'status', 'age', 'value'] as const;
/** One of {@link SORT_KEYS}. */
export type SortKey = (typeof SORT_KEYS)[number];

// Worst first when sorting by status.
const STATUS_RANK: Readonly<Record<string, number>> = { failure: 0, error: 1, unreachable: 2, warn: 3, unknown: 4, inactive: 5, nominal: 6 };

/** One device of the view. */
class DeviceFeed {
  readonly addr: CliAddress;
  readonly client: Client;
  readonly watcher: SensorWatcher;

  constructor(addr: CliAddress, debug: boolean, changed: () => void, rows: Map<string, TopRow>) {
    this.addr = addr;
    this.client = makeClient(addr, { reconnect: 'always', debug });
    this.watcher = new SensorWatcher(this.client);
    const key = (name: string): string => `${addr.label}\u0000${name}`;
    this.watcher.on('sensorAdded', (s) => {
      rows.set(key(s.name), { device: addr.label, name: s.name, value: '', units: s.units, status: s.status, timestamp: NaN });
      changed();
    });
    this.watcher.on('sensorRemoved', (s) => {
      rows.delete(key(s.name));
      changed();
    });
    this.watcher.on('sensorUpdated', (s, r) => {
      rows.set(key(s.name), { device: addr.label, name: s.name, value: showValue(r.value), units: s.units, status: r.status, timestamp: r.timestamp });
      changed();
    });
    this.watcher.on('stateChange', (state) => {
      // Going unreachable is not reported per sensor by the watcher's events.
      if (state === 'disconnected') for (const [k, row] of rows) if (row.device === addr.label) rows.set(k, { ...row, status: 'unreachable' });
      changed();
    });
    this.client.on('stateChange', changed);
  }

  /** `connected/synced`, `connecting`, ... for the header. */
  get state(): string {
    const c = this.client.state;
    return c === 'connected' ? `connected, ${this.watcher.state}` : c;
  }
}

/** Everything `katcp top` shows. */
export class TopModel {
  readonly #devices: DeviceFeed[];
  readonly #rows = new Map<string, TopRow>();
  #version = 0;
  readonly #replies: string[] = [];

  constructor(addresses: readonly CliAddress[], debug: boolean) {
    const changed = (): void => void this.#version++;
    this.#devices = addresses.map((a) => new DeviceFeed(a, debug, changed, this.#rows));
  }

  /** Bumped on every change. */
  get version(): number {
    return this.#version;
  }

  /** Device label and state, in command-line order. */
  get devices(): { label: string; state: string; sensors: number }[] {
    return this.#devices.map((d) => ({ label: d.addr.label, state: d.state, sensors: d.watcher.sensors.size }));
  }

  /** The last lines of request output (newest last). */
  get replies(): readonly string[] {
    return this.#replies;
  }

  /** The rows whose device or name contains `filter`, sorted by `key`. */
  rows(filter: string, key: SortKey, now: number): TopRow[] {
    const out = [...this.#rows.values()].filter((r) => filter === '' || r.name.includes(filter) || (this.#devices.length > 1 && r.device.includes(filter)));
    const byName = (a: TopRow, b: TopRow): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.device < b.device ? -1 : a.device > b.device ? 1 : 0);
    const cmp: Record<SortKey, (a: TopRow, b: TopRow) => number> = {
      name: byName,
      device: (a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : byName(a, b)),
      status: (a, b) => (STATUS_RANK[a.status] ?? 9) - (STATUS_RANK[b.status] ?? 9) || byName(a, b),
      age: (a, b) => ageOf(a, now) - ageOf(b, now) || byName(a, b),
      value: (a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : byName(a, b)),
    };
    return out.sort(cmp[key]);
  }

  /** Send a typed request line to every device; the output lands in {@link replies}. */
  async request(line: string): Promise<void> {
    let words: string[];
    try {
      words = splitWords(line.trim());
    } catch (err) {
      this.#reply(describeError(err, false));
      return;
    }
    const [first, ...args] = words;
    if (first === undefined) return;
    const name = first.replace(/^\?/, '');
    const prefix = (d: DeviceFeed): string => (this.#devices.length > 1 ? `${d.addr.label} ` : '');
    await Promise.all(
      this.#devices.map(async (d) => {
        try {
          const { reply, informs } = await d.client.requestRaw(name, ...args);
          for (const m of informs.slice(-5)) this.#reply(`${prefix(d)}${readableMessage(m)}`);
          this.#reply(`${prefix(d)}${readableMessage(reply)}`);
        } catch (err) {
          this.#reply(`${prefix(d)}${describeError(err, false)}`);
        }
      }),
    );
  }

  #reply(line: string): void {
    this.#replies.push(line);
    if (this.#replies.length > 5) this.#replies.splice(0, this.#replies.length - 5);
    this.#version++;
  }

  async close(): Promise<void> {
    for (const d of this.#devices) d.watcher.close();
    await Promise.all(this.#devices.map((d) => d.client.close()));
  }
}

/** Seconds since the reading (Infinity before the first one). */
export function ageOf(row: TopRow, now: number): number {
  return Number.isNaN(row.timestamp) ? Infinity : Math.max(0, now - row.timestamp);
}
