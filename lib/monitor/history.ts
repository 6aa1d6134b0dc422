/**
 * Sensor history for the page's sparklines from a telescope-state store, under the keys
 * cam2telstate (and this package's `SensorRecorder`) use: `<device>_<sensor>` with `.` and `-`
 * replaced by `_`.
 * @module
 */
import { escapeName } from '../resource/namespace.js';

/** The part of a `TelescopeState` the monitor reads. */
export interface HistoryStore {
  /** Samples `[value, timestamp]` of `key` from `opts.st` (seconds) on, oldest first; rejects with a `KeyNotFoundError` for a missing key. */
  getRange(key: string, opts: { st: number }): Promise<readonly (readonly [unknown, number])[]>;
}

/** Where the page's sparklines get earlier values from. */
export interface SensorHistory {
  /** Numeric samples `[timestamp, value]` of a sensor since `since` (seconds), oldest first, at most `limit`. */
  history(device: string, sensor: string, since: number, limit: number): Promise<[number, number][]>;
}

/** The telescope-state key of a device's sensor. */
export function historyKey(device: string, sensor: string): string {
  return `${escapeName(device)}_${escapeName(sensor)}`;
}

/** A {@link SensorHistory} over a telescope-state store; a missing key is an empty history. */
export function telstateHistory(store: HistoryStore): SensorHistory {
  return {
    async history(device, sensor, since, limit) {
      let samples: readonly (readonly [unknown, number])[];
      try {
        samples = await store.getRange(historyKey(device, sensor), { st: since });
      } catch (err) {
        if ((err as { name?: string }).name === 'KeyNotFoundError') return [];
        throw err;
      }
      const out: [number, number][] = [];
      for (const [value, ts] of samples) {
        const n = typeof value === 'boolean' ? Number(value) : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'object' ? Number(value) : NaN;
        if (Number.isFinite(n)) out.push([ts, n]);
      }
      return out.slice(-limit);
    },
  };
}
