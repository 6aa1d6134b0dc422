/**
 * Model-based test of `KATCPClientResource`'s states against the real demo device behind a wire
 * tap, on a virtual clock: random sequences of sensor and request additions and removals, dropped
 * connections, device outages and restarts, and stop / start cycles. Every state change is checked
 * against the documented edges; `synced` means the `sensor` and `req` namespaces match the device;
 * after stop() every new wait and request rejects at once; at the end no timer is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KATCPClientResource, ResourceState } from '../../lib/resource/resource.js';
import { escapeName } from '../../lib/resource/namespace.js';
import { ConnectionClosedError } from '../../lib/errors.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { Device, quietClient } from '../inspecting/fixtures.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { tick } from '../helpers/wait.js';

const RECONNECT = 100;
const SENSOR_POOL = ['r.s0', 'r.s1'];
const REQUEST_POOL = ['r-q0', 'r-q1'];

/** disconnected -> syncing -> synced; synced -> syncing on a resync; either -> disconnected on loss or stop. */
const EDGES: Readonly<Record<ResourceState, readonly ResourceState[]>> = {
  disconnected: ['syncing'],
  syncing: ['synced', 'disconnected'],
  synced: ['syncing', 'disconnected'],
};

interface Model {
  up: boolean;
  started: boolean;
  sensors: Set<string>;
  requests: Set<string>;
}

interface Real {
  dev: Device;
  res: KATCPClientResource;
  clock: VirtualClock;
  states: ResourceState[];
  violations: string[];
  baseSensors: Set<string>;
  baseRequests: Set<string>;
}

type Cmd = fc.AsyncCommand<Model, Real>;

const keys = (o: object): string[] => Object.keys(o).sort();
const escaped = (names: Iterable<string>): string[] => [...names].map(escapeName).sort();

function observe(r: Real): void {
  r.res.on('stateChange', (state, previous) => {
    const last = r.states.at(-1)!;
    if (previous !== last) r.violations.push(`previous ${previous} is not the last state ${last}`);
    if (!EDGES[last].includes(state)) r.violations.push(`${last} -> ${state} is not a documented edge`);
    if (state === ResourceState.Synced) {
      // The namespaces are complete when synced is announced, not some time later.
      const ic = r.res.inspectingClient!;
      if (keys(r.res.sensor).join() !== escaped(ic.sensors).join()) r.violations.push('synced with a sensor namespace that differs from the inspected model');
      if (keys(r.res.req).join() !== escaped(ic.requests).join()) r.violations.push('synced with a request namespace that differs from the inspected model');
    }
    r.states.push(state);
  });
}

async function drive(r: Real, done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3_000; i++) {
    if (done()) return;
    await tick();
    if (i % 8 === 7) await r.clock.advance(RECONNECT / 2);
  }
  throw new Error(`model: never reached ${what} (resource ${r.res.state}, states ${r.states.slice(-6).join(',')})`);
}

const expectedSensors = (m: Model, r: Real): string[] => escaped([...r.baseSensors, ...m.sensors]);
const expectedRequests = (m: Model, r: Real): string[] => escaped([...r.baseRequests, ...m.requests]);
const matches = (m: Model, r: Real): boolean => keys(r.res.sensor).join() === expectedSensors(m, r).join() && keys(r.res.req).join() === expectedRequests(m, r).join();
const syncs = (r: Real): number => r.states.filter((s) => s === ResourceState.Synced).length;

async function settle(m: Model, r: Real, syncsBefore?: number): Promise<void> {
  if (m.started && m.up) {
    await drive(r, () => r.res.synced && (syncsBefore === undefined || syncs(r) > syncsBefore) && matches(m, r), 'synced with the device');
  } else {
    await drive(r, () => r.res.state === ResourceState.Disconnected, 'disconnected');
  }
  checkInvariants(m, r);
}

function checkInvariants(m: Model, r: Real): void {
  assert.deepEqual(r.violations, []);
  const { res } = r;
  assert.equal(res.state, r.states.at(-1));
  assert.equal(res.synced, res.state === ResourceState.Synced);
  assert.equal(res.isConnected, res.state !== ResourceState.Disconnected);
  if (res.synced) {
    assert.deepEqual(keys(res.sensor), expectedSensors(m, r));
    assert.deepEqual(keys(res.req), expectedRequests(m, r));
    for (const name of m.sensors) assert.equal(res.getSensor(name).name, name);
    for (const name of m.requests) assert.equal(typeof res.getRequest(name), 'function');
  }
}

/** Asserts that `p` has already settled (within a few turns, no clock time) as a rejection of `errorClass`. */
async function rejectsAtOnce(p: Promise<unknown>, errorClass: new (...a: never[]) => Error, what: string): Promise<void> {
  let outcome: { error: unknown } | { value: unknown } | undefined;
  p.then(
    (value: unknown) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  for (let i = 0; i < 5 && outcome === undefined; i++) await tick();
  assert.ok(outcome !== undefined, `${what} is still pending after stop()`);
  assert.ok('error' in outcome && outcome.error instanceof errorClass, `${what} rejects with ${errorClass.name}`);
}

const live = (m: Model): boolean => m.up && m.started;

const addSensor = (i: number): Cmd => ({
  check: (m) => live(m) && !m.sensors.has(SENSOR_POOL[i]!),
  async run(m, r) {
    const before = syncs(r);
    r.dev.server.sensors.add(Sensor.integer({ name: SENSOR_POOL[i]!, description: `resource sensor ${i}` }));
    m.sensors.add(SENSOR_POOL[i]!);
    await settle(m, r, before);
  },
  toString: () => `addSensor(${SENSOR_POOL[i]})`,
});

const removeSensor = (i: number): Cmd => ({
  check: (m) => live(m) && m.sensors.has(SENSOR_POOL[i]!),
  async run(m, r) {
    const before = syncs(r);
    r.dev.server.sensors.remove(SENSOR_POOL[i]!);
    m.sensors.delete(SENSOR_POOL[i]!);
    await settle(m, r, before);
  },
  toString: () => `removeSensor(${SENSOR_POOL[i]})`,
});

const addRequest = (i: number): Cmd => ({
  check: (m) => live(m) && !m.requests.has(REQUEST_POOL[i]!),
  async run(m, r) {
    const before = syncs(r);
    r.dev.server.addRequest({ name: REQUEST_POOL[i]!, description: `resource request ${i}`, handler: () => 'ok' });
    m.requests.add(REQUEST_POOL[i]!);
    await settle(m, r, before);
    const reply = await r.res.call(REQUEST_POOL[i]!);
    assert.equal(reply.succeeded, true);
  },
  toString: () => `addRequest(${REQUEST_POOL[i]})`,
});

const removeRequest = (i: number): Cmd => ({
  check: (m) => live(m) && m.requests.has(REQUEST_POOL[i]!),
  async run(m, r) {
    const before = syncs(r);
    r.dev.server.removeRequest(REQUEST_POOL[i]!);
    m.requests.delete(REQUEST_POOL[i]!);
    await settle(m, r, before);
  },
  toString: () => `removeRequest(${REQUEST_POOL[i]})`,
});

const drop: Cmd = {
  check: live,
  async run(m, r) {
    const before = syncs(r);
    r.dev.tap.dropAll();
    await drive(r, () => r.states.lastIndexOf(ResourceState.Disconnected) > r.states.lastIndexOf(ResourceState.Synced), 'the loss of the connection');
    await settle(m, r, before);
  },
  toString: () => 'drop',
};

const down: Cmd = {
  check: (m) => m.up,
  async run(m, r) {
    await r.dev.down();
    m.up = false;
    m.sensors.clear();
    m.requests.clear();
    await settle(m, r);
  },
  toString: () => 'down',
};

const up: Cmd = {
  check: (m) => !m.up,
  async run(m, r) {
    await r.dev.up();
    m.up = true;
    await settle(m, r);
  },
  toString: () => 'up',
};

const stop: Cmd = {
  check: (m) => m.started,
  async run(m, r) {
    const pending = m.up ? undefined : r.res.untilSynced();
    await r.res.stop();
    m.started = false;
    await settle(m, r);
    if (pending !== undefined) await assert.rejects(pending, ConnectionClosedError);
    await rejectsAtOnce(r.res.untilSynced(), ConnectionClosedError, 'untilSynced()');
    await rejectsAtOnce(r.res.waitConnected(), ConnectionClosedError, 'waitConnected()');
    await rejectsAtOnce(r.res.untilState(ResourceState.Syncing), ConnectionClosedError, 'untilState(syncing)');
    await rejectsAtOnce(r.res.call('watchdog'), ConnectionClosedError, 'a request');
    // Nothing moves after stop.
    const states = r.states.length;
    await r.clock.advance(10 * RECONNECT);
    for (let i = 0; i < 10; i++) await tick();
    assert.equal(r.states.length, states, 'no state change after stop()');
    assert.equal(r.clock.pending, 0, 'no timer left after stop()');
  },
  toString: () => 'stop',
};

const start: Cmd = {
  check: (m) => !m.started,
  async run(m, r) {
    r.res.start();
    m.started = true;
    await settle(m, r);
  },
  toString: () => 'start',
};

test('resource model - random device changes, outages and stop/start cycles keep the resource states and namespaces right', async () => {
  const weighted: [fc.Arbitrary<Cmd>, number][] = [
    [fc.integer({ min: 0, max: SENSOR_POOL.length - 1 }).map(addSensor), 2],
    [fc.integer({ min: 0, max: SENSOR_POOL.length - 1 }).map(removeSensor), 2],
    [fc.integer({ min: 0, max: REQUEST_POOL.length - 1 }).map(addRequest), 2],
    [fc.integer({ min: 0, max: REQUEST_POOL.length - 1 }).map(removeRequest), 2],
    [fc.constant(drop), 2],
    [fc.constant(down), 1],
    [fc.constant(up), 2],
    [fc.constant(stop), 1],
    [fc.constant(start), 2],
  ];
  const commands = weighted.flatMap(([cmd, n]) => Array.from({ length: n }, () => cmd));
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 14 }), async (cmds) => {
      const dev = await Device.start();
      const clock = new VirtualClock();
      const res = new KATCPClientResource({
        name: 'model',
        address: dev.address,
        controlled: true,
        clock,
        logger: quietClient.logger,
        client: { ...quietClient, reconnect: () => RECONNECT },
      });
      const r: Real = { dev, res, clock, states: [res.state], violations: [], baseSensors: new Set(dev.server.sensors.names()), baseRequests: new Set() };
      try {
        observe(r);
        res.start();
        await drive(r, () => res.synced, 'the first sync');
        r.baseRequests = new Set(res.inspectingClient!.requests);
        const model: Model = { up: true, started: true, sensors: new Set(), requests: new Set() };
        checkInvariants(model, r);
        await fc.asyncModelRun(() => ({ model, real: r }), cmds);
        if (model.started) await stop.run(model, r);
      } finally {
        await res.stop();
        await dev.stop();
      }
    }),
    { numRuns: 15 },
  );
});
