/**
 * Subscribing while a full `?sensor-list` is still arriving: a lister hands over each
 * listed sensor that needs a strategy, and every bulk chunk is requested as soon as it is full,
 * so the device sets strategies (and sends first readings) while the client is still reading and
 * mirroring the rest of the list. Without this, the device would sit idle until the client had
 * taken in the whole list, and the client idle while the device subscribed.
 * @module
 */
import { BULK_CHUNK_BYTES, BULK_CHUNK_NAMES } from './sampling.js';
import type { RemoteSensor, WantedStrategy } from './sensor-entry.js';
import { NONE } from './sensor-entry.js';

/** Sensors to subscribe with one strategy. */
export interface SamplingPlan {
  /** `?sensor-sampling` arguments after the names. */
  readonly args: readonly string[];
  readonly sensors: RemoteSensor[];
  /** True when `sensors` already fit one bulk request (at most {@link BULK_CHUNK_NAMES} names and {@link BULK_CHUNK_BYTES} bytes). */
  readonly chunked?: boolean;
}

interface Pending {
  readonly key: string;
  readonly args: readonly string[];
  sensors: RemoteSensor[];
  bytes: number;
  /** The sensors were added in name order (as devices list them): no sort is needed. */
  sorted: boolean;
}

/** UTF-8 length of a sensor name, without a native call for the usual ASCII name. */
function byteLength(name: string): number {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) >= 0x80) return Buffer.byteLength(name);
  return name.length;
}

// What a chunk holds once sent, until its next sensor: never pushed to (see `add`).
const NO_SENSORS: RemoteSensor[] = [];

const byName = (a: RemoteSensor, b: RemoteSensor): number => (a.info.name < b.info.name ? -1 : a.info.name > b.info.name ? 1 : 0);

/**
 * Collects sensors per wanted strategy into bulk chunks (at most {@link BULK_CHUNK_NAMES} names
 * and {@link BULK_CHUNK_BYTES} bytes of names, like `chunkByName`) and starts `subscribe` for
 * each chunk once it is full, or when {@link flush} is called.
 */
export class EarlySampling {
  readonly #subscribe: (plan: SamplingPlan) => Promise<void>;
  readonly #pending = new Map<string, Pending>();
  readonly #started: Promise<void>[] = [];
  // The strategy of the previous sensor: sensors of one kind come in long runs.
  #last: Pending | undefined;

  /** @param subscribe sets the strategy of one chunk (rejects only on failures other than a reply) */
  constructor(subscribe: (plan: SamplingPlan) => Promise<void>) {
    this.#subscribe = subscribe;
  }

  /** Number of chunks requested so far. */
  get started(): number {
    return this.#started.length;
  }

  /** Queue `s` for `wanted` (ignored for `none`). The caller queues each sensor once. */
  add(s: RemoteSensor, wanted: WantedStrategy): void {
    if (wanted.key === NONE) return;
    let p = this.#last;
    if (p === undefined || p.key !== wanted.key) {
      p = this.#pending.get(wanted.key);
      if (p === undefined) this.#pending.set(wanted.key, (p = { key: wanted.key, args: wanted.args, sensors: NO_SENSORS, bytes: 0, sorted: true }));
      this.#last = p;
    }
    const name = s.info.name;
    const len = byteLength(name);
    if (p.sensors.length > 0 && p.bytes + 1 + len > BULK_CHUNK_BYTES) this.#send(p);
    const n = p.sensors.length;
    if (n > 0 && name < p.sensors[n - 1]!.info.name) p.sorted = false;
    p.bytes += (n > 0 ? 1 : 0) + len;
    // A chunk's array is made here, holding its first sensor: an empty literal elsewhere (run
    // once per chunk, too rarely for V8 to track its element kind) made each chunk start as a
    // small-integer array, and the push this path had inlined deoptimised on it ("not a Smi").
    if (n === 0) p.sensors = [s];
    else p.sensors.push(s);
    if (p.sensors.length >= BULK_CHUNK_NAMES) this.#send(p);
  }

  /** Request every queued sensor now (the list is complete). */
  flush(): void {
    for (const p of this.#pending.values()) if (p.sensors.length > 0) this.#send(p);
  }

  /** Waits for every chunk requested; resolves with the first failure, if any. */
  async settle(): Promise<Error | undefined> {
    const results = await Promise.allSettled(this.#started);
    for (const r of results) {
      if (r.status === 'rejected') return r.reason instanceof Error ? r.reason : new Error(`sensor sampling failed: ${String(r.reason)}`);
    }
    return undefined;
  }

  #send(p: Pending): void {
    // A sort copies the chunk and calls the comparator per name even when it is in order.
    const sensors = p.sorted ? p.sensors : p.sensors.sort(byName);
    p.sensors = NO_SENSORS;
    p.bytes = 0;
    p.sorted = true;
    this.#started.push(this.#subscribe({ args: p.args, sensors, chunked: true }));
  }
}
