/**
 * Where a sensor recorder gets readings: the sensors of a `KATCPClientResource` (strategies set
 * on the device, listeners on the sensor objects) or of a `SensorSet` (observers on each sensor,
 * following additions and removals).
 * @module
 */
import type { KATCPClientResource, ResourceState } from '../resource/resource.js';
import type { ResourceReading, ResourceSensor } from '../resource/resource-sensor.js';
import { formatStrategyText, sameStrategy } from '../resource/strategy.js';
import type { Sensor } from '../sensor/sensor.js';
import type { SensorSet } from '../sensor/sensor-set.js';
import type { Reading } from '../sensor/status.js';
import type { SamplingStrategy } from '../sensor/strategy.js';
import { RecordStage, SensorRecordError } from './errors.js';
import type { RecordedSensor, SensorPlan } from './recorder-plan.js';

/** What a source asks of the recorder. */
export interface RecorderSink {
  /** Timeout (ms) of device requests. */
  readonly requestTimeout: number;
  /** How to record a sensor; undefined when it is not recorded (errors are reported there). */
  plan(sensor: RecordedSensor): SensorPlan | undefined;
  /** A new reading of a recorded sensor. */
  record(sensor: RecordedSensor, plan: SensorPlan, reading: Reading<unknown>): void;
  /** Report a failure. */
  report(error: SensorRecordError): void;
}

/** A source of readings. */
export interface RecorderSource {
  /** Attach to the selected sensors; resolves once their strategies were sent (or cached) and statics read. */
  start(): Promise<void>;
  /** Detach everything (and restore strategies it changed); resolves when done. */
  stop(): Promise<void>;
}

interface TrackedSensor {
  readonly plan: SensorPlan;
  readonly listener: (sensor: ResourceSensor, reading: ResourceReading) => void;
  /** The strategy the sensor had before the recorder set its own; undefined when it set none. */
  restore: SamplingStrategy | undefined;
  /** The recorder's own strategy request (never rejects). */
  setting: Promise<void>;
}

/**
 * Records the sensors of a resource. The resource keeps listeners and strategies across
 * reconnects and re-applies the strategies (so the device sends current values again); static
 * sensors (strategy `none`) are read with `?sensor-value` at start and after every sync.
 */
export class ResourceSource implements RecorderSource {
  readonly #res: KATCPClientResource;
  readonly #sink: RecorderSink;
  readonly #tracked = new Map<ResourceSensor, TrackedSensor>();
  #offs: (() => void)[] = [];
  #abort = new AbortController();

  constructor(res: KATCPClientResource, sink: RecorderSink) {
    this.#res = res;
    this.#sink = sink;
  }

  async start(): Promise<void> {
    this.#abort = new AbortController();
    const res = this.#res;
    const onAdded = (s: ResourceSensor): void => {
      void this.#attach(s);
    };
    const onState = (state: ResourceState): void => {
      if (state === 'synced') void this.#pollStatics();
    };
    const onStrategyError = (s: ResourceSensor, strategy: SamplingStrategy, err: Error): void => {
      if (!this.#tracked.has(s)) return;
      const text = formatStrategyText(strategy);
      this.#sink.report(new SensorRecordError(RecordStage.Strategy, s.name, undefined, `the device refused strategy ${text} of sensor ${s.name} after a reconnect: ${err.message}`, { cause: err }));
    };
    res.on('sensorAdded', onAdded);
    res.on('stateChange', onState);
    res.on('strategyError', onStrategyError);
    this.#offs = [() => res.off('sensorAdded', onAdded), () => res.off('stateChange', onState), () => res.off('strategyError', onStrategyError)];
    await Promise.all(Object.values(res.sensor).map((s) => this.#attach(s)));
    if (res.synced) await this.#pollStatics();
  }

  async stop(): Promise<void> {
    for (const off of this.#offs) off();
    this.#offs = [];
    this.#abort.abort();
    const tracked = [...this.#tracked];
    this.#tracked.clear();
    for (const [s, t] of tracked) s.unregisterListener(t.listener);
    await Promise.all(tracked.map(([s, t]) => this.#restore(s, t)));
  }

  #attach(sensor: ResourceSensor): Promise<void> {
    // Tracked synchronously, so a sensorAdded racing start() never attaches twice.
    if (this.#tracked.has(sensor)) return Promise.resolve();
    const plan = this.#sink.plan(sensor);
    if (plan === undefined) return Promise.resolve();
    const listener = (s: ResourceSensor, r: ResourceReading): void => this.#sink.record(s, plan, r);
    const t: TrackedSensor = { plan, listener, restore: undefined, setting: Promise.resolve() };
    this.#tracked.set(sensor, t);
    sensor.registerListener(listener);
    if (plan.strategy.strategy === 'none') return Promise.resolve();
    t.restore = sensor.samplingStrategy;
    t.setting = sensor.setStrategy(plan.strategy, undefined, { timeout: this.#sink.requestTimeout }).then(
      () => undefined,
      (err: unknown) => {
        t.restore = undefined;
        const text = formatStrategyText(plan.strategy);
        this.#sink.report(new SensorRecordError(RecordStage.Strategy, sensor.name, undefined, `setting strategy ${text} on sensor ${sensor.name} failed: ${(err as Error).message}`, { cause: err }));
      },
    );
    return t.setting;
  }

  /** Put back the strategy the sensor had, unless someone changed it since. */
  async #restore(sensor: ResourceSensor, t: TrackedSensor): Promise<void> {
    await t.setting;
    const previous = t.restore;
    if (previous === undefined || !sameStrategy(sensor.samplingStrategy, t.plan.strategy) || sameStrategy(previous, t.plan.strategy)) return;
    try {
      await sensor.setStrategy(previous, undefined, { timeout: this.#sink.requestTimeout });
    } catch (err) {
      const text = formatStrategyText(previous);
      this.#sink.report(new SensorRecordError(RecordStage.Strategy, sensor.name, undefined, `restoring strategy ${text} of sensor ${sensor.name} failed: ${(err as Error).message}`, { cause: err }));
    }
  }

  /** Read every static sensor (its listener records the reading). */
  async #pollStatics(): Promise<void> {
    const signal = this.#abort.signal;
    const statics = [...this.#tracked].filter(([s, t]) => t.plan.strategy.strategy === 'none' && s.present);
    await Promise.all(
      statics.map(async ([s]) => {
        try {
          await s.getReading({ timeout: this.#sink.requestTimeout, signal });
        } catch (err) {
          if (signal.aborted) return;
          this.#sink.report(new SensorRecordError(RecordStage.Poll, s.name, undefined, `reading static sensor ${s.name} failed: ${(err as Error).message}`, { cause: err }));
        }
      }),
    );
  }
}

/**
 * Records the sensors of a `SensorSet` (a server's sensors, or a `SensorWatcher`'s mirror): the
 * current reading when a sensor is attached, then every new one.
 */
export class SensorSetSource implements RecorderSource {
  readonly #set: SensorSet;
  readonly #sink: RecorderSink;
  readonly #attached = new Map<Sensor, () => void>();
  #offs: (() => void)[] = [];

  constructor(set: SensorSet, sink: RecorderSink) {
    this.#set = set;
    this.#sink = sink;
  }

  start(): Promise<void> {
    this.#offs = [this.#set.onAdd((s) => this.#attach(s)), this.#set.onRemove((s) => this.#detach(s))];
    for (const s of this.#set) this.#attach(s);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    for (const off of this.#offs) off();
    this.#offs = [];
    for (const detach of this.#attached.values()) detach();
    this.#attached.clear();
    return Promise.resolve();
  }

  #attach(sensor: Sensor): void {
    if (this.#attached.has(sensor)) return;
    const plan = this.#sink.plan(sensor);
    if (plan === undefined) return;
    this.#attached.set(
      sensor,
      sensor.attach((s, r) => this.#sink.record(s, plan, r)),
    );
    this.#sink.record(sensor, plan, sensor.reading);
  }

  #detach(sensor: Sensor): void {
    this.#attached.get(sensor)?.();
    this.#attached.delete(sensor);
  }
}
