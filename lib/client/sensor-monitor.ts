/**
 * The per-client sensor monitor behind every {@link SensorWatcher} (aiokatcp's `_SensorMonitor`):
 * it lists the device's sensors, keeps each sensor subscribed with the strategy its watchers
 * want (or unsubscribed when nobody wants it), and fans `#sensor-status` updates out to the
 * watchers. One monitor serves all watchers of a client, so two watchers never fight over a
 * sensor's sampling strategy: a sensor gets the strategy of the oldest watcher that wants it.
 *
 * Beyond aiokatcp: `#interface-changed sensor NAME added|modified` re-lists only that sensor
 * (`?sensor-list NAME`) and `... removed` drops it locally; `#device-changed` is handled like
 * `#interface-changed`; bulk sampling is chunked; failures are retried with a backoff instead
 * of in a tight loop; strategy periods are converted to milliseconds for v4 devices.
 * @module
 */
import type { Message } from '../codec/message.js';
import { FailReply, InvalidReply } from '../errors.js';
import { formatStrategy } from '../sensor/index.js';
import type { SamplingStrategy, SensorStatus } from '../sensor/index.js';
import type { TimerHandle } from '../util/clock.js';
import type { Client } from './client.js';
import { chunkByName, MAX_IN_FLIGHT, settleLimited } from './sampling.js';
import { forEachSensorReading, parseSensorListInform, sameSensorInfo } from './sensor-informs.js';
import type { RemoteSensorInfo } from './sensor-informs.js';
import { SyncState } from './sync-state.js';

/** What the monitor tells each watcher (implemented by SensorWatcher). */
export interface MonitorWatcher {
  /** The strategy this watcher wants for its sensors. */
  readonly strategy: SamplingStrategy;
  /** Whether the watcher wants this sensor. */
  filter(info: RemoteSensorInfo): boolean;
  readonly batchStart: () => void;
  readonly batchStop: () => void;
  /** A sensor appeared, or its description changed. */
  sensorAdded(info: RemoteSensorInfo): void;
  sensorRemoved(name: string): void;
  sensorUpdated(name: string, timestamp: number, status: SensorStatus, value: Buffer): void;
  stateUpdated(state: SyncState): void;
}

const NONE = 'none';

class RemoteSensor {
  readonly info: RemoteSensorInfo;
  readonly watchers = new Set<MonitorWatcher>();
  /** Strategy key in force on the server: 'none', a strategy, or undefined when unknown. */
  current: string | undefined = NONE;
  reading: { timestamp: number; status: SensorStatus; value: Buffer } | undefined;

  constructor(info: RemoteSensorInfo) {
    this.info = info;
  }
}

interface Plan {
  args: string[];
  sensors: RemoteSensor[];
}

const monitors = new WeakMap<Client, SensorMonitor>();

/** The monitor of `client`, created on first use. */
export function monitorFor(client: Client): SensorMonitor {
  let m = monitors.get(client);
  if (m === undefined || m.isClosed) {
    m = new SensorMonitor(client);
    monitors.set(client, m);
  }
  return m;
}

function isReplyError(err: unknown): boolean {
  return err instanceof FailReply || err instanceof InvalidReply;
}

/** See the module documentation. */
export class SensorMonitor {
  readonly #client: Client;
  #watchers: MonitorWatcher[] = [];
  readonly #sensors = new Map<string, RemoteSensor>();
  #state: SyncState = SyncState.Disconnected;
  #needFullList = false;
  readonly #needNames = new Set<string>();
  readonly #needSampling = new Set<RemoteSensor>();
  #running = false;
  #generation = 0;
  #failures = 0;
  #retryTimer: TimerHandle | undefined;
  #inBatch = false;
  readonly #detach: (() => void)[] = [];

  constructor(client: Client) {
    this.#client = client;
    const onConnected = (): void => this.#connected();
    const onDisconnected = (): void => this.#disconnected();
    const onState = (state: string): void => {
      if (state === 'closed') this.close();
    };
    client.on('connected', onConnected);
    client.on('disconnected', onDisconnected);
    client.on('stateChange', onState);
    this.#detach.push(
      () => client.off('connected', onConnected),
      () => client.off('disconnected', onDisconnected),
      () => client.off('stateChange', onState),
      client.addInformHandler('sensor-status', (msg) => this.#onSensorStatus(msg)),
      client.addInformHandler('interface-changed', (msg) => this.#onInterfaceChanged(msg)),
      client.addInformHandler('device-changed', (msg) => this.#onInterfaceChanged(msg)),
    );
    if (client.state === 'closed') this.close();
    else if (client.isConnected) this.#connected();
  }

  /** The synchronisation state shared by all watchers. */
  get state(): SyncState {
    return this.#state;
  }

  /** True once the client closed (a new watcher then gets a fresh, closed monitor). */
  get isClosed(): boolean {
    return this.#state === SyncState.Closed;
  }

  /** Known remote sensors (all of them, wanted or not). */
  get remoteSensors(): ReadonlyMap<string, { readonly info: RemoteSensorInfo }> {
    return this.#sensors;
  }

  /** Register a watcher; it is brought up to date at once (state, sensors, last readings). */
  addWatcher(w: MonitorWatcher): void {
    if (this.#watchers.includes(w)) return;
    this.#watchers = [...this.#watchers, w];
    if (this.#state !== SyncState.Disconnected) w.stateUpdated(this.#state);
    if (this.#sensors.size === 0) return;
    this.#batch([w], () => {
      for (const s of this.#sensors.values()) {
        if (!this.#wants(w, s.info)) continue;
        w.sensorAdded(s.info);
        s.watchers.add(w);
        const r = s.reading;
        if (r !== undefined) w.sensorUpdated(s.info.name, r.timestamp, r.status, r.value);
        this.#updateNeed(s);
      }
    });
  }

  /** Unregister a watcher; sensors nobody wants any more are unsubscribed (`none`). */
  removeWatcher(w: MonitorWatcher): void {
    if (!this.#watchers.includes(w)) return;
    this.#watchers = this.#watchers.filter((x) => x !== w);
    for (const s of this.#sensors.values()) if (s.watchers.delete(w)) this.#updateNeed(s);
  }

  /** Stop: called when the client closes. Watchers get `closed`. */
  close(): void {
    if (this.#state === SyncState.Closed) return;
    this.#generation++;
    for (const off of this.#detach.splice(0)) off();
    this.#client.clock.clearTimer(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#setState(SyncState.Closed);
    this.#sensors.clear();
    this.#needSampling.clear();
    this.#needNames.clear();
    this.#watchers = [];
    if (monitors.get(this.#client) === this) monitors.delete(this.#client);
  }

  // ------------------------------------------------------------ state and triggers

  #setState(state: SyncState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const w of this.#watchers) {
      try {
        w.stateUpdated(state);
      } catch (err) {
        this.#client.logger.error('a sensor watcher failed to handle a state change', err);
      }
    }
  }

  #wants(w: MonitorWatcher, info: RemoteSensorInfo): boolean {
    try {
      return w.filter(info);
    } catch (err) {
      this.#client.logger.error(`a sensor watcher filter threw for ${info.name}`, err);
      return false;
    }
  }

  /** Strategy arguments wanted for `s` (the oldest interested watcher's), or ['none']. */
  #desired(s: RemoteSensor): string[] {
    for (const w of this.#watchers) {
      if (!s.watchers.has(w)) continue;
      const args = formatStrategy(w.strategy, { type: s.info.type === 'integer' ? 'integer' : 'float' });
      if (this.#client.codecContext.protocolMajor === 4 && args[0] === 'period' && w.strategy.strategy === 'period') {
        // v4 devices take the period in milliseconds.
        args[1] = String(Math.round(w.strategy.period * 1000));
      }
      return args;
    }
    return [NONE];
  }

  #updateNeed(s: RemoteSensor): void {
    if (this.#sensors.get(s.info.name) !== s) return;
    const wanted = this.#desired(s).join(' ');
    if (s.current === wanted) {
      this.#needSampling.delete(s);
      return;
    }
    if (s.current === NONE || s.current === undefined) s.reading = undefined;
    this.#needSampling.add(s);
    this.#trigger();
  }

  #trigger(): void {
    if (this.#state === SyncState.Synced) this.#setState(SyncState.Syncing);
    if (this.#state === SyncState.Syncing) this.#kick();
  }

  #connected(): void {
    this.#generation++;
    this.#failures = 0;
    this.#client.clock.clearTimer(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#needFullList = true;
    this.#needNames.clear();
    this.#setState(SyncState.Syncing);
    for (const s of this.#sensors.values()) {
      s.current = NONE;
      this.#updateNeed(s);
    }
    this.#kick();
  }

  #disconnected(): void {
    this.#generation++;
    this.#client.clock.clearTimer(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#setState(SyncState.Disconnected);
  }

  #kick(): void {
    if (this.#running || this.#retryTimer !== undefined || !this.#client.isConnected || this.#state === SyncState.Closed) return;
    this.#running = true;
    void this.#run();
  }

  #hasWork(): boolean {
    return this.#needFullList || this.#needNames.size > 0 || this.#needSampling.size > 0;
  }

  /** The update loop: lists and subscribes until nothing is left to do, then reports synced. */
  async #run(): Promise<void> {
    const gen = this.#generation;
    let failed: unknown;
    try {
      while (gen === this.#generation && this.#hasWork()) {
        if (this.#needFullList) {
          this.#needFullList = false;
          this.#needNames.clear();
          try {
            await this.#listAll(gen);
          } catch (err) {
            this.#needFullList = true;
            throw err;
          }
        } else if (this.#needNames.size > 0) {
          const names = [...this.#needNames];
          this.#needNames.clear();
          try {
            await this.#listSome(names, gen);
          } catch (err) {
            for (const n of names) this.#needNames.add(n);
            throw err;
          }
        } else {
          await this.#updateSampling(gen);
        }
      }
      if (gen === this.#generation) {
        this.#failures = 0;
        if (this.#state === SyncState.Syncing) this.#setState(SyncState.Synced);
      }
    } catch (err) {
      failed = err;
    } finally {
      this.#running = false;
    }
    if (gen !== this.#generation) {
      // A reconnection happened meanwhile: its work is still to be done.
      if (this.#hasWork()) this.#kick();
      return;
    }
    if (failed !== undefined) this.#retryLater(failed);
    else if (this.#hasWork()) this.#kick();
  }

  #retryLater(err: unknown): void {
    if (!this.#client.isConnected || this.#state === SyncState.Closed) return;
    const delay = Math.min(30_000, 500 * 2 ** this.#failures++);
    this.#client.logger.warn(`sensor sync failed (retrying in ${delay} ms): ${(err as Error).message}`);
    this.#retryTimer = this.#client.clock.setTimer(() => {
      this.#retryTimer = undefined;
      this.#kick();
    }, delay);
  }

  #batch(watchers: readonly MonitorWatcher[], body: () => void): void {
    if (this.#inBatch) {
      body();
      return;
    }
    this.#inBatch = true;
    for (const w of watchers) this.#safe(w.batchStart);
    try {
      body();
    } finally {
      for (const w of watchers) this.#safe(w.batchStop);
      this.#inBatch = false;
    }
  }

  #safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#client.logger.error('a sensor watcher callback threw', err);
    }
  }

  // ------------------------------------------------------------ listing

  async #listAll(gen: number): Promise<void> {
    const { informs } = await this.#client.request('sensor-list');
    if (gen !== this.#generation) return;
    this.#batch(this.#watchers, () => {
      const seen = new Set<string>();
      for (const inform of informs) {
        const info = this.#parseInfo(inform);
        if (info === undefined) continue;
        seen.add(info.name);
        this.#apply(info);
      }
      for (const [name, s] of this.#sensors) if (!seen.has(name)) this.#remove(s);
    });
  }

  async #listSome(names: string[], gen: number): Promise<void> {
    const results = await settleLimited(names, MAX_IN_FLIGHT, (name) => this.#client.request('sensor-list', name));
    if (gen !== this.#generation) return;
    let error: unknown;
    this.#batch(this.#watchers, () => {
      results.forEach((result, i) => {
        const name = names[i] as string;
        if (result.status === 'rejected') {
          if (isReplyError(result.reason)) {
            const s = this.#sensors.get(name);
            if (s !== undefined) this.#remove(s);
          } else {
            this.#needNames.add(name);
            error ??= result.reason;
          }
          return;
        }
        const infos = result.value.informs.map((m) => this.#parseInfo(m)).filter((x) => x?.name === name) as RemoteSensorInfo[];
        const info = infos[0];
        if (info !== undefined) this.#apply(info);
        else {
          const s = this.#sensors.get(name);
          if (s !== undefined) this.#remove(s);
        }
      });
    });
    if (error !== undefined) throw error as Error;
  }

  #parseInfo(inform: Message): RemoteSensorInfo | undefined {
    try {
      return parseSensorListInform(inform);
    } catch (err) {
      this.#client.logger.warn(`ignored a sensor description: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** A new or possibly changed sensor description. */
  #apply(info: RemoteSensorInfo): void {
    const old = this.#sensors.get(info.name);
    if (old !== undefined && sameSensorInfo(old.info, info)) return;
    const s = new RemoteSensor(info);
    for (const w of this.#watchers) {
      if (this.#wants(w, info)) {
        this.#safe(() => w.sensorAdded(info));
        s.watchers.add(w);
      } else if (old?.watchers.has(w) === true) {
        this.#safe(() => w.sensorRemoved(info.name));
      }
    }
    this.#sensors.set(info.name, s);
    if (old !== undefined) {
      // We cannot tell which version of the sensor an earlier (un)subscription applied to.
      this.#needSampling.delete(old);
      s.current = undefined;
    }
    this.#updateNeed(s);
  }

  #remove(s: RemoteSensor): void {
    if (this.#sensors.get(s.info.name) !== s) return;
    this.#sensors.delete(s.info.name);
    this.#needSampling.delete(s);
    for (const w of s.watchers) this.#safe(() => w.sensorRemoved(s.info.name));
  }

  // ------------------------------------------------------------ sampling

  async #updateSampling(gen: number): Promise<void> {
    const subscribe = new Map<string, Plan>();
    const unsubscribe: RemoteSensor[] = [];
    for (const s of this.#needSampling) {
      const args = this.#desired(s);
      if (args[0] === NONE) {
        unsubscribe.push(s);
        continue;
      }
      const key = args.join(' ');
      let plan = subscribe.get(key);
      if (plan === undefined) subscribe.set(key, (plan = { args, sensors: [] }));
      plan.sensors.push(s);
    }
    const byName = (a: RemoteSensor, b: RemoteSensor): number => (a.info.name < b.info.name ? -1 : a.info.name > b.info.name ? 1 : 0);
    for (const plan of subscribe.values()) {
      plan.sensors.sort(byName);
      await this.#setSampling(plan, gen);
      if (gen !== this.#generation) return;
    }
    // A changed sensor list comes first: it may make the unsubscriptions moot.
    if (unsubscribe.length > 0 && !this.#needFullList && this.#needNames.size === 0) {
      await this.#setSampling({ args: [NONE], sensors: unsubscribe.sort(byName) }, gen);
    }
  }

  async #setSampling(plan: Plan, gen: number): Promise<void> {
    const key = plan.args.join(' ');
    const client = this.#client;
    let single = plan.sensors;
    if (client.protocolFlags?.bulkSetSensorSampling === true && plan.sensors.length > 1) {
      const chunks = chunkByName(plan.sensors, (s) => s.info.name);
      const results = await settleLimited(chunks, MAX_IN_FLIGHT, (chunk) =>
        client.request('sensor-sampling', chunk.map((s) => s.info.name).join(','), ...plan.args),
      );
      if (gen !== this.#generation) return;
      single = [];
      results.forEach((r, i) => {
        const chunk = chunks[i] as RemoteSensor[];
        if (r.status === 'fulfilled') this.#mark(chunk, key);
        else if (isReplyError(r.reason)) {
          client.logger.debug(`bulk sampling failed (${(r.reason as Error).message}); setting sensors one at a time`);
          single.push(...chunk);
        } else throw r.reason as Error;
      });
    }
    if (single.length === 0) return;
    const results = await settleLimited(single, MAX_IN_FLIGHT, (s) => client.request('sensor-sampling', s.info.name, ...plan.args));
    if (gen !== this.#generation) return;
    results.forEach((r, i) => {
      const s = single[i] as RemoteSensor;
      if (r.status === 'rejected') {
        if (!isReplyError(r.reason)) throw r.reason as Error;
        // Probably removed meanwhile; the next sensor list sorts it out.
        client.logger.warn(`failed to set the strategy of ${s.info.name} to ${key}: ${(r.reason as Error).message}`);
      }
      this.#mark([s], key);
    });
  }

  #mark(sensors: readonly RemoteSensor[], key: string): void {
    for (const s of sensors) {
      if (this.#sensors.get(s.info.name) !== s) continue;
      s.current = key;
      this.#updateNeed(s);
    }
  }

  // ------------------------------------------------------------ informs

  #onSensorStatus(msg: Message): void {
    if (this.#state === SyncState.Closed) return;
    // #batch() inlined: this runs for every update the device sends.
    const watchers = this.#watchers;
    const nested = this.#inBatch;
    if (!nested) {
      this.#inBatch = true;
      for (let i = 0; i < watchers.length; i++) this.#safe((watchers[i] as MonitorWatcher).batchStart);
    }
    try {
      forEachSensorReading(msg, this.#client.codecContext, this.#onReading, this.#onBadReading);
    } catch (err) {
      this.#client.logger.warn((err as Error).message);
    } finally {
      if (!nested) {
        for (let i = 0; i < watchers.length; i++) this.#safe((watchers[i] as MonitorWatcher).batchStop);
        this.#inBatch = false;
      }
    }
  }

  readonly #onReading = (name: string, status: SensorStatus, value: Buffer, timestamp: number): void => {
    const s = this.#sensors.get(name);
    if (s === undefined) {
      this.#client.logger.debug(`update for unknown sensor ${name}`);
      return;
    }
    if (s.current === NONE) {
      // Updates mean it is subscribed after all (with some strategy): set what we want.
      s.current = undefined;
      this.#updateNeed(s);
    }
    s.reading = { timestamp, status, value };
    for (const w of s.watchers) {
      try {
        w.sensorUpdated(name, timestamp, status, value);
      } catch (err) {
        this.#client.logger.error(`a sensor watcher failed to handle an update of ${name}`, err);
      }
    }
  };

  readonly #onBadReading = (err: Error): void => {
    this.#client.logger.warn(err.message);
  };

  #onInterfaceChanged(msg: Message): void {
    if (this.#state === SyncState.Closed) return;
    const args = msg.arguments.map((b) => b.toString('utf8'));
    const first = args[0];
    if (first === 'request-list') return;
    const detailed = args.length >= 3 && args.length % 3 === 0;
    const triples: [string, string, string][] = [];
    if (detailed) {
      for (let i = 0; i < args.length; i += 3) triples.push([args[i] as string, args[i + 1] as string, args[i + 2] as string]);
    }
    const understood =
      detailed &&
      triples.every(([kind, name, change]) => (kind === 'sensor' || kind === 'request') && name !== '' && (change === 'added' || change === 'removed' || change === 'modified'));
    if (!understood) {
      this.#needFullList = true;
      this.#trigger();
      return;
    }
    if (this.#state === SyncState.Disconnected) return; // a full list follows the reconnection
    let relist = false;
    this.#batch(this.#watchers, () => {
      for (const [kind, name, change] of triples) {
        if (kind !== 'sensor') continue;
        if (change === 'removed') {
          this.#needNames.delete(name);
          const s = this.#sensors.get(name);
          if (s !== undefined) this.#remove(s);
        } else if (!this.#needFullList) {
          this.#needNames.add(name);
          relist = true;
        }
      }
    });
    if (relist) this.#trigger();
  }
}
