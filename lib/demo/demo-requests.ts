/**
 * The demo device's requests: arithmetic, time, echo, the fruit picker, slow, failing and
 * crashing requests, and runtime sensor management.
 * @module
 */
import { Sensor } from '../sensor/sensor.js';
import { FailReply } from '../errors.js';
import type { DeviceServer } from '../server/device-server.js';
import { defineRequest } from '../server/request.js';
import type { RequestDefinition } from '../server/request.js';
import { sleep } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { FRUITS } from './demo-sensors.js';
import type { DemoSensors } from './demo-sensors.js';

/** What the demo requests need. */
export interface DemoRequestDeps {
  readonly server: DeviceServer;
  readonly sensors: DemoSensors;
  readonly clock: Clock;
  /** Random numbers in [0, 1) (injectable for tests). */
  readonly random: () => number;
  /** Total time `?pick-fruit` takes, in ms. */
  readonly fruitDelay: number;
}

/** The steps `?pick-fruit` reports as `#pick-fruit` informs, one per third of its delay. */
export const FRUIT_STEPS = ['walking to the orchard', 'climbing a tree', 'looking for fruit'] as const;

/** Builds the demo request declarations. */
export function demoRequests(deps: DemoRequestDeps): RequestDefinition[] {
  const { server, sensors, clock, random, fruitDelay } = deps;
  const defs = [
    defineRequest({
      name: 'add',
      description: 'Add two numbers and return the sum (also sets add.result).',
      params: [
        { type: 'float', name: 'x' },
        { type: 'float', name: 'y' },
      ],
      returns: ['float'],
      handler: (_ctx, x, y) => {
        sensors.addResult.setValue(x + y);
        return x + y;
      },
    }),
    defineRequest({
      name: 'time',
      description: 'Return the current time as a KATCP timestamp: seconds since the epoch, milliseconds on a v4 device (also sets time.result).',
      returns: ['timestamp'],
      handler: () => {
        const now = clock.now();
        sensors.timeResult.setValue(now, { timestamp: now });
        return now;
      },
    }),
    defineRequest({
      name: 'time-offset',
      description:
        'Return the seconds from now until the given timestamp (negative when it is past).\n\n' +
        'The timestamp is in seconds, or in milliseconds when the device speaks KATCP v4.',
      params: [{ type: 'timestamp', name: 'when' }],
      returns: ['float'],
      handler: (_ctx, when) => when - clock.now(),
    }),
    defineRequest({
      name: 'echo',
      description: 'Return the arguments unchanged.',
      params: [{ type: 'bytes', name: 'args', rest: true }],
      handler: (_ctx, ...args) => args.map((a) => Buffer.from(a)),
    }),
    defineRequest({
      name: 'pick-fruit',
      description:
        'Pick a random fruit (also sets fruit.result).\n\n' +
        'Reports progress with #pick-fruit informs, then replies with the fruit after a delay, or\n' +
        'fails with "No fruit" when the tree is bare.',
      returns: ['string'],
      timeoutHint: 10,
      handler: async (ctx) => {
        for (const step of FRUIT_STEPS) {
          ctx.inform(step);
          await sleep(clock, fruitDelay / FRUIT_STEPS.length, ctx.signal);
        }
        const i = Math.floor(random() * (FRUITS.length + 1));
        const fruit = FRUITS[i];
        if (fruit === undefined) throw new FailReply('No fruit');
        sensors.fruitResult.setValue(fruit);
        return fruit;
      },
    }),
    defineRequest({
      name: 'slow',
      description: 'Wait for the given number of seconds, then reply with it.',
      params: [{ type: 'float', name: 'seconds' }],
      returns: ['float'],
      timeoutHint: 60,
      handler: async (ctx, seconds) => {
        if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new FailReply('seconds must be a finite number >= 0');
        await sleep(clock, seconds * 1000, ctx.signal);
        return seconds;
      },
    }),
    defineRequest({
      name: 'fail',
      description: 'Always fail, with the given message.',
      params: [{ type: 'string', name: 'message', default: 'this request always fails' }],
      handler: (_ctx, message) => {
        throw new FailReply(message);
      },
    }),
    defineRequest({
      name: 'crash',
      description: 'Throw an unexpected error (the server replies fail and carries on).',
      handler: () => {
        throw new Error('deliberate crash');
      },
    }),
    defineRequest({
      name: 'add-sensor',
      description: 'Add a float sensor (sends #interface-changed).',
      params: [
        { type: 'string', name: 'name' },
        { type: 'string', name: 'description', default: 'dynamically added' },
      ],
      handler: (_ctx, name, description) => {
        server.sensors.add(Sensor.float({ name, description, default: 0, initialStatus: 'nominal', clock }));
      },
    }),
    defineRequest({
      name: 'remove-sensor',
      description: 'Remove a sensor (sends #interface-changed).',
      params: [{ type: 'string', name: 'name' }],
      handler: (_ctx, name) => {
        if (!server.sensors.remove(name)) throw new FailReply(`Unknown sensor '${name}'`);
      },
    }),
    defineRequest({
      name: 'set-sensor',
      description: 'Set a sensor from its wire form: name value [status].',
      params: [
        { type: 'string', name: 'name' },
        { type: 'bytes', name: 'value' },
        { type: 'sensor-status', name: 'status', optional: true },
      ],
      handler: (_ctx, name, raw, status) => {
        const sensor = server.sensors.get(name);
        if (sensor === undefined) throw new FailReply(`Unknown sensor '${name}'`);
        const value = sensor.codec.decode(raw);
        sensor.setValue(value, status === undefined ? undefined : { status });
      },
    }),
    defineRequest({
      name: 'burst',
      description:
        'Update the extra sensors round-robin count times as fast as possible (load testing).\n\n' +
        'Yields to other work every batch updates; replies with the count and the seconds taken.',
      params: [
        { type: 'integer', name: 'count' },
        { type: 'integer', name: 'batch', default: 1000 },
      ],
      returns: ['integer', 'float'],
      handler: async (ctx, countArg, batchArg) => {
        const count = Number(countArg);
        const batch = Number(batchArg);
        const extra = sensors.extra;
        if (extra.length === 0) throw new FailReply('the device has no extra sensors (start it with --sensors N)');
        if (!(count >= 0) || !(batch >= 1)) throw new FailReply('count must be >= 0 and batch >= 1');
        const start = performance.now();
        for (let i = 0; i < count; i++) {
          extra[i % extra.length]!.setValue(i);
          if (i % batch === batch - 1) {
            await new Promise((resolve) => setImmediate(resolve));
            await ctx.drain();
          }
        }
        return [count, (performance.now() - start) / 1000];
      },
    }),
    defineRequest({
      name: 'log-message',
      description: 'Send a #log inform at the given level (if the device log level allows it).',
      params: [
        { type: 'discrete', name: 'level', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] },
        { type: 'string', name: 'text' },
      ],
      handler: (_ctx, level, text) => {
        server.log(level, text, { logger: 'demo' });
      },
    }),
  ];
  return defs as unknown as RequestDefinition[];
}
