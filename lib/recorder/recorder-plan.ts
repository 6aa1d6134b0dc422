/**
 * Options of the sensor recorder and what it derives from them for each sensor: whether it is
 * recorded, under which telstate keys, with which strategy, as immutable or not, and how a KATCP
 * value becomes a telstate value (as MeerKAT's cam2telstate stores it).
 * @module
 */
import { Address } from '../codec/address.js';
import { KatcpError, KatcpErrorCode, KatcpTypeError } from '../errors.js';
import { clientSensorType } from '../client/sensor-informs.js';
import { escapeName } from '../resource/namespace.js';
import { normalizeStrategy } from '../resource/strategy.js';
import type { StrategyInput } from '../resource/strategy.js';
import type { Reading, SensorStatus } from '../sensor/status.js';
import { isSensorStatus } from '../sensor/status.js';
import type { SamplingStrategy } from '../sensor/strategy.js';
import { RecordStage, SensorRecordError } from './errors.js';
import { Float64 } from '../telstate/values.js';

/** What the recorder knows of a sensor (both `ResourceSensor` and `Sensor` have these). */
export interface RecordedSensor {
  /** The KATCP name, e.g. `pos.actual-scan-azim`. */
  readonly name: string;
  /** The KATCP type: `integer`, `float`, `boolean`, `discrete`, `lru`, `string`, `timestamp`, `address` (or `bytes`). */
  readonly type: string;
  /** Units (may be empty). */
  readonly units: string;
  /** Description. */
  readonly description: string;
}

/**
 * Which sensors: a KATCP name (`'fruit.result'`) or escaped name (`'fruit_result'`), matched
 * exactly; a RegExp searched in the KATCP name; a list of those (any may match); or a predicate.
 */
export type SensorSelector = string | RegExp | readonly (string | RegExp)[] | ((sensor: RecordedSensor) => boolean);

/** Per-sensor strategies, keyed by KATCP or escaped sensor name. */
export type StrategyOverrides = Readonly<Record<string, StrategyInput>> | ReadonlyMap<string, StrategyInput>;

/** Options of a `SensorRecorder`. */
export interface SensorRecorderOptions {
  /** The sensors to record (default: all). */
  sensors?: SensorSelector;
  /** Sensors never recorded, even if `sensors` selects them. */
  exclude?: SensorSelector;
  /**
   * Sampling strategy set on every recorded sensor of a resource (default `'event'`). A sensor
   * whose strategy is `'none'` is static: it is read once after every (re)sync and stored as an
   * immutable. For a `SensorSet` source the strategy only decides that (`'none'` = immutable).
   */
  strategy?: StrategyInput;
  /** Per-sensor strategies (cam2telstate's `sampling_strategy_and_params`), e.g. `{ 'pos.actual-scan-azim': 'period 0.5' }`. */
  strategies?: StrategyOverrides;
  /** Sensors stored as immutables (attributes), e.g. serial numbers and versions. */
  immutables?: SensorSelector;
  /**
   * The prefix of the default key `<prefix>_<sensor>` (`.` and `-` become `_`, as cam2telstate's
   * `m000_pos_actual_scan_azim`). Default: the resource name; none for a `SensorSet`.
   */
  prefix?: string;
  /**
   * Rename: given the sensor and its default key, the key (or keys: the reading is stored under
   * each; `[]` records nothing) to use.
   */
  rename?: (sensor: RecordedSensor, defaultKey: string) => string | readonly string[];
  /**
   * Convert a value before it is stored (cam2telstate's converters). Gets the value as the
   * recorder would store it (a `Float64` for float and timestamp sensors) and the reading;
   * returns the value to store, or `undefined` to skip this reading. A throw is reported (stage
   * `convert`) and the reading is skipped.
   */
  convert?: (value: unknown, sensor: RecordedSensor, reading: Reading<unknown>) => unknown;
  /** The statuses recorded (default `nominal`, `warn`, `error`, as cam2telstate). */
  statuses?: readonly SensorStatus[];
  /** Timeout (ms) of strategy and `?sensor-value` requests (default 10000). */
  requestTimeout?: number;
  /** Called with every error, besides the `error` event. */
  onError?: (error: SensorRecordError) => void;
}

/** How one sensor is recorded. */
export interface SensorPlan {
  /** The telstate keys (usually one). */
  readonly keys: readonly string[];
  /** Stored as an immutable. */
  readonly immutable: boolean;
  /** The strategy to set (`none`: static, read once per sync). */
  readonly strategy: SamplingStrategy;
}

const DEFAULT_STATUSES: readonly SensorStatus[] = ['nominal', 'warn', 'error'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Matcher = (sensor: RecordedSensor) => boolean;

function compileSelector(selector: SensorSelector, what: string): Matcher {
  if (typeof selector === 'function') return selector;
  const parts: readonly unknown[] = Array.isArray(selector) ? selector : [selector];
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  for (const p of parts) {
    if (typeof p === 'string') names.add(p);
    // Without g/y a RegExp keeps no lastIndex state between tests.
    else if (p instanceof RegExp) patterns.push(new RegExp(p.source, p.flags.replace(/[gy]/g, '')));
    else throw new KatcpTypeError('sensor selector', `${what} must be a name, a RegExp, a list of those or a function, not ${typeof p}`);
  }
  return (s) => names.has(s.name) || names.has(escapeName(s.name)) || patterns.some((re) => re.test(s.name));
}

function lookupOverride(overrides: StrategyOverrides | undefined, name: string): StrategyInput | undefined {
  if (overrides === undefined) return undefined;
  if (overrides instanceof Map) return (overrides.get(name) ?? overrides.get(escapeName(name))) as StrategyInput | undefined;
  const rec = overrides as Readonly<Record<string, StrategyInput>>;
  for (const k of [name, escapeName(name)]) if (Object.hasOwn(rec, k)) return rec[k];
  return undefined;
}

function checkStrategy(input: StrategyInput, what: string): void {
  try {
    normalizeStrategy(input, 'float');
  } catch (err) {
    throw new KatcpError(`${what}: ${(err as Error).message}`, KatcpErrorCode.InvalidStrategy, { cause: err });
  }
}

function validKey(k: unknown): k is string {
  return typeof k === 'string' && k.length > 0;
}

/** The recorder's options, checked and compiled. */
export class RecorderPlanner {
  /** The statuses recorded. */
  readonly statuses: ReadonlySet<SensorStatus>;
  /** Timeout (ms) of device requests. */
  readonly requestTimeout: number;
  /** The user's converter, if any. */
  readonly convert: SensorRecorderOptions['convert'];
  readonly #select: Matcher;
  readonly #exclude: Matcher | undefined;
  readonly #immutables: Matcher | undefined;
  readonly #strategy: StrategyInput;
  readonly #overrides: StrategyOverrides | undefined;
  readonly #prefix: string;
  readonly #rename: SensorRecorderOptions['rename'];

  /** @throws KatcpError / KatcpTypeError for invalid options */
  constructor(opts: SensorRecorderOptions, defaultPrefix: string) {
    this.#select = opts.sensors === undefined ? () => true : compileSelector(opts.sensors, 'sensors');
    this.#exclude = opts.exclude === undefined ? undefined : compileSelector(opts.exclude, 'exclude');
    this.#immutables = opts.immutables === undefined ? undefined : compileSelector(opts.immutables, 'immutables');
    this.#strategy = opts.strategy ?? 'event';
    this.#overrides = opts.strategies;
    // Fail early on strategies that no sensor type accepts; type-specific checks come per sensor.
    checkStrategy(this.#strategy, 'strategy');
    const entries = opts.strategies instanceof Map ? [...opts.strategies] : Object.entries(opts.strategies ?? {});
    for (const [name, s] of entries) checkStrategy(s as StrategyInput, `strategies[${JSON.stringify(name)}]`);
    const statuses = opts.statuses ?? DEFAULT_STATUSES;
    for (const s of statuses) if (!isSensorStatus(s)) throw new KatcpTypeError('status', `statuses: ${JSON.stringify(s)} is not a sensor status`);
    this.statuses = new Set(statuses);
    const timeout = opts.requestTimeout ?? 10_000;
    if (!(timeout > 0)) throw new KatcpTypeError('timeout', `requestTimeout must be a positive number of ms, not ${String(timeout)}`);
    this.requestTimeout = timeout;
    if (opts.rename !== undefined && typeof opts.rename !== 'function') throw new KatcpTypeError('function', 'rename must be a function');
    if (opts.convert !== undefined && typeof opts.convert !== 'function') throw new KatcpTypeError('function', 'convert must be a function');
    this.#rename = opts.rename;
    this.convert = opts.convert;
    const prefix = opts.prefix ?? defaultPrefix;
    if (typeof prefix !== 'string') throw new KatcpTypeError('string', 'prefix must be a string');
    this.#prefix = escapeName(prefix);
  }

  /** cam2telstate's key: `<prefix>_<sensor>` with `.` and `-` replaced by `_`. */
  defaultKey(name: string): string {
    const n = escapeName(name);
    return this.#prefix === '' ? n : `${this.#prefix}_${n}`;
  }

  /**
   * How `sensor` is recorded, or undefined when it is not selected.
   * @throws SensorRecordError (stage `strategy` or `rename`) when its options do not work for it
   */
  plan(sensor: RecordedSensor): SensorPlan | undefined {
    if (!this.#select(sensor) || this.#exclude?.(sensor) === true) return undefined;
    let strategy: SamplingStrategy;
    try {
      strategy = normalizeStrategy(lookupOverride(this.#overrides, sensor.name) ?? this.#strategy, clientSensorType(sensor.type));
    } catch (err) {
      throw new SensorRecordError(RecordStage.Strategy, sensor.name, undefined, `sensor ${sensor.name}: ${(err as Error).message}`, { cause: err });
    }
    const defaultKey = this.defaultKey(sensor.name);
    let keys: readonly string[];
    try {
      const renamed = this.#rename === undefined ? defaultKey : this.#rename(sensor, defaultKey);
      keys = typeof renamed === 'string' ? [renamed] : [...new Set(renamed)];
    } catch (err) {
      throw new SensorRecordError(RecordStage.Rename, sensor.name, undefined, `renaming sensor ${sensor.name} failed: ${(err as Error).message}`, { cause: err });
    }
    const bad = keys.findIndex((k) => !validKey(k));
    if (bad !== -1) {
      const shown = typeof keys[bad] === 'string' ? JSON.stringify(keys[bad]) : String(keys[bad]);
      throw new SensorRecordError(RecordStage.Rename, sensor.name, undefined, `rename gave sensor ${sensor.name} an invalid key ${shown}: keys are non-empty strings`);
    }
    const immutable = strategy.strategy === 'none' || this.#immutables?.(sensor) === true;
    return { keys, immutable, strategy };
  }
}

/**
 * The telstate value of a KATCP sensor value, as cam2telstate stores it: floats and timestamps
 * as `Float64` (so Python reads a float even when the value is integral), integers as numbers
 * (bigints beyond 2^53), booleans as booleans, discrete, lru and string values as strings,
 * addresses in their text form (`127.0.0.1:7147`, `[::1]:7147`), and bytes as a string when they
 * are UTF-8 (raw bytes otherwise).
 */
export function telstateValue(type: string, value: unknown): unknown {
  switch (type) {
    case 'float':
    case 'timestamp':
      return typeof value === 'number' ? new Float64(value) : value;
    case 'address':
      return value instanceof Address ? value.toString() : value;
    case 'bytes':
    case 'string':
      if (value instanceof Uint8Array) {
        try {
          return utf8.decode(value);
        } catch {
          return value;
        }
      }
      return value;
    default:
      return value;
  }
}
