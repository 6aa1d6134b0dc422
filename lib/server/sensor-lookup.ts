/**
 * Looking up the sensors a bulk `?sensor-sampling` names. A client subscribing what a listing
 * gave it sends the names in the listing's order, so while the server has its sensors sorted by
 * name at hand, each name is first compared with the sensor after the one found last: one string
 * comparison, where a lookup in the name map of a 100 k-sensor device costs ten times as much
 * (hashing the new string, then cache misses in a large table).
 * @module
 */
import { FailReply } from '../errors.js';
import type { Sensor } from '../sensor/sensor.js';

/** The reply to a request naming a sensor the server does not have (the wording katcp-python clients look for). */
export function unknownSensor(name: string): FailReply {
  return new FailReply(`Unknown sensor '${name}'`);
}

/** Index of the sensor called `name` in `sorted` (sorted by name with `<`), or -1. */
function indexOfName(sorted: readonly Sensor[], name: string): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = sorted[mid]!.name;
    if (m === name) return mid;
    if (m < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * The sensors called `names`, in their order.
 * @param byName the server's sensors by name
 * @param sorted the same sensors sorted by name (`<`), when the server has them at hand
 * @throws FailReply for the first name the server does not have
 */
export function lookupSensors(names: readonly string[], byName: { get(name: string): Sensor | undefined }, sorted: readonly Sensor[] | undefined): Sensor[] {
  const n = names.length;
  const out = new Array<Sensor>(n);
  const count = sorted === undefined ? 0 : sorted.length;
  // Where in `sorted` the next name is expected, and whether the last name was found there. A
  // name found elsewhere is searched for in `sorted` (the names skipped some sensors) only right
  // after one that was found there: names in no order cost one search, then map lookups.
  let next = 0;
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    const name = names[i]!;
    let s: Sensor | undefined = next < count ? sorted![next] : undefined;
    if (s !== undefined && s.name === name) {
      next++;
      inOrder = true;
    } else if (inOrder && count !== 0) {
      const at = indexOfName(sorted!, name);
      if (at < 0) throw unknownSensor(name);
      s = sorted![at]!;
      next = at + 1;
      inOrder = false;
    } else {
      s = byName.get(name);
      if (s === undefined) throw unknownSensor(name);
    }
    out[i] = s;
  }
  return out;
}
