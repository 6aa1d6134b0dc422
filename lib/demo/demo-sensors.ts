/**
 * The demo device's sensors: results of its requests, one sensor of every KATCP type, a
 * device status, a fast counter, and any number of extra floats for scale work. Nothing here
 * upsets katcp-python clients (no units on timestamp sensors, every discrete sensor has values).
 * @module
 */
import { Address } from '../codec/address.js';
import { deviceStatusSensor } from '../sensor/device-status.js';
import { Sensor } from '../sensor/sensor.js';
import type { Clock } from '../util/clock.js';

/** The fruit the demo device can pick. */
export const FRUITS = ['apple', 'banana', 'cherry', 'durian', 'elderberry'] as const;
/** One of {@link FRUITS}. */
export type Fruit = (typeof FRUITS)[number];

/** The modes of the demo's discrete sensor. */
export const MODES = ['idle', 'observing', 'maintenance-mode'] as const;

/** The demo sensors that requests and service tasks update. */
export interface DemoSensors {
  readonly addResult: Sensor<number>;
  readonly timeResult: Sensor<number>;
  readonly fruitResult: Sensor<Fruit>;
  readonly counter: Sensor<number | bigint>;
  readonly extra: readonly Sensor<number>[];
  /** Every sensor above plus one of every type and the device status. */
  readonly all: readonly Sensor[];
}

/** Name of extra sensor `i`: `extra.00000`, `extra.00001`, ... */
export function extraSensorName(i: number): string {
  return `extra.${String(i).padStart(5, '0')}`;
}

/** Builds the demo sensors (not yet added to a server). */
export function createDemoSensors(opts: { clock: Clock; extra: number }): DemoSensors {
  const { clock } = opts;
  const nominal = 'nominal' as const;
  const addResult = Sensor.float({ name: 'add.result', description: 'Last result of ?add', clock });
  const timeResult = Sensor.timestamp({ name: 'time.result', description: 'Last time returned by ?time', clock });
  const fruitResult = Sensor.discrete({ name: 'fruit.result', description: 'Last fruit picked by ?pick-fruit', values: FRUITS, clock });
  const counter = Sensor.integer({ name: 'fast.counter', description: 'Incremented every 10 ms', default: 0, initialStatus: nominal, clock });
  const extra: Sensor<number>[] = [];
  for (let i = 0; i < opts.extra; i++) {
    extra.push(Sensor.float({ name: extraSensorName(i), description: `Extra float sensor ${i}`, units: 'arb', default: 0, initialStatus: nominal, clock }));
  }
  const typed: Sensor[] = [
    Sensor.integer({ name: 'type.integer', description: 'An integer sensor', units: 'counts', default: 42, initialStatus: nominal, range: { nominal: [0, 100] }, clock }),
    Sensor.float({ name: 'type.float', description: 'A float sensor', units: 'V', default: 3.25, initialStatus: nominal, clock }),
    Sensor.boolean({ name: 'type.boolean', description: 'A boolean sensor', default: true, initialStatus: nominal, clock }),
    Sensor.string({ name: 'type.string', description: 'A string sensor with spaces', default: 'hello world', initialStatus: nominal, clock }),
    // Valid UTF-8 (katcp-python decodes string sensors as UTF-8) but needing escapes on the wire.
    Sensor.bytes({ name: 'type.bytes', description: 'A bytes sensor', default: Buffer.from('raw\x00\x1b bytes\n', 'latin1'), initialStatus: nominal, clock }),
    Sensor.discrete({ name: 'type.discrete', description: 'A discrete sensor', values: MODES, default: 'observing', initialStatus: nominal, clock }),
    Sensor.lru({ name: 'type.lru', description: 'An LRU sensor', default: 'nominal', initialStatus: nominal, clock }),
    Sensor.timestamp({ name: 'type.timestamp', description: 'A timestamp sensor', default: clock.now(), initialStatus: nominal, clock }),
    Sensor.address({ name: 'type.address', description: 'An IPv4 address sensor', default: Address.parse('127.0.0.1:7147'), initialStatus: nominal, clock }),
    Sensor.address({ name: 'type.address6', description: 'An IPv6 address sensor', default: Address.parse('[::1]:7147'), initialStatus: nominal, clock }),
    Sensor.float({
      name: 'status-func.float',
      description: 'Status derived from the value: warn from 10',
      default: 0,
      statusFunc: (v) => (v < 10 ? 'nominal' : 'warn'),
      clock,
    }),
    Sensor.float({
      name: 'auto-period.float',
      description: 'auto strategy overridden to period 1s',
      default: 0,
      initialStatus: nominal,
      autoStrategy: { strategy: 'period', period: 1 },
      clock,
    }),
    deviceStatusSensor({ clock }),
  ];
  return {
    addResult,
    timeResult,
    fruitResult,
    counter,
    extra,
    all: [addResult, timeResult, fruitResult, counter, ...typed, ...extra],
  };
}
