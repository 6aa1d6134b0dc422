/**
 * {@link SensorWatcher}: mirrors a device's sensors into a local {@link SensorSet}.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { ConnectionClosedError } from '../errors.js';
import { makeReading, Sensor, SensorSet } from '../sensor/index.js';
import { setCheckedReading } from '../sensor/sensor.js';
import type { Reading, SamplingStrategy, SensorTypeName } from '../sensor/index.js';
import { withCancel } from '../util/abort.js';
import type { CallOptions } from '../util/abort.js';
import { deferred } from '../util/deferred.js';
import type { Deferred } from '../util/deferred.js';
import type { Client } from './client.js';
import { monitorOf } from './sensor-monitor.js';
import type { MonitorWatcher, SensorMonitor } from './sensor-monitor.js';
import type { RemoteSensor } from './sensor-entry.js';
import type { RawReading, SensorInfo } from './sensor-informs.js';
import { isWireSensorType } from './sensor-informs.js';
import { decodeArgument } from '../codec/arg-decode.js';
import { SyncState } from './sync-state.js';

/** Options of {@link SensorWatcher}. */
export interface SensorWatcherOptions {
  /** Mirror only the sensors for which this returns true (default: all). */
  filter?: ((info: SensorInfo) => boolean) | undefined;
  /**
   * Local name(s) for a remote sensor (default: the same name). Returning several names mirrors
   * the sensor under each of them.
   */
  rewriteName?: ((name: string) => string | readonly string[]) | undefined;
  /** Sampling strategy to subscribe with (default `auto`). Periods are in seconds. */
  strategy?: SamplingStrategy | undefined;
  /**
   * Mirror `string` sensors as `bytes` sensors (Buffer values, any bytes), as aiokatcp does.
   * Default false: they are `string` sensors until the device sends a value that is not UTF-8;
   * that sensor is then mirrored as a `bytes` sensor from that reading on (the old mirror is
   * removed and the new one added, a warning is logged), so no reading is lost.
   */
  stringAsBytes?: boolean | undefined;
}

/** Events of a {@link SensorWatcher}. */
export interface SensorWatcherEvents {
  /** The synchronisation state changed. */
  stateChange: [state: SyncState, previous: SyncState];
  /** Reached `synced`. */
  synced: [];
  /** A group of sensor additions, removals and updates begins (aiokatcp `batch_start`). */
  batchStart: [];
  /** The group ends: the mirror is consistent again. */
  batchStop: [];
  /** A mirrored sensor was added (or replaced because its description changed). */
  sensorAdded: [sensor: Sensor];
  /** A mirrored sensor was removed. */
  sensorRemoved: [sensor: Sensor];
  /** A mirrored sensor got a new reading from the device. */
  sensorUpdated: [sensor: Sensor, reading: Reading<unknown>];
  /** A value from the device could not be decoded (the reading was skipped). */
  decodeError: [name: string, error: Error];
  /**
   * The device refused this watcher's strategy for a sensor (remote name). The sensor stays
   * mirrored; the watcher still reaches `synced`.
   */
  strategyRejected: [name: string, strategy: SamplingStrategy, error: Error];
}

/**
 * Mirrors a device's sensors: lists them, subscribes (one bulk `?sensor-sampling` per chunk of
 * up to 1000 names when the device offers `B`, pipelined single requests otherwise), and keeps
 * `sensors` up to date with decoded, typed values. On disconnection every mirrored sensor goes
 * `unreachable`; after reconnection the watcher resyncs. `#interface-changed sensor NAME ...`
 * updates only that sensor.
 *
 * ```ts
 * const watcher = new SensorWatcher(client, { filter: (s) => s.name.startsWith('rx.') });
 * await watcher.untilSynced({ timeout: 10_000 });
 * console.log(watcher.sensors.get('rx.temperature')?.value);
 * watcher.on('sensorUpdated', (sensor, reading) => console.log(sensor.name, reading.value));
 * ```
 */
export class SensorWatcher extends EventEmitter<SensorWatcherEvents> {
  /** The mirrored sensors (local names). */
  readonly sensors = new SensorSet();
  /** The client this watcher mirrors from. */
  readonly client: Client;
  /** The strategy this watcher subscribes with. */
  readonly strategy: SamplingStrategy;
  readonly #filter: ((info: SensorInfo) => boolean) | undefined;
  readonly #rewrite: ((name: string) => string | readonly string[]) | undefined;
  readonly #stringAsBytes: boolean;
  readonly #monitor: SensorMonitor;
  readonly #sink: MonitorWatcher;
  /**
   * The mirrored local sensor of a remote sensor, or its sensors when a rewrite gives it several
   * names (no array per sensor otherwise), for the sensors whose entry holds another view's data
   * (see #mirrorOf).
   */
  #otherMirrors: Map<RemoteSensor, Sensor | Sensor[]> | undefined;
  /** Remote `string` sensors that sent bytes that are not UTF-8: mirrored as `bytes`. */
  readonly #asBytes = new Set<string>();
  #state: SyncState = SyncState.Disconnected;
  #syncWaiters = new Set<Deferred<void>>();

  /** Start mirroring through `client` (connected or not; it syncs whenever connected). */
  constructor(client: Client, opts: SensorWatcherOptions = {}) {
    super();
    this.client = client;
    this.strategy = opts.strategy ?? { strategy: 'auto' };
    if (this.strategy.strategy === 'none') throw new RangeError('a sensor watcher cannot subscribe with strategy none');
    this.#filter = opts.filter;
    this.#rewrite = opts.rewriteName;
    this.#stringAsBytes = opts.stringAsBytes ?? false;
    const filter = (info: SensorInfo): boolean => (this.#filter === undefined ? true : this.#filter(info));
    this.#sink = {
      strategy: this.strategy,
      filter,
      batchStart: () => this.#emitSafe('batchStart'),
      batchStop: () => this.#emitSafe('batchStop'),
      sensorAdded: (s, old) => this.#added(s, old),
      sensorRemoved: (s) => this.#removed(s),
      sensorUpdated: (s, r) => this.#updated(s, r),
      stateUpdated: (state) => this.#setState(state),
      strategyRejected: (name, strategy, error) => this.#emitSafe('strategyRejected', name, strategy, error),
    };
    this.#monitor = monitorOf(client.sensorModel);
    this.#monitor.addWatcher(this.#sink);
  }

  /** The synchronisation state. */
  get state(): SyncState {
    return this.#state;
  }

  /** The device's description of a mirrored sensor, by remote name. */
  info(remoteName: string): SensorInfo | undefined {
    return this.#monitor.remoteSensors.get(remoteName)?.info;
  }

  /**
   * Resolves once `synced` (at once if synced now). Rejects with `ConnectionClosedError` when
   * the watcher or client is closed, and per the `{timeout, signal}` options.
   */
  untilSynced(opts: CallOptions = {}): Promise<void> {
    if (this.#state === SyncState.Synced) return Promise.resolve();
    if (this.#state === SyncState.Closed) return Promise.reject(new ConnectionClosedError('sensor watcher is closed'));
    const d = deferred<void>();
    this.#syncWaiters.add(d);
    return withCancel(d.promise, { ...opts, what: 'sensor sync', clock: this.client.clock, onCancel: () => this.#syncWaiters.delete(d) });
  }

  /** Stop mirroring: sensors nobody else watches are unsubscribed; mirrored sensors go `unreachable`. */
  close(): void {
    if (this.#state === SyncState.Closed) return;
    this.#monitor.removeWatcher(this.#sink);
    this.#setState(SyncState.Closed);
  }

  #emitSafe<K extends keyof SensorWatcherEvents>(event: K, ...args: SensorWatcherEvents[K]): void {
    // Most events usually have no listener (batches come with every update).
    if (this.listenerCount(event) === 0) return;
    try {
      (this.emit as (e: K, ...a: SensorWatcherEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.client.logger.error(`a sensor watcher '${event}' listener threw`, err);
    }
  }

  #setState(state: SyncState): void {
    const prev = this.#state;
    if (state === prev || prev === SyncState.Closed) return;
    this.#state = state;
    if (state === SyncState.Disconnected || state === SyncState.Closed) this.#markUnreachable();
    this.#emitSafe('stateChange', state, prev);
    if (state === SyncState.Synced) {
      this.#emitSafe('synced');
      for (const d of this.#syncWaiters) d.resolve();
      this.#syncWaiters.clear();
    } else if (state === SyncState.Closed) {
      const err = new ConnectionClosedError('sensor watcher closed');
      for (const d of this.#syncWaiters) d.reject(err);
      this.#syncWaiters.clear();
    }
  }

  #markUnreachable(): void {
    const now = this.client.clock.now();
    for (const sensor of this.sensors) {
      if (sensor.status === 'unreachable') continue;
      try {
        sensor.setReading(makeReading(now, 'unreachable', sensor.value));
      } catch (err) {
        this.client.logger.error(`an observer of ${sensor.name} threw`, err);
      }
    }
  }

  #localNames(name: string): readonly string[] {
    if (this.#rewrite === undefined) return [name];
    const names = this.#rewrite(name);
    return typeof names === 'string' ? [names] : names;
  }

  #sensorType(info: SensorInfo): SensorTypeName | undefined {
    if (!isWireSensorType(info.type)) return undefined;
    if (info.type === 'string' && (this.#stringAsBytes || this.#asBytes.has(info.name))) return 'bytes';
    return info.type;
  }

  /** The local mirror(s) of `s`: on the entry itself unless another view's data is there. */
  #mirrorOf(s: RemoteSensor): Sensor | Sensor[] | undefined {
    if (s.viewDataOwner === this.#sink) return s.viewData as Sensor | Sensor[];
    return this.#otherMirrors?.get(s);
  }

  #setMirror(s: RemoteSensor, mirror: Sensor | Sensor[] | undefined): void {
    const owner = s.viewDataOwner;
    if (owner === undefined || owner === this.#sink) {
      s.viewDataOwner = mirror === undefined ? undefined : this.#sink;
      s.viewData = mirror;
    } else if (mirror === undefined) this.#otherMirrors?.delete(s);
    else (this.#otherMirrors ??= new Map()).set(s, mirror);
  }

  /** Mirror the remote sensor `s` (replacing the mirror of `old`, the entry it had for the name before). */
  #added(s: RemoteSensor, old: RemoteSensor | undefined): void {
    if (this.#state === SyncState.Closed) return;
    const info = s.info;
    const type = this.#sensorType(info);
    if (type === undefined) {
      this.client.logger.warn(`type ${info.type} is not recognised, skipping sensor ${info.name}`);
      return;
    }
    if (old !== undefined) this.#removed(old);
    let first: Sensor | undefined;
    let more: Sensor[] | undefined;
    const names = this.#rewrite === undefined ? undefined : this.#localNames(info.name);
    for (let i = 0; i < (names === undefined ? 1 : names.length); i++) {
      const localName = names === undefined ? info.name : (names[i] as string);
      let sensor: Sensor;
      try {
        sensor = new Sensor({
          type,
          name: localName,
          description: info.description,
          units: info.units,
          values: type === 'discrete' && info.params.length > 0 ? info.params : undefined,
          clock: this.client.clock,
        });
      } catch (err) {
        this.client.logger.warn(`cannot mirror sensor ${info.name} as ${localName}: ${(err as Error).message}`);
        continue;
      }
      if (first === undefined) first = sensor;
      else (more ??= [first]).push(sensor);
      try {
        this.sensors.add(sensor);
      } catch (err) {
        this.client.logger.error('a SensorSet callback threw', err);
      }
      this.#emitSafe('sensorAdded', sensor);
    }
    if (first !== undefined) this.#setMirror(s, more ?? first);
  }

  /** A `string` sensor sent bytes that are not UTF-8: mirror it as `bytes` from now on. */
  #promoteToBytes(s: RemoteSensor): boolean {
    const name = s.info.name;
    if (this.#asBytes.has(name)) return false;
    this.client.logger.warn(`sensor ${name} sent a value that is not UTF-8: mirrored as a bytes sensor from now on`);
    this.#asBytes.add(name);
    this.#added(s, s);
    return true;
  }

  #removed(s: RemoteSensor): void {
    const mirrors = this.#mirrorOf(s);
    if (mirrors === undefined) return;
    this.#setMirror(s, undefined);
    for (const sensor of Array.isArray(mirrors) ? mirrors : [mirrors]) {
      try {
        this.sensors.remove(sensor);
      } catch (err) {
        this.client.logger.error('a SensorSet callback threw', err);
      }
      this.#emitSafe('sensorRemoved', sensor);
    }
  }

  #updated(s: RemoteSensor, r: RawReading): void {
    const mirrored = this.#mirrorOf(s);
    if (mirrored === undefined) return;
    const ctx = this.client.codecContext;
    const many = Array.isArray(mirrored);
    for (let i = 0; i < (many ? mirrored.length : 1); i++) {
      const sensor = many ? mirrored[i]! : mirrored;
      let reading: Reading<unknown>;
      try {
        reading = makeReading(r.timestamp, r.status, decodeArgument(r.message, r.index, sensor.codec, ctx, sensor.values));
      } catch (err) {
        if (sensor.type === 'string' && this.#promoteToBytes(s)) {
          this.#updated(s, r);
          return;
        }
        const name = s.info.name;
        this.client.logger.warn(`cannot decode the value of ${name}: ${(err as Error).message}`);
        this.#emitSafe('decodeError', name, err as Error);
        continue;
      }
      try {
        // The mirror's own codec decoded the value, and the status and timestamp were parsed.
        setCheckedReading(sensor, reading);
      } catch (err) {
        this.client.logger.error(`an observer of ${sensor.name} threw`, err);
      }
      if (this.listenerCount('sensorUpdated') > 0) this.#emitSafe('sensorUpdated', sensor, reading);
    }
  }
}
