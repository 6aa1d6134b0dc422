/**
 * Time-synchronisation sensors (aiokatcp's `time_sync`): the kernel clock state, its maximum
 * error and its estimated error, read from `adjtimex(2)` and refreshed by a server service task.
 *
 * ```ts
 * const sync = new TimeSyncUpdater(createTimeSyncSensors());   // throws off Linux
 * for (const s of sync.sensors) server.sensors.add(s);
 * server.addServiceTask(timeSyncTask(sync, { period: 1000 }));
 * ```
 * @module
 */
import { Sensor } from '../sensor/sensor.js';
import { SensorStatus } from '../sensor/status.js';
import { sleep, systemClock, type Clock } from '../util/clock.js';
import { KatcpError } from '../errors.js';
import { AdjtimexCallError, CLOCK_STATES, loadAdjtimex, timexTime, type AdjtimexFn, type ClockState } from './adjtimex.js';

/** The sensors a {@link TimeSyncUpdater} keeps up to date (any subset). */
export interface TimeSyncSensors {
  /** Discrete: `ok`, `ins`, `del`, `oop`, `wait`, `error` (the return value of adjtimex). */
  readonly state?: Sensor<string>;
  /** Float: maximum error in seconds. */
  readonly maxerror?: Sensor<number>;
  /** Float: estimated error in seconds. */
  readonly esterror?: Sensor<number>;
}

const KEYS = ['state', 'maxerror', 'esterror'] as const;

/** Status of the clock-state sensor: ok and leap-second states are fine, `error` (unsynchronised) is an error. */
export function clockStateStatus(state: string): SensorStatus {
  switch (state) {
    case 'ok':
    case 'ins':
    case 'del':
      return SensorStatus.Nominal;
    case 'oop':
    case 'wait':
      return SensorStatus.Warn;
    default:
      return SensorStatus.Error;
  }
}

/**
 * Builds the three sensors, named `<prefix>state`, `<prefix>maxerror`, `<prefix>esterror`
 * (prefix default `time.`). None of them has units that would upset katcp-python clients.
 */
export function createTimeSyncSensors(opts: { prefix?: string; clock?: Clock } = {}): Required<TimeSyncSensors> {
  const prefix = opts.prefix ?? 'time.';
  const clock = opts.clock ?? systemClock;
  return {
    state: new Sensor<string>({
      type: 'discrete',
      name: `${prefix}state`,
      description: 'Kernel clock synchronisation state (adjtimex)',
      values: CLOCK_STATES,
      default: 'error',
      statusFunc: clockStateStatus,
      clock,
    }),
    maxerror: new Sensor<number>({
      type: 'float',
      name: `${prefix}maxerror`,
      description: 'Maximum error of the system clock (adjtimex)',
      units: 's',
      clock,
    }),
    esterror: new Sensor<number>({
      type: 'float',
      name: `${prefix}esterror`,
      description: 'Estimated error of the system clock (adjtimex)',
      units: 's',
      clock,
    }),
  };
}

/**
 * Maps `adjtimex(2)` results onto sensors. The kernel's `time` field stamps every reading;
 * errors are converted from microseconds to seconds.
 */
export class TimeSyncUpdater {
  readonly #sensors: TimeSyncSensors;
  readonly #adjtimex: AdjtimexFn;

  /**
   * @param sensors which sensors to update (keys `state`, `maxerror`, `esterror`)
   * @param opts.adjtimex the call to use (default: the real one, bound now)
   * @throws AdjtimexUnavailableError on platforms without adjtimex (unless one is injected)
   * @throws KatcpError for an unknown key
   */
  constructor(sensors: TimeSyncSensors, opts: { adjtimex?: AdjtimexFn } = {}) {
    for (const key of Object.keys(sensors)) {
      if (!(KEYS as readonly string[]).includes(key)) throw new KatcpError(`Key '${key}' is not valid (use ${KEYS.join(', ')})`);
    }
    this.#sensors = { ...sensors };
    this.#adjtimex = opts.adjtimex ?? loadAdjtimex();
  }

  /** The sensors being updated. */
  get sensors(): Sensor[] {
    return KEYS.map((k) => this.#sensors[k] as Sensor | undefined).filter((s): s is Sensor => s !== undefined);
  }

  /**
   * Reads the clock now and updates the sensors. If the call itself fails (errno), each sensor
   * keeps its value with status `failure` and the error is returned (not thrown).
   */
  update(): AdjtimexCallError | undefined {
    let result;
    try {
      result = this.#adjtimex();
    } catch (err) {
      if (!(err instanceof AdjtimexCallError)) throw err;
      for (const s of this.sensors) s.setValue(s.value, { status: SensorStatus.Failure });
      return err;
    }
    const { state, timex } = result;
    const timestamp = timexTime(timex);
    const { state: st, maxerror, esterror } = this.#sensors;
    st?.setValue(state satisfies ClockState, { timestamp });
    maxerror?.setValue(timex.maxerror / 1e6, { timestamp });
    esterror?.setValue(timex.esterror / 1e6, { timestamp });
    return undefined;
  }
}

/**
 * A server service task that calls `updater.update()` now and then every `period` ms
 * (default 1000) until the server stops.
 */
export function timeSyncTask(updater: TimeSyncUpdater, opts: { period?: number; clock?: Clock } = {}): (signal: AbortSignal) => Promise<void> {
  const period = opts.period ?? 1000;
  const clock = opts.clock ?? systemClock;
  if (!(period > 0)) throw new KatcpError(`time-sync period must be positive, got ${period}`);
  return async (signal) => {
    while (!signal.aborted) {
      updater.update();
      try {
        await sleep(clock, period, signal);
      } catch {
        return; // aborted: the server is stopping
      }
    }
  };
}
