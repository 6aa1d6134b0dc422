/**
 * Model-based test of the inspecting client's state machine against the real demo device behind
 * a wire tap, on a virtual clock: random sequences of sensor and request additions and removals,
 * bare `#interface-changed`, dropped connections, device restarts and outages, stalled
 * inspections (sync timeouts and resync backoffs) and stop. The invariants of katcp-python's
 * `(connected, synced, model_changed, data_synced)` state are checked on every state change, the
 * model against the device after every step, and at the end no timer, listener or callback is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InspectingClient } from '../../lib/inspecting/inspecting-client.js';
import { InspectingState, isAllowedTransition } from '../../lib/inspecting/state.js';
import type { InspectingStateValue } from '../../lib/inspecting/state.js';
import type { ModelChanges } from '../../lib/inspecting/model.js';
import { ConnectionClosedError, SyncError } from '../../lib/errors.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { Device, quietClient } from './fixtures.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { tick } from '../helpers/wait.js';

const DELAY_INITIAL = 200;
const DELAY_MAX = 1_000;
const SYNC_TIMEOUT = 5_000;
const RECONNECT = 100;
const SENSOR_POOL = ['m.s0', 'm.s1', 'm.s2'];
const REQUEST_POOL = ['m-r0', 'm-r1'];
const LEGAL = new Set<InspectingStateValue>(Object.values(InspectingState));

interface Model {
  up: boolean;
  sensors: Set<string>;
  requests: Set<string>;
  stopped: boolean;
}

interface Real {
  dev: Device;
  ic: InspectingClient;
  clock: VirtualClock;
  /** State names in the order of the stateChange events. */
  events: string[];
  /** State names in the order the state callback saw them. */
  callbacks: string[];
  /** Sensor and request names at the last data sync (what the reported changes must lead from). */
  seenSensors: Set<string>;
  seenRequests: Set<string>;
  /** Sync errors with their retry delays, in order. */
  syncErrors: { error: Error; delay: number }[];
  /** Failed inspections since the last completed sync (for the backoff bounds). */
  failuresSinceSync: number;
  /** Invariant violations seen inside listeners (thrown later, in the test's own flow). */
  violations: string[];
  /** The device's own sensors and requests (the demo's), fixed at the first sync. */
  baseSensors: Set<string>;
  baseRequests: Set<string>;
}

type Cmd = fc.AsyncCommand<Model, Real>;

const sortedOf = (s: Iterable<string>): string[] => [...s].sort();

function apply(prev: Set<string>, changes: { added: ReadonlySet<string>; removed: ReadonlySet<string> }): Set<string> {
  const next = new Set(prev);
  for (const n of changes.removed) next.delete(n);
  for (const n of changes.added) next.add(n);
  return next;
}

/** Checks done on every state change (listener side: violations are collected, not thrown). */
function observe(r: Real, ic: InspectingClient): void {
  let prev: InspectingStateValue = InspectingState.Disconnected;
  ic.on('stateChange', (s, changes) => {
    const v = (msg: string): void => void r.violations.push(`${prev.name} -> ${s.name}: ${msg}`);
    if (!LEGAL.has(s)) v('not one of the five legal state tuples');
    if (s === prev) v('the same state reported twice in a row');
    else if (!isAllowedTransition(prev, s)) v('not an allowed transition');
    if (s.synced && !(s.connected && s.dataSynced)) v('synced without connected and data_synced');
    if (s.modelChanged !== (changes !== undefined)) v('changes are given iff the model changed');
    if (s.dataSynced && !prev.dataSynced) {
      // A model change is reported iff the sensors or requests changed.
      const sensors = new Set(ic.sensors);
      const requests = new Set(ic.requests);
      if (changes === undefined) {
        if (sortedOf(sensors).join() !== sortedOf(r.seenSensors).join()) v('sensors changed without a reported model change');
        if (sortedOf(requests).join() !== sortedOf(r.seenRequests).join()) v('requests changed without a reported model change');
      } else {
        const c: ModelChanges = changes;
        if (c.sensors.added.size + c.sensors.removed.size + c.requests.added.size + c.requests.removed.size === 0) v('an empty model change');
        if (sortedOf(apply(r.seenSensors, c.sensors)).join() !== sortedOf(sensors).join()) v('sensor changes do not lead to the new model');
        if (sortedOf(apply(r.seenRequests, c.requests)).join() !== sortedOf(requests).join()) v('request changes do not lead to the new model');
      }
      r.seenSensors = sensors;
      r.seenRequests = requests;
    }
    if (s.synced) r.failuresSinceSync = 0;
    r.events.push(s.name);
    prev = s;
  });
  ic.on('syncError', (error, delay) => {
    const base = Math.min(DELAY_INITIAL * 3 ** r.failuresSinceSync, DELAY_MAX);
    if (!(delay >= 0.05 * base - 1e-9 && delay <= base + 1e-9)) {
      r.violations.push(`retry delay ${delay} outside [${0.05 * base}, ${base}] after ${r.failuresSinceSync} failures`);
    }
    r.failuresSinceSync++;
    r.syncErrors.push({ error, delay });
  });
}

function checkViolations(r: Real): void {
  assert.deepEqual(r.violations, []);
}

/**
 * Drive the world (socket I/O in real turns, reconnects and backoffs on the virtual clock) until
 * `done` holds; a guard against hangs, not a timing check.
 */
async function drive(r: Real, done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3_000; i++) {
    if (done() && r.callbacks.length === r.events.length) return;
    await tick();
    if (i % 8 === 7) await r.clock.advance(RECONNECT / 2);
  }
  throw new Error(`model: never reached ${what} (state ${r.ic.state.name}, events ${r.events.slice(-8).join(',')}, sensors ${r.ic.sensors.filter((n) => !r.baseSensors.has(n)).join(',')}, requests ${r.ic.requests.filter((n) => !r.baseRequests.has(n)).join(',')})\nfrom the device: ${r.dev.tap.fromDevice.filter((l) => !/^#(help|sensor-list)/.test(l)).slice(-12).join('\n')}\nfrom the client: ${r.dev.tap.fromClient.slice(-12).join('\n')}`);
}

/** The device-side truth the model predicts. */
function expectedSensors(m: Model, r: Real): string[] {
  return sortedOf([...r.baseSensors, ...m.sensors]);
}
function expectedRequests(m: Model, r: Real): string[] {
  return sortedOf([...r.baseRequests, ...m.requests]);
}

/** Wait for the state the model predicts (a fresh sync after `syncedBefore` when asked), then check. */
async function settle(m: Model, r: Real, syncedBefore?: number): Promise<void> {
  const syncedCount = (): number => r.events.filter((e) => e === 'synced').length;
  if (m.up) {
    await drive(
      r,
      () =>
        r.ic.synced &&
        (syncedBefore === undefined || syncedCount() > syncedBefore) &&
        sortedOf(r.ic.sensors).join() === expectedSensors(m, r).join() &&
        sortedOf(r.ic.requests).join() === expectedRequests(m, r).join(),
      'synced with the device',
    );
  } else {
    await drive(r, () => r.ic.state === InspectingState.Disconnected, 'disconnected');
  }
  checkInvariants(m, r);
}

function checkInvariants(m: Model, r: Real): void {
  checkViolations(r);
  const { ic } = r;
  assert.ok(LEGAL.has(ic.state));
  assert.equal(ic.connected, ic.state.connected);
  assert.equal(ic.synced, ic.state.synced);
  assert.equal(ic.dataSynced, ic.state.dataSynced);
  assert.equal(ic.closed, m.stopped);
  assert.equal(r.events.at(-1) ?? 'disconnected', ic.state.name, 'the last event is the current state');
  assert.deepEqual(r.callbacks, r.events, 'the state callback saw every state, in order');
  if (ic.synced) {
    assert.deepEqual(sortedOf(ic.sensors), expectedSensors(m, r));
    assert.deepEqual(sortedOf(ic.requests), expectedRequests(m, r));
    for (const name of ic.requests) assert.ok(r.dev.server.hasRequest(name), name);
    for (const name of ic.sensors) assert.ok(r.dev.server.sensors.get(name) !== undefined, name);
  }
}

const syncs = (r: Real): number => r.events.filter((e) => e === 'synced').length;

const addSensor = (i: number): Cmd => ({
  check: (m) => m.up && !m.stopped && !m.sensors.has(SENSOR_POOL[i]!),
  async run(m, r) {
    const before = syncs(r);
    r.dev.server.sensors.add(Sensor.integer({ name: SENSOR_POOL[i]!, description: `model sensor ${i}` }));
    m.sensors.add(SENSOR_POOL[i]!);
    await settle(m, r, before);
  },
  toString: () => `addSensor(${SENSOR_POOL[i]})`,
});

const removeSensor = (i: number): Cmd => ({
  check: (m) => m.up && !m.stopped && m.sensors.has(SENSOR_POOL[i]!),
  async run(m, r) {
    const before = syncs(r);
    r.dev.server.sensors.remove(SENSOR_POOL[i]!);
    m.sensors.delete(SENSOR_POOL[i]!);
    await settle(m, r, before);
  },
  toString: () => `removeSensor(${SENSOR_POOL[i]})`,
});

const addRequest = (i: number): Cmd => ({
  check: (m) => m.up && !m.stopped && !m.requests.has(REQUEST_POOL[i]!),
  async run(m, r) {
    const before = syncs(r);
    r.dev.server.addRequest({ name: REQUEST_POOL[i]!, description: `model request ${i}`, handler: () => 'ok' });
    m.requests.add(REQUEST_POOL[i]!);
    await settle(m, r, before);
  },
  toString: () => `addRequest(${REQUEST_POOL[i]})`,
});

const removeRequest = (i: number): Cmd => ({
  check: (m) => m.up && !m.stopped && m.requests.has(REQUEST_POOL[i]!),
  async run(m, r) {
    const before = syncs(r);
    r.dev.server.removeRequest(REQUEST_POOL[i]!);
    m.requests.delete(REQUEST_POOL[i]!);
    await settle(m, r, before);
  },
  toString: () => `removeRequest(${REQUEST_POOL[i]})`,
});

const interfaceChanged: Cmd = {
  check: (m) => m.up && !m.stopped,
  async run(m, r) {
    const before = syncs(r);
    const eventsBefore = r.events.length;
    r.dev.tap.inject(['#interface-changed']);
    await settle(m, r, before);
    // An unchanged device: connected, dataSynced, synced, and no model change.
    assert.deepEqual(r.events.slice(eventsBefore), ['connected', 'dataSynced', 'synced']);
  },
  toString: () => '#interface-changed',
};

const drop: Cmd = {
  check: (m) => m.up && !m.stopped,
  async run(m, r) {
    const before = syncs(r);
    r.dev.tap.dropAll();
    await drive(r, () => r.events.includes('disconnected', r.events.lastIndexOf('synced')), 'the loss of the connection');
    await settle(m, r, before);
  },
  toString: () => 'drop',
};

const down: Cmd = {
  check: (m) => m.up && !m.stopped,
  async run(m, r) {
    await r.dev.down();
    m.up = false;
    // A restarted device has lost what was added at runtime.
    m.sensors.clear();
    m.requests.clear();
    await settle(m, r);
  },
  toString: () => 'down',
};

const up = (withSensor: boolean): Cmd => ({
  check: (m) => !m.up && !m.stopped,
  async run(m, r) {
    await r.dev.up((server) => {
      if (withSensor) server.sensors.add(Sensor.integer({ name: SENSOR_POOL[0]!, description: 'born with the device' }));
    });
    m.up = true;
    if (withSensor) m.sensors.add(SENSOR_POOL[0]!);
    await settle(m, r);
  },
  toString: () => `up(${withSensor ? 'with a new sensor' : 'unchanged'})`,
});

/** Inspections time out `failures` times in a row (replies to ?sensor-list lost), then recover. */
const stall = (failures: number): Cmd => ({
  check: (m) => m.up && !m.stopped,
  async run(m, r) {
    const before = syncs(r);
    const errorsBefore = r.syncErrors.length;
    r.dev.tap.transform = (line) => (/^[!#]sensor-list/.test(line) ? null : line);
    r.dev.tap.inject(['#interface-changed']);
    for (let k = 0; k < failures; k++) {
      const listed = r.dev.tap.sent(/^\?sensor-list/).length;
      await drive(r, () => r.dev.tap.sent(/^\?sensor-list/).length > listed, 'the stalled ?sensor-list');
      await r.clock.advance(SYNC_TIMEOUT);
      await drive(r, () => r.syncErrors.length > errorsBefore + k, 'the sync error');
      assert.ok(r.syncErrors.at(-1)!.error instanceof SyncError);
      assert.equal(r.ic.synced, false);
      checkViolations(r);
    }
    r.dev.tap.transform = undefined;
    await settle(m, r, before);
  },
  toString: () => `stall(${failures})`,
});

const stop: Cmd = {
  check: (m) => !m.stopped,
  async run(m, r) {
    const wasSynced = r.ic.synced;
    const pending = r.ic.untilSynced();
    const waitWhileDown = m.up ? undefined : r.ic.untilConnected();
    await r.ic.stop();
    m.stopped = true;
    assert.equal(r.ic.state, InspectingState.Disconnected);
    if (!wasSynced) await assert.rejects(pending, ConnectionClosedError);
    if (waitWhileDown !== undefined) await assert.rejects(waitWhileDown, ConnectionClosedError);
    await assert.rejects(r.ic.untilSynced(), ConnectionClosedError);
    await assert.rejects(r.ic.inspect(), ConnectionClosedError);
    checkInvariants(m, r);
    // Nothing happens after stop: no state change, no callback, no timer.
    const events = r.events.length;
    if (m.up) r.dev.server.sensors.add(Sensor.integer({ name: 'after.stop' }));
    await r.clock.advance(60_000);
    for (let i = 0; i < 20; i++) await tick();
    assert.equal(r.events.length, events);
    assert.equal(r.callbacks.length, events);
    assert.equal(r.clock.pending, 0, 'no timer left after stop');
  },
  toString: () => 'stop',
};

/** A small deterministic random source for the backoff (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('inspecting client model - random device changes, outages and stalls keep the state machine invariants', async () => {
  const weighted: [Cmd, number][] = [
    ...SENSOR_POOL.flatMap((_, i): [Cmd, number][] => [
      [addSensor(i), 2],
      [removeSensor(i), 2],
    ]),
    ...REQUEST_POOL.flatMap((_, i): [Cmd, number][] => [
      [addRequest(i), 1],
      [removeRequest(i), 1],
    ]),
    [interfaceChanged, 2],
    [drop, 2],
    [down, 1],
    [up(false), 2],
    [up(true), 1],
    [stall(1), 1],
    [stall(3), 1],
    [stop, 1],
  ];
  const commands = weighted.flatMap(([cmd, n]) => Array.from({ length: n }, () => fc.constant(cmd)));
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 14 }), fc.integer(), async (cmds, seed) => {
      const dev = await Device.start();
      const clock = new VirtualClock();
      const r: Partial<Real> & Pick<Real, 'events' | 'callbacks' | 'violations'> = { events: [], callbacks: [], violations: [] };
      const ic = new InspectingClient('127.0.0.1', dev.port, {
        clock,
        syncTimeout: SYNC_TIMEOUT,
        resyncBackoff: { delayInitial: DELAY_INITIAL, delayMax: DELAY_MAX, random: seeded(seed) },
        client: { ...quietClient, reconnect: () => RECONNECT },
        logger: quietClient.logger,
        stateCallback: async (s) => {
          await tick();
          r.callbacks.push(s.name);
        },
      });
      try {
        const real: Real = {
          ...r,
          dev,
          ic,
          clock,
          seenSensors: new Set(),
          seenRequests: new Set(),
          syncErrors: [],
          failuresSinceSync: 0,
          baseSensors: new Set(dev.server.sensors.names()),
          baseRequests: new Set(),
        };
        observe(real, ic);
        ic.start();
        await drive(real, () => ic.synced, 'the first sync');
        real.baseRequests = new Set(ic.requests);
        const model: Model = { up: true, sensors: new Set(), requests: new Set(), stopped: false };
        checkInvariants(model, real);
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        if (!model.stopped) await stop.run(model, real);
        const client = ic.client!;
        for (const e of client.eventNames()) assert.equal(client.listenerCount(e), 0, `listener left on the client for ${String(e)}`);
      } finally {
        await ic.close();
        await dev.stop();
      }
    }),
    { numRuns: 12 },
  );
});
