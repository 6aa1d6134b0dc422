/**
 * Subscribing while a full `?sensor-list` is still arriving: the sensor monitor hands over each
 * listed sensor that needs a strategy, and every bulk chunk is requested as soon as it is full,
 * so the device sets strategies (and sends first readings) while the client is still reading and
 * mirroring the rest of the list. Without this, the device would sit idle until the client had
 * taken in the whole list, and the client idle while the device subscribed.
 * @module
 */
import { BULK_CHUNK_BYTES, BULK_CHUNK_NAMES } from './sampling.js';
import type { RemoteSensor, WantedStrategy } from './sensor-registry.js';
import { NONE } from './sensor-registry.js';

/** Sensors to subscribe with one strategy. */
export interface SamplingPlan {
  /** `?sensor-sampling` arguments after the names. */
  readonly args: readonly string[];
  readonly sensors: RemoteSensor[];
}

interface Pending {
  readonly args: readonly string[];
  sensors: RemoteSensor[];
  bytes: number;
}

const byName = (a: RemoteSensor, b: RemoteSensor): number => (a.info.name < b.info.name ? -1 : a.info.name > b.info.name ? 1 : 0);

/**
 * Collects sensors per wanted strategy into bulk chunks (at most {@link BULK_CHUNK_NAMES} names
 * and {@link BULK_CHUNK_BYTES} bytes of names, like `chunkByName`) and starts `subscribe` for
 * each chunk once it is full, or when {@link flush} is called.
 */
export class EarlySampling {
  readonly #subscribe: (plan: SamplingPlan) => Promise<void>;
  readonly #pending = new Map<string, Pending>();
  readonly #taken = new Set<RemoteSensor>();
  readonly #started: Promise<void>[] = [];

  /** @param subscribe sets the strategy of one chunk (rejects only on failures other than a reply) */
  constructor(subscribe: (plan: SamplingPlan) => Promise<void>) {
    this.#subscribe = subscribe;
  }

  /** Number of chunks requested so far. */
  get started(): number {
    return this.#started.length;
  }

  /** Queue `s` for `wanted` (ignored for `none`, or when already queued). */
  add(s: RemoteSensor, wanted: WantedStrategy): void {
    if (wanted.key === NONE || this.#taken.has(s)) return;
    this.#taken.add(s);
    let p = this.#pending.get(wanted.key);
    if (p === undefined) this.#pending.set(wanted.key, (p = { args: wanted.args, sensors: [], bytes: 0 }));
    const len = Buffer.byteLength(s.info.name);
    if (p.sensors.length > 0 && p.bytes + 1 + len > BULK_CHUNK_BYTES) this.#send(p);
    p.bytes += (p.sensors.length > 0 ? 1 : 0) + len;
    p.sensors.push(s);
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
    const sensors = p.sensors.sort(byName);
    p.sensors = [];
    p.bytes = 0;
    this.#started.push(this.#subscribe({ args: p.args, sensors }));
  }
}
