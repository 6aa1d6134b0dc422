/**
 * Model-based test of the sensor watcher's sync states (aiokatcp's `SyncState`) against the real
 * demo device behind a wire tap, on a virtual clock: random sequences of sensor additions,
 * removals and value changes, bare `#interface-changed`, dropped connections, device outages and
 * restarts, and closing the watcher or the client. Every state change is checked against the
 * documented edges; after every step the mirror is checked against the device; at the end no
 * timer and no listener is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Client } from '../../lib/client/client.js';
import { silentLogger } from '../../lib/client/logger.js';
import { SensorWatcher } from '../../lib/client/sensor-watcher.js';
import { SyncState } from '../../lib/client/sync-state.js';
import { ConnectionClosedError } from '../../lib/errors.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { Device } from '../inspecting/fixtures.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { tick } from '../helpers/wait.js';

const RECONNECT = 100;
const POOL = ['w.s0', 'w.s1', 'w.s2'];

/** aiokatcp's edges: DISCONNECTED -> SYNCING -> SYNCED, SYNCED -> SYNCING on an interface change, back to DISCONNECTED on loss, CLOSED final. */
const EDGES: Readonly<Record<SyncState, readonly SyncState[]>> = {
  disconnected: ['syncing', 'closed'],
  syncing: ['synced', 'disconnected', 'closed'],
  synced: ['syncing', 'disconnected', 'closed'],
  closed: [],
};

interface Model {
  up: boolean;
  /** Pool sensors on the device, with the value last set. */
  sensors: Map<string, number>;
  /** Watcher closed (by itself or with its client). */
  closed: boolean;
  clientClosed: boolean;
}

interface Real {
  dev: Device;
  client: Client;
  watcher: SensorWatcher;
  clock: VirtualClock;
  states: SyncState[];
  violations: string[];
  base: Set<string>;
}

type Cmd = fc.AsyncCommand<Model, Real>;

const sortedOf = (s: Iterable<string>): string[] => [...s].sort();

function observe(r: Real): void {
  r.watcher.on('stateChange', (state, previous) => {
    const last = r.states.at(-1)!;
    if (previous !== last) r.violations.push(`previous ${previous} is not the last state ${last}`);
    if (!EDGES[last].includes(state)) r.violations.push(`${last} -> ${state} is not a documented edge`);
    r.states.push(state);
  });
  r.watcher.on('synced', () => {
    if (r.states.at(-1) !== SyncState.Synced) r.violations.push('synced emitted outside the synced state');
  });
}

async function drive(r: Real, done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3_000; i++) {
    if (done()) return;
    await tick();
    if (i % 8 === 7) await r.clock.advance(RECONNECT / 2);
  }
  throw new Error(`model: never reached ${what} (watcher ${r.watcher.state}, states ${r.states.slice(-6).join(',')}, mirror ${sortedOf(r.watcher.sensors.names()).filter((n) => !r.base.has(n)).join(',')})`);
}

const expectedNames = (m: Model, r: Real): string[] => sortedOf([...r.base, ...m.sensors.keys()]);

function mirrorMatches(m: Model, r: Real): boolean {
  if (sortedOf(r.watcher.sensors.names()).join() !== expectedNames(m, r).join()) return false;
  for (const [name, value] of m.sensors) if (r.watcher.sensors.get(name)?.value !== value) return false;
  return true;
}

const allUnreachable = (r: Real): boolean => [...r.watcher.sensors.values()].every((s) => s.status === 'unreachable');

async function settle(m: Model, r: Real, syncsBefore?: number): Promise<void> {
  if (m.closed) {
    await drive(r, () => r.watcher.state === SyncState.Closed, 'closed');
  } else if (m.up) {
    const syncs = (): number => r.states.filter((s) => s === SyncState.Synced).length;
    await drive(r, () => r.watcher.state === SyncState.Synced && (syncsBefore === undefined || syncs() > syncsBefore) && mirrorMatches(m, r), 'a synced mirror');
  } else {
    await drive(r, () => r.watcher.state === SyncState.Disconnected, 'disconnected');
  }
  checkInvariants(m, r);
}

function checkInvariants(m: Model, r: Real): void {
  assert.deepEqual(r.violations, []);
  const { watcher } = r;
  assert.equal(watcher.state, r.states.at(-1));
  if (watcher.state === SyncState.Synced) {
    // Every sensor of the device is mirrored, with its description and current value.
    assert.deepEqual(sortedOf(watcher.sensors.names()), expectedNames(m, r));
    for (const name of watcher.sensors.names()) {
      assert.ok(watcher.info(name) !== undefined, `info of ${name}`);
      assert.ok(r.dev.server.sensors.get(name) !== undefined, `${name} is on the device`);
    }
    for (const [name, value] of m.sensors) assert.equal(watcher.sensors.get(name)?.value, value, name);
  }
  if (watcher.state === SyncState.Disconnected || watcher.state === SyncState.Closed) assert.ok(allUnreachable(r), 'mirrored sensors are unreachable');
}

const syncs = (r: Real): number => r.states.filter((s) => s === SyncState.Synced).length;
const live = (m: Model): boolean => m.up && !m.closed;

const addSensor = (i: number): Cmd => ({
  check: (m) => live(m) && !m.sensors.has(POOL[i]!),
  async run(m, r) {
    const before = syncs(r);
    const sensor = Sensor.integer({ name: POOL[i]!, description: `watched ${i}` });
    sensor.setValue(i);
    r.dev.server.sensors.add(sensor);
    m.sensors.set(POOL[i]!, i);
    await settle(m, r, before);
  },
  toString: () => `addSensor(${POOL[i]})`,
});

const removeSensor = (i: number): Cmd => ({
  check: (m) => live(m) && m.sensors.has(POOL[i]!),
  async run(m, r) {
    const removed: string[] = [];
    const onRemoved = (s: Sensor): void => void removed.push(s.name);
    r.watcher.on('sensorRemoved', onRemoved);
    r.dev.server.sensors.remove(POOL[i]!);
    m.sensors.delete(POOL[i]!);
    // A removal is applied locally (no re-list), so there need not be a new sync.
    await settle(m, r);
    r.watcher.off('sensorRemoved', onRemoved);
    assert.deepEqual(removed, [POOL[i]]);
  },
  toString: () => `removeSensor(${POOL[i]})`,
});

const setValue = (i: number, value: number): Cmd => ({
  check: (m) => live(m) && m.sensors.has(POOL[i]!),
  async run(m, r) {
    (r.dev.server.sensors.get(POOL[i]!) as Sensor<number>).setValue(value);
    m.sensors.set(POOL[i]!, value);
    await settle(m, r);
  },
  toString: () => `setValue(${POOL[i]}, ${value})`,
});

const interfaceChanged: Cmd = {
  check: live,
  async run(m, r) {
    const before = syncs(r);
    r.dev.tap.inject(['#interface-changed']);
    await settle(m, r, before);
  },
  toString: () => '#interface-changed',
};

const drop: Cmd = {
  check: live,
  async run(m, r) {
    const before = syncs(r);
    r.dev.tap.dropAll();
    await drive(r, () => r.states.lastIndexOf(SyncState.Disconnected) > r.states.lastIndexOf(SyncState.Synced), 'the loss of the connection');
    await settle(m, r, before);
  },
  toString: () => 'drop',
};

const down: Cmd = {
  check: live,
  async run(m, r) {
    await r.dev.down();
    m.up = false;
    m.sensors.clear();
    await settle(m, r);
  },
  toString: () => 'down',
};

const up: Cmd = {
  check: (m) => !m.up && !m.closed,
  async run(m, r) {
    await r.dev.up();
    m.up = true;
    await settle(m, r);
  },
  toString: () => 'up',
};

async function checkClosed(m: Model, r: Real): Promise<void> {
  assert.equal(r.watcher.state, SyncState.Closed);
  await assert.rejects(r.watcher.untilSynced(), ConnectionClosedError);
  const states = r.states.length;
  // The device keeps changing, the closed mirror does not follow.
  const values = new Map([...r.watcher.sensors.values()].map((s) => [s.name, s.value]));
  const updates: string[] = [];
  const onUpdate = (s: Sensor): void => void updates.push(s.name);
  r.watcher.on('sensorUpdated', onUpdate);
  r.watcher.on('sensorAdded', onUpdate);
  if (m.up) {
    for (const name of m.sensors.keys()) (r.dev.server.sensors.get(name) as Sensor<number>).setValue(100);
    if (r.dev.server.sensors.get('after.close') === undefined) r.dev.server.sensors.add(Sensor.integer({ name: 'after.close' }));
  }
  await r.clock.advance(10 * RECONNECT);
  for (let i = 0; i < 10; i++) await tick();
  assert.equal(r.states.length, states, 'no state change after closed');
  assert.deepEqual(updates, [], 'no mirrored update after closed');
  assert.deepEqual(new Map([...r.watcher.sensors.values()].map((s) => [s.name, s.value])), values);
  r.watcher.off('sensorUpdated', onUpdate);
  r.watcher.off('sensorAdded', onUpdate);
}

const closeWatcher: Cmd = {
  check: (m) => !m.closed,
  async run(m, r) {
    const pending = m.up ? undefined : r.watcher.untilSynced();
    r.watcher.close();
    m.closed = true;
    if (pending !== undefined) await assert.rejects(pending, ConnectionClosedError);
    await settle(m, r);
    await checkClosed(m, r);
  },
  toString: () => 'closeWatcher',
};

const closeClient: Cmd = {
  check: (m) => !m.clientClosed,
  async run(m, r) {
    const pending = m.up || m.closed ? undefined : r.watcher.untilSynced();
    await r.client.close();
    m.closed = true;
    m.clientClosed = true;
    if (pending !== undefined) await assert.rejects(pending, ConnectionClosedError);
    await settle(m, r);
    await checkClosed(m, r);
  },
  toString: () => 'closeClient',
};

test('sensor watcher model - random device changes and outages keep the sync state machine on its edges and the mirror complete', async () => {
  const weighted: [fc.Arbitrary<Cmd>, number][] = [
    [fc.integer({ min: 0, max: POOL.length - 1 }).map(addSensor), 3],
    [fc.integer({ min: 0, max: POOL.length - 1 }).map(removeSensor), 2],
    [fc.tuple(fc.integer({ min: 0, max: POOL.length - 1 }), fc.integer({ min: -5, max: 5 })).map(([i, v]) => setValue(i, v)), 3],
    [fc.constant(interfaceChanged), 1],
    [fc.constant(drop), 2],
    [fc.constant(down), 1],
    [fc.constant(up), 2],
    [fc.constant(closeWatcher), 1],
    [fc.constant(closeClient), 1],
  ];
  const commands = weighted.flatMap(([cmd, n]) => Array.from({ length: n }, () => cmd));
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 14 }), async (cmds) => {
      const dev = await Device.start();
      const clock = new VirtualClock();
      const client = new Client('127.0.0.1', dev.port, { clock, logger: silentLogger, reconnect: () => RECONNECT });
      const watcher = new SensorWatcher(client);
      const r: Real = { dev, client, watcher, clock, states: [watcher.state], violations: [], base: new Set(dev.server.sensors.names()) };
      try {
        observe(r);
        const model: Model = { up: true, sensors: new Map(), closed: false, clientClosed: false };
        await settle(model, r);
        await fc.asyncModelRun(() => ({ model, real: r }), cmds);
        if (!model.clientClosed) await closeClient.run(model, r);
        assert.equal(clock.pending, 0, 'no timer left once the client is closed');
        for (const e of client.eventNames()) assert.equal(client.listenerCount(e), 0, `listener left on the client for ${String(e)}`);
      } finally {
        await client.close();
        await dev.stop();
      }
    }),
    { numRuns: 15 },
  );
});
