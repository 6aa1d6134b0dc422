/**
 * {@link SensorRecorder}: records sensor readings into a telescope state, as MeerKAT's
 * cam2telstate does.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { KatcpError, KatcpErrorCode, KatcpTypeError } from '../errors.js';
import { KATCPClientResource } from '../resource/resource.js';
import { SensorSet } from '../sensor/sensor-set.js';
import type { Reading } from '../sensor/status.js';
import { RecordStage, SensorRecordError } from './errors.js';
import type { AddOptions } from '../telstate/telescope-state.js';
import { TelescopeState } from '../telstate/telescope-state.js';
import { RecorderPlanner, telstateValue } from './recorder-plan.js';
import type { RecordedSensor, SensorPlan, SensorRecorderOptions } from './recorder-plan.js';
import { ResourceSource, SensorSetSource } from './recorder-sources.js';
import type { RecorderSink, RecorderSource } from './recorder-sources.js';

/** Events of a {@link SensorRecorder}. */
export interface SensorRecorderEvents {
  /** A reading could not be recorded, or a sensor could not be set up (see `stage`); recording goes on. */
  error: [error: SensorRecordError];
  /** A reading was written under `key` (`timestamp` is undefined for immutables). */
  stored: [key: string, value: unknown, timestamp: number | undefined, sensor: string];
}

/** Totals of a {@link SensorRecorder}. */
export interface RecorderCounters {
  /** Writes that succeeded (one per key per reading). */
  readonly recorded: number;
  /** Readings not recorded for their status (or skipped by `convert`). */
  readonly filtered: number;
  /** Writes that failed, and readings whose conversion threw. */
  readonly failed: number;
  /** Writes queued and not finished (the queue is not bounded: a stalled store holds readings here). */
  readonly pending: number;
}

/** A recorder's sources: a resource client, or a set of sensors (e.g. `SensorWatcher.sensors`). */
export type SensorRecorderSource = KATCPClientResource | SensorSet;

const RecorderState = { Stopped: 'stopped', Running: 'running', Stopping: 'stopping' } as const;
type RecorderState = (typeof RecorderState)[keyof typeof RecorderState];

/**
 * Records the readings of chosen sensors into a {@link TelescopeState}, as cam2telstate does:
 * only readings whose status is `nominal`, `warn` or `error`, each with its **device** timestamp,
 * under `<resource>_<sensor>` keys (`.` and `-` become `_`), static sensors as immutables.
 * Writes are queued in order per key; a failed write is reported with an `error` event and never
 * stops later ones.
 *
 * ```ts
 * const m000 = new KATCPClientResource({ name: 'm000', address: '10.8.0.1:7147' });
 * m000.start();
 * const recorder = new SensorRecorder(m000, telstate, {
 *   sensors: [/^pos\./, 'activity', 'observer'],
 *   strategies: { 'pos.actual-scan-azim': 'period 0.5', observer: 'none' },   // none: static
 *   immutables: ['serial-number'],
 * });
 * recorder.on('error', (err) => console.warn(err.message));
 * await recorder.start();      // m000_pos_actual_scan_azim, m000_activity, m000_observer, ...
 * // ...
 * await recorder.stop();       // listeners removed, strategies put back, queued writes done
 * ```
 */
export class SensorRecorder extends EventEmitter<SensorRecorderEvents> {
  /** Where the readings come from. */
  readonly source: SensorRecorderSource;
  /** Where they are written. */
  readonly telstate: TelescopeState;
  readonly #planner: RecorderPlanner;
  readonly #source: RecorderSource;
  readonly #onError: ((error: SensorRecordError) => void) | undefined;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #recorded = new Map<string, number>();
  #state: RecorderState = RecorderState.Stopped;
  #stopping: Promise<void> = Promise.resolve();
  #totals = { recorded: 0, filtered: 0, failed: 0, pending: 0 };

  /**
   * @param source a resource client (strategies are set on its sensors) or a `SensorSet`
   * @param telstate the store, or a view of it (keys are written under its first prefix)
   * @throws KatcpTypeError / KatcpError for a bad source, store or option
   */
  constructor(source: SensorRecorderSource, telstate: TelescopeState, opts: SensorRecorderOptions = {}) {
    super();
    if (!(telstate instanceof TelescopeState)) throw new KatcpTypeError('TelescopeState', 'a SensorRecorder writes to a TelescopeState');
    const isResource = source instanceof KATCPClientResource;
    if (!isResource && !(source instanceof SensorSet)) {
      throw new KatcpTypeError('sensor source', 'a SensorRecorder records a KATCPClientResource or a SensorSet');
    }
    this.#planner = new RecorderPlanner(opts, isResource ? source.name : '');
    const sink: RecorderSink = {
      requestTimeout: this.#planner.requestTimeout,
      plan: (s) => this.#plan(s),
      record: (s, plan, r) => this.#record(s, plan, r),
      report: (e) => this.#report(e),
    };
    this.#source = isResource ? new ResourceSource(source, sink) : new SensorSetSource(source, sink);
    this.source = source;
    this.telstate = telstate;
    this.#onError = opts.onError;
  }

  /** True between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.#state === RecorderState.Running;
  }

  /** Totals since construction. */
  get counters(): RecorderCounters {
    return { ...this.#totals };
  }

  /** Successful writes per telstate key. */
  get recorded(): ReadonlyMap<string, number> {
    return new Map(this.#recorded);
  }

  /** The key cam2telstate would use for a sensor of this source (before `rename`). */
  defaultKey(sensorName: string): string {
    return this.#planner.defaultKey(sensorName);
  }

  /**
   * Attach to the selected sensors (and to those that appear later). Resolves once their
   * strategies were sent (or cached until the resource connects) and static sensors were read;
   * failures are reported as `error` events, not rejections.
   * @throws KatcpError (code `KATCP_ERR_STATE`) when already running or stopping
   */
  async start(): Promise<void> {
    if (this.#state !== RecorderState.Stopped) throw new KatcpError(`the sensor recorder is ${this.#state}`, KatcpErrorCode.State);
    this.#state = RecorderState.Running;
    await this.#source.start();
  }

  /**
   * Detach from every sensor (removing listeners and observers, putting back the strategies the
   * recorder replaced), then wait for the queued writes. Calling it again waits for the same stop.
   */
  stop(): Promise<void> {
    if (this.#state === RecorderState.Stopping) return this.#stopping;
    if (this.#state === RecorderState.Stopped) return Promise.resolve();
    this.#state = RecorderState.Stopping;
    this.#stopping = (async () => {
      try {
        await this.#source.stop();
        await this.flush();
      } finally {
        this.#state = RecorderState.Stopped;
      }
    })();
    return this.#stopping;
  }

  /** Wait until every write queued so far has finished (successfully or not). */
  async flush(): Promise<void> {
    await Promise.all([...this.#chains.values()]);
  }

  #plan(sensor: RecordedSensor): SensorPlan | undefined {
    try {
      return this.#planner.plan(sensor);
    } catch (err) {
      this.#report(err instanceof SensorRecordError ? err : new SensorRecordError(RecordStage.Rename, sensor.name, undefined, String(err), { cause: err }));
      return undefined;
    }
  }

  #record(sensor: RecordedSensor, plan: SensorPlan, reading: Reading<unknown>): void {
    if (this.#state !== RecorderState.Running) return;
    if (!this.#planner.statuses.has(reading.status)) {
      this.#totals.filtered++;
      return;
    }
    let value = telstateValue(sensor.type, reading.value);
    const convert = this.#planner.convert;
    if (convert !== undefined) {
      try {
        value = convert(value, sensor, reading);
      } catch (err) {
        this.#totals.failed++;
        this.#report(new SensorRecordError(RecordStage.Convert, sensor.name, undefined, `converting a value of sensor ${sensor.name} failed: ${(err as Error).message}`, { cause: err }));
        return;
      }
      if (value === undefined) {
        this.#totals.filtered++;
        return;
      }
    }
    // cam2telstate's rule: immutables ignore the timestamp, samples carry the device's.
    const opts: AddOptions = plan.immutable ? { immutable: true } : { ts: reading.timestamp };
    for (const key of plan.keys) this.#enqueue(key, sensor.name, value, opts);
  }

  #enqueue(key: string, sensor: string, value: unknown, opts: AddOptions): void {
    this.#totals.pending++;
    const write = async (): Promise<void> => {
      try {
        await this.telstate.add(key, value, opts);
      } catch (err) {
        this.#totals.failed++;
        this.#report(new SensorRecordError(RecordStage.Write, sensor, key, `recording sensor ${sensor} as ${key} failed: ${(err as Error).message}`, { cause: err }));
        return;
      } finally {
        this.#totals.pending--;
      }
      this.#totals.recorded++;
      this.#recorded.set(key, (this.#recorded.get(key) ?? 0) + 1);
      this.#emitSafe('stored', key, value, opts.ts, sensor);
    };
    // One chain per key keeps its writes in reading order; `write` never rejects.
    const run = (this.#chains.get(key) ?? Promise.resolve()).then(write);
    this.#chains.set(key, run);
    void run.then(() => {
      if (this.#chains.get(key) === run) this.#chains.delete(key);
    });
  }

  #report(error: SensorRecordError): void {
    try {
      this.#onError?.(error);
    } catch {
      // An error handler that throws has nowhere left to report to; recording must go on.
    }
    this.#emitSafe('error', error);
  }

  #emitSafe<E extends keyof SensorRecorderEvents>(event: E, ...args: SensorRecorderEvents[E]): void {
    try {
      (this.emit as (e: E, ...a: SensorRecorderEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      if (event !== 'error') {
        this.#report(new SensorRecordError(RecordStage.Write, args[3] as string, args[0] as string, `a ${event} listener threw: ${(err as Error).message}`, { cause: err }));
      }
    }
  }
}
