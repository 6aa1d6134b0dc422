/**
 * Pre-encoded wire pieces of sensors, so `?sensor-list`, `?sensor-value` and `#sensor-status`
 * build their messages from cached argument buffers instead of re-encoding constant fields.
 * @module
 */
import { Message } from '../codec/message.js';
import { formatFloat } from '../codec/types.js';
import type { Sensor } from '../sensor/sensor.js';
import type { Reading, SensorStatus } from '../sensor/status.js';

const ONE = Buffer.from('1');
const STATUS_BYTES: Readonly<Record<SensorStatus, Buffer>> = Object.freeze({
  unknown: Buffer.from('unknown'),
  nominal: Buffer.from('nominal'),
  warn: Buffer.from('warn'),
  error: Buffer.from('error'),
  failure: Buffer.from('failure'),
  unreachable: Buffer.from('unreachable'),
  inactive: Buffer.from('inactive'),
});

interface SensorWire {
  readonly name: Buffer;
  /** `name description units type params...` */
  readonly list: Buffer[];
  /** The last reading encoded, reused while the sensor keeps that reading. */
  lastReading: Reading<unknown> | undefined;
  lastArgs: Buffer[] | undefined;
}

const cache = new WeakMap<Sensor, SensorWire>();

function wireOf(sensor: Sensor): SensorWire {
  let w = cache.get(sensor);
  if (w === undefined) {
    const name = Buffer.from(sensor.name, 'latin1');
    const list = [name, Buffer.from(sensor.description, 'utf8'), Buffer.from(sensor.units, 'utf8'), Buffer.from(sensor.wireType, 'latin1')];
    for (const p of sensor.params) list.push(Buffer.from(p, 'utf8'));
    w = { name, list, lastReading: undefined, lastArgs: undefined };
    cache.set(sensor, w);
  }
  return w;
}

/** The `#sensor-list` arguments of a sensor: name, description, units, type, params. */
export function sensorListArgs(sensor: Sensor): Buffer[] {
  return wireOf(sensor).list;
}

/** The arguments `timestamp 1 name status value` for a reading of `sensor`. */
export function readingArgs(sensor: Sensor, reading: Reading<unknown>): Buffer[] {
  const w = wireOf(sensor);
  if (w.lastReading === reading && w.lastArgs !== undefined) return w.lastArgs;
  const args = [
    Buffer.from(formatFloat(reading.timestamp), 'latin1'),
    ONE,
    w.name,
    STATUS_BYTES[reading.status],
    sensor.codec.encode(reading.value),
  ];
  w.lastReading = reading;
  w.lastArgs = args;
  return args;
}

/** `#sensor-status <timestamp> 1 <name> <status> <value>` (asynchronous, no mid). */
export function sensorStatusMessage(sensor: Sensor, reading: Reading<unknown>): Message {
  return new Message('#', 'sensor-status', readingArgs(sensor, reading));
}

/** `#sensor-value[mid] <timestamp> 1 <name> <status> <value>` (reply inform). */
export function sensorValueMessage(sensor: Sensor, mid: number | undefined): Message {
  return new Message('#', 'sensor-value', readingArgs(sensor, sensor.reading), mid);
}

/** `#sensor-list[mid] <name> <description> <units> <type> [params...]` (reply inform). */
export function sensorListMessage(sensor: Sensor, mid: number | undefined): Message {
  return new Message('#', 'sensor-list', sensorListArgs(sensor), mid);
}
