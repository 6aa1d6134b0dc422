/**
 * The sensor monitor's view of the device (see sensor-monitor.ts): the known remote sensors,
 * the watchers and which of them wants which sensor, the strategy each sensor should have, and
 * the fan-out of sensor changes and readings to the watchers (in batches).
 * @module
 */
import type { Message } from '../codec/message.js';
import type { SamplingStrategy, SensorStatus } from '../sensor/index.js';
import type { Client } from './client.js';
import { forEachSensorReading, sameSensorInfo } from './sensor-informs.js';
import { strategyWireArgs } from './strategy-wire.js';
import type { SensorInfo } from './sensor-informs.js';
import { SyncState } from './sync-state.js';

/** What the monitor tells each watcher (implemented by SensorWatcher). */
export interface MonitorWatcher {
  /** The strategy this watcher wants for its sensors. */
  readonly strategy: SamplingStrategy;
  /** Whether the watcher wants this sensor. */
  filter(info: SensorInfo): boolean;
  readonly batchStart: () => void;
  readonly batchStop: () => void;
  /** A sensor appeared, or its description changed. */
  sensorAdded(info: SensorInfo): void;
  sensorRemoved(name: string): void;
  sensorUpdated(name: string, timestamp: number, status: SensorStatus, value: Buffer): void;
  stateUpdated(state: SyncState): void;
}

/** The strategy key of an unsubscribed sensor. */
export const NONE = 'none';

/** `?sensor-sampling` arguments after the sensor name, and the same joined by spaces. */
export interface WantedStrategy {
  readonly args: readonly string[];
  readonly key: string;
}

const UNSUBSCRIBED: WantedStrategy = Object.freeze({ args: Object.freeze([NONE]), key: NONE });

/** One sensor of the device, as the monitor knows it. */
export class RemoteSensor {
  /** Its description. */
  readonly info: SensorInfo;
  /**
   * The watchers that want it (rarely more than one, so a list rather than a set). Replaced, not
   * modified, when a watcher leaves: a delivery in progress goes on over the list it started with.
   */
  watchers: MonitorWatcher[] = [];
  /** Strategy key in force on the server: 'none', a strategy, or undefined when unknown. */
  current: string | undefined = NONE;
  /** The last full listing (the monitor's count) that included it. */
  listing = 0;
  /** The latest reading (kept for watchers that come later). */
  reading: { timestamp: number; status: SensorStatus; value: Buffer } | undefined;

  /** @param info its description */
  constructor(info: SensorInfo) {
    this.info = info;
  }
}

/** Remote sensors, watchers and what goes between them. */
export class SensorRegistry {
  readonly #client: Client;
  readonly #onNeed: () => void;
  #watchers: MonitorWatcher[] = [];
  readonly #sensors = new Map<string, RemoteSensor>();
  readonly #needSampling = new Set<RemoteSensor>();
  // New sensors of a full list still arriving, subscribed early (see incoming()), with the
  // watcher list their `watchers` were worked out against.
  readonly #incoming = new Map<string, { sensor: RemoteSensor; against: readonly MonitorWatcher[] }>();
  readonly #formatted = new WeakMap<MonitorWatcher, Map<number, WantedStrategy>>();
  // The last answer of #wanted: sensors of one kind come in long runs.
  #lastWanted: { watcher: MonitorWatcher; kind: number; wanted: WantedStrategy } | undefined;
  #inBatch = false;

  /**
   * @param client for the logger and the protocol version
   * @param onNeed called when a sensor's strategy on the server is no longer the wanted one
   */
  constructor(client: Client, onNeed: () => void) {
    this.#client = client;
    this.#onNeed = onNeed;
  }

  /** Known remote sensors (all of them, wanted or not). */
  get sensors(): ReadonlyMap<string, RemoteSensor> {
    return this.#sensors;
  }

  /** Sensors whose strategy on the server is not (known to be) the wanted one. */
  get needSampling(): ReadonlySet<RemoteSensor> {
    return this.#needSampling;
  }

  /** Register a watcher and bring it up to date (state unless `disconnected`, sensors, last readings). */
  addWatcher(w: MonitorWatcher, state: SyncState): void {
    if (this.#watchers.includes(w)) return;
    this.#watchers = [...this.#watchers, w];
    if (state !== SyncState.Disconnected) w.stateUpdated(state);
    if (this.#sensors.size === 0) return;
    this.#batch([w], () => {
      for (const s of this.#sensors.values()) {
        if (!this.#wants(w, s.info)) continue;
        w.sensorAdded(s.info);
        s.watchers.push(w);
        const r = s.reading;
        if (r !== undefined) w.sensorUpdated(s.info.name, r.timestamp, r.status, r.value);
        this.#updateNeed(s);
      }
    });
  }

  /** Unregister a watcher; the sensors it wanted get the next watcher's strategy, or `none`. */
  removeWatcher(w: MonitorWatcher): void {
    if (!this.#watchers.includes(w)) return;
    this.#watchers = this.#watchers.filter((x) => x !== w);
    if (this.#lastWanted?.watcher === w) this.#lastWanted = undefined;
    for (const s of this.#sensors.values()) {
      if (!s.watchers.includes(w)) continue;
      s.watchers = s.watchers.filter((x) => x !== w);
      this.#reconsider(s);
    }
  }

  /** Tell every watcher the new synchronisation state. */
  notifyState(state: SyncState): void {
    for (const w of this.#watchers) {
      try {
        w.stateUpdated(state);
      } catch (err) {
        this.#client.logger.error('a sensor watcher failed to handle a state change', err);
      }
    }
  }

  /** Forget every sensor and watcher (the monitor closed). */
  clear(): void {
    this.#sensors.clear();
    this.#incoming.clear();
    this.#needSampling.clear();
    this.#lastWanted = undefined;
    this.#watchers = [];
  }

  /** A new connection: no sensor is subscribed yet. */
  resetSubscriptions(): void {
    for (const s of this.#sensors.values()) {
      s.current = NONE;
      this.#reconsider(s);
    }
  }

  #wants(w: MonitorWatcher, info: SensorInfo): boolean {
    try {
      return w.filter(info);
    } catch (err) {
      this.#client.logger.error(`a sensor watcher filter threw for ${info.name}`, err);
      return false;
    }
  }

  /**
   * Strategy arguments wanted for `s` (the oldest interested watcher's), or ['none'], with
   * their key (the arguments joined by spaces). Do not modify: the result is shared.
   */
  desired(s: RemoteSensor): WantedStrategy {
    const watchers = this.#watchers;
    for (let i = 0; i < watchers.length; i++) {
      const w = watchers[i]!;
      if (s.watchers.includes(w)) return this.#wanted(w, s.info.type === 'integer', this.#client.codecContext.protocolMajor === 4);
    }
    return UNSUBSCRIBED;
  }

  /** The formatted strategy of a watcher, cached per kind of sensor: this runs several times per sensor during a sync. */
  #wanted(w: MonitorWatcher, integer: boolean, v4: boolean): WantedStrategy {
    const kind = (integer ? 1 : 0) + (v4 ? 2 : 0);
    const last = this.#lastWanted;
    if (last !== undefined && last.watcher === w && last.kind === kind) return last.wanted;
    let byKind = this.#formatted.get(w);
    if (byKind === undefined) this.#formatted.set(w, (byKind = new Map<number, WantedStrategy>()));
    let wanted = byKind.get(kind);
    if (wanted === undefined) {
      const args = strategyWireArgs(w.strategy, integer ? 'integer' : 'float', v4 ? 4 : 5);
      wanted = Object.freeze({ args: Object.freeze(args), key: args.join(' ') });
      byKind.set(kind, wanted);
    }
    this.#lastWanted = { watcher: w, kind, wanted };
    return wanted;
  }

  /** #reconsider() for `s` unless it left the registry (watcher callbacks ran since it was looked up). */
  #updateNeed(s: RemoteSensor): void {
    if (this.#sensors.get(s.info.name) === s) this.#reconsider(s);
  }

  /** Whether `s`, known to be in the registry, needs a new strategy on the device. */
  #reconsider(s: RemoteSensor): void {
    const wanted = this.desired(s).key;
    if (s.current === wanted) {
      this.#needSampling.delete(s);
      return;
    }
    if (s.current === NONE || s.current === undefined) s.reading = undefined;
    this.#needSampling.add(s);
    this.#onNeed();
  }

  /** Run `body` as one batch for every watcher (nested batches join the outer one). */
  batch(body: () => void): void {
    this.#batch(this.#watchers, body);
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

  /**
   * A sensor of a full list that is still arriving (see early-sampling.ts). Returns the sensor to
   * subscribe already, if any: a known, unchanged sensor whose strategy is not the wanted one,
   * or a new sensor some watcher wants. A new sensor stays invisible to the watchers until
   * {@link apply} takes it with the list; a reading for it is kept until then.
   */
  incoming(info: SensorInfo): RemoteSensor | undefined {
    const old = this.#sensors.get(info.name);
    if (old !== undefined) return sameSensorInfo(old.info, info) && this.#needSampling.has(old) ? old : undefined;
    if (this.#incoming.has(info.name)) return undefined;
    const s = new RemoteSensor(info);
    const against = this.#watchers;
    for (let i = 0; i < against.length; i++) if (this.#wants(against[i]!, info)) s.watchers.push(against[i]!);
    if (s.watchers.length === 0) return undefined;
    this.#incoming.set(info.name, { sensor: s, against });
    return s;
  }

  /** The list is in (or failed): forget the sensors {@link incoming} announced that {@link apply} did not take. */
  clearIncoming(): void {
    this.#incoming.clear();
  }

  /** A new or possibly changed sensor description. Returns the sensor now known under its name. */
  apply(info: SensorInfo): RemoteSensor {
    const old = this.#sensors.get(info.name);
    const early = this.#incoming.size === 0 ? undefined : this.#incoming.get(info.name);
    if (old !== undefined && sameSensorInfo(old.info, info)) return old;
    const taken = early !== undefined && old === undefined && sameSensorInfo(early.sensor.info, info);
    const s = taken ? early.sensor : new RemoteSensor(info);
    const watchers = this.#watchers;
    // The watchers' filters already ran for an early sensor, unless the watchers changed since.
    const known = taken && early.against === watchers;
    if (!known) s.watchers = [];
    for (let i = 0; i < watchers.length; i++) {
      const w = watchers[i]!;
      if (known ? s.watchers.includes(w) : this.#wants(w, info)) {
        try {
          w.sensorAdded(info);
        } catch (err) {
          this.#client.logger.error('a sensor watcher callback threw', err);
        }
        if (!known) s.watchers.push(w);
      } else if (old?.watchers.includes(w) === true) {
        this.#safe(() => w.sensorRemoved(info.name));
      }
    }
    this.#sensors.set(info.name, s);
    if (old !== undefined) {
      // We cannot tell which version of the sensor an earlier (un)subscription applied to.
      this.#needSampling.delete(old);
      s.current = undefined;
    }
    // A reading that came with an early subscription goes out with the sensor, and is kept for
    // later watchers (#updateNeed forgets readings of sensors not known to be subscribed).
    const reading = s.reading;
    if (reading !== undefined) for (const w of s.watchers) this.#deliver(w, info.name, reading);
    this.#updateNeed(s);
    if (reading !== undefined) s.reading = reading;
    return s;
  }

  /** The sensor is gone from the device. */
  remove(s: RemoteSensor): void {
    if (this.#sensors.get(s.info.name) !== s) return;
    this.#sensors.delete(s.info.name);
    this.#needSampling.delete(s);
    for (const w of s.watchers) this.#safe(() => w.sensorRemoved(s.info.name));
  }

  /** The server now applies strategy `key` to these sensors. */
  mark(sensors: readonly RemoteSensor[], key: string): void {
    for (const s of sensors) {
      if (this.#sensors.get(s.info.name) !== s) {
        if (this.#incoming.get(s.info.name)?.sensor === s) s.current = key;
        continue;
      }
      s.current = key;
      this.#reconsider(s);
    }
  }

  /** Fan a `#sensor-status` inform out to the watchers of its sensors. */
  onSensorStatus(msg: Message): void {
    // #batch() inlined: this runs for every update the device sends.
    const watchers = this.#watchers;
    const nested = this.#inBatch;
    if (!nested) {
      this.#inBatch = true;
      for (let i = 0; i < watchers.length; i++) {
        try {
          watchers[i]!.batchStart();
        } catch (err) {
          this.#client.logger.error('a sensor watcher callback threw', err);
        }
      }
    }
    try {
      forEachSensorReading(msg, this.#client.codecContext, this.#onReading, this.#onBadReading);
    } catch (err) {
      this.#client.logger.warn((err as Error).message);
    } finally {
      if (!nested) {
        for (let i = 0; i < watchers.length; i++) {
          try {
            watchers[i]!.batchStop();
          } catch (err) {
            this.#client.logger.error('a sensor watcher callback threw', err);
          }
        }
        this.#inBatch = false;
      }
    }
  }

  readonly #onReading = (name: string, status: SensorStatus, value: Buffer, timestamp: number): void => {
    const s = this.#sensors.get(name);
    if (s === undefined) {
      const early = this.#incoming.get(name)?.sensor;
      if (early !== undefined) {
        // Kept for apply(); as below, an update means the sensor is subscribed (somehow).
        early.reading = { timestamp, status, value };
        if (early.current === NONE) early.current = undefined;
      } else {
        this.#client.logger.debug(`update for unknown sensor ${name}`);
      }
      return;
    }
    if (s.current === NONE) {
      // Updates mean it is subscribed after all (with some strategy): set what we want. A sensor
      // already waiting for its strategy (typically the first reading of a subscription whose
      // reply is still to come) needs nothing more.
      s.current = undefined;
      if (!this.#needSampling.has(s)) this.#reconsider(s);
    }
    const reading = { timestamp, status, value };
    s.reading = reading;
    const watchers = s.watchers;
    for (let i = 0; i < watchers.length; i++) this.#deliver(watchers[i]!, name, reading);
  };

  #deliver(w: MonitorWatcher, name: string, r: { timestamp: number; status: SensorStatus; value: Buffer }): void {
    try {
      w.sensorUpdated(name, r.timestamp, r.status, r.value);
    } catch (err) {
      this.#client.logger.error(`a sensor watcher failed to handle an update of ${name}`, err);
    }
  }

  readonly #onBadReading = (err: Error): void => {
    this.#client.logger.warn(err.message);
  };
}
