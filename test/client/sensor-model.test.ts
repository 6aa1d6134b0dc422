/**
 * Model-based test of the client's one SensorModel against a fake client and device: random
 * sequences of full listings, readings (of listed and unlisted sensors), views attached and
 * detached, targets attached and detached, strategy claims and withdrawals, reconnects and
 * refusals. Invariants after every step: one entry per listed name; every attached view and
 * target of a present sensor got its latest reading; the wanted strategy is the oldest view's or
 * claim's; no `?sensor-sampling` ever names a sensor whose wanted strategy is not the one sent;
 * the device ends with the wanted strategies; nothing is held for a sensor a listing said does
 * not exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventEmitter } from 'eventemitter3';
import type { Client } from '../../lib/client/client.js';
import { silentLogger } from '../../lib/client/logger.js';
import type { ClaimOwner, ReadingTarget, RemoteSensor, SensorView } from '../../lib/client/sensor-entry.js';
import type { SensorInfo } from '../../lib/client/sensor-informs.js';
import { SensorModel } from '../../lib/client/sensor-model.js';
import { strategyWireArgs } from '../../lib/client/strategy-wire.js';
import { Message } from '../../lib/codec/message.js';
import { FailReply } from '../../lib/errors.js';
import type { Reading, SamplingStrategy } from '../../lib/sensor/index.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { tick } from '../helpers/wait.js';

const POOL = ['a', 'b', 'c', 'd'];
const STRATEGIES: SamplingStrategy[] = [{ strategy: 'event' }, { strategy: 'auto' }, { strategy: 'period', period: 1 }];
// The one formatter (tested on its own): the keys are what goes on the wire.
const keyOf = (s: SamplingStrategy): string => strategyWireArgs(s, 'float', 5).join(' ');
const info = (name: string): SensorInfo => ({ name, description: '', units: '', type: 'float', params: [] });

/** A client with just what the model uses, in front of a device that keeps each sensor's strategy. */
class FakeClient extends EventEmitter {
  readonly clock = new VirtualClock();
  readonly logger = silentLogger;
  readonly codecContext = { protocolMajor: 5 };
  isConnected = true;
  state = 'connected';
  readonly protocolFlags: { bulkSetSensorSampling: boolean; major: number };
  readonly #handlers = new Map<string, Set<(msg: Message) => void>>();
  /** The device: strategy key per sensor on this connection. */
  device = new Map<string, string>();
  /** Strategy keys the device refuses. */
  readonly refuse = new Set<string>();
  /** `name key` refused on this connection (a refused view strategy is not asked again). */
  refused = new Set<string>();
  /** Called with every request before it is answered (the invariant check). */
  onRequest: (names: string[], key: string) => void = () => undefined;

  constructor(bulk: boolean) {
    super();
    this.protocolFlags = { bulkSetSensorSampling: bulk, major: 5 };
  }

  addInformHandler(name: string, handler: (msg: Message) => void): () => void {
    let set = this.#handlers.get(name);
    if (set === undefined) this.#handlers.set(name, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  handlers(name: string): number {
    return this.#handlers.get(name)?.size ?? 0;
  }

  inform(msg: Message): void {
    for (const h of this.#handlers.get(msg.name) ?? []) h(msg);
  }

  request(name: string, names: string, ...args: string[]): Promise<unknown> {
    assert.equal(name, 'sensor-sampling');
    const key = args.join(' ');
    const list = names.split(',');
    this.onRequest(list, key);
    return Promise.resolve().then(() => {
      if (this.refuse.has(key)) {
        for (const n of list) this.refused.add(`${n} ${key}`);
        throw new FailReply(`refused ${key}`);
      }
      for (const n of list) this.device.set(n, key);
      return {};
    });
  }
}

interface ViewRec {
  view: SensorView;
  names: Set<string>;
  strategy: SamplingStrategy;
  seq: number;
  last: Map<string, string>;
}
interface ClaimRec {
  owner: ClaimOwner;
  name: string;
  strategy: SamplingStrategy;
  seq: number;
}
interface TargetRec {
  target: ReadingTarget;
  name: string;
  last: unknown;
  /** The model's reading when attached (a target gets the readings that come while it is attached). */
  before: unknown;
}
interface Real {
  client: FakeClient;
  model: SensorModel;
  views: ViewRec[];
  claims: ClaimRec[];
  targets: TargetRec[];
  claimants: ClaimOwner[];
  seq: number;
  /** Names the listing just applied said do not exist. */
  unlisted: Set<string>;
  /** Every entry a lister got back from the model. */
  entries: Set<RemoteSensor>;
  violations: string[];
}
type Cmd = fc.AsyncCommand<object, Real>;

/** The wanted key by the test's own bookkeeping: the oldest view's or claim's. */
function expectedKey(r: Real, name: string): string {
  let best: { seq: number; key: string } | undefined;
  for (const v of r.views) if (v.names.has(name) && (best === undefined || v.seq < best.seq)) best = { seq: v.seq, key: keyOf(v.strategy) };
  for (const c of r.claims) if (c.name === name && (best === undefined || c.seq < best.seq)) best = { seq: c.seq, key: keyOf(c.strategy) };
  return best?.key ?? 'none';
}

async function settle(r: Real): Promise<void> {
  for (let i = 0; i < 30; i++) await tick();
  check(r);
}

function check(r: Real): void {
  assert.deepEqual(r.violations, []);
  const model = r.model;
  for (const [name, s] of model.sensors) assert.equal(s.info.name, name, 'one entry per name');
  for (const s of r.entries) if (s.inModel) assert.equal(model.sensors.get(s.info.name), s, `an entry that says it is in the model is its name's entry (${s.info.name})`);
  for (const name of r.unlisted) assert.ok(![...model.holding.names].includes(name), `nothing held for ${name}`);
  for (const [name, s] of model.sensors) {
    assert.equal(model.desired(s).key, expectedKey(r, name), `wanted strategy of ${name} is the oldest claim's`);
    if (r.client.isConnected && !r.client.refused.has(`${name} ${expectedKey(r, name)}`)) {
      assert.equal(r.client.device.get(name) ?? 'none', expectedKey(r, name), `the device has the wanted strategy of ${name}`);
    }
    const reading = s.reading;
    if (reading === undefined) continue;
    const value = reading.value.toString();
    for (const v of r.views) if (s.watchers.includes(v.view)) assert.equal(v.last.get(name), value, `view got the latest reading of ${name}`);
    for (const t of r.targets) if (t.name === name && t.before !== reading) assert.equal(t.last, Number(value), `target got the latest reading of ${name}`);
  }
}

const list = (names: string[]): Cmd => ({
  check: () => true,
  async run(_m, r) {
    // The listing is the device's sensor set: a sensor it no longer has has lost its strategy
    // with it (aiokatcp and katcp-python drop a removed sensor's samplers), so one listed again
    // starts with none.
    for (const n of [...r.client.device.keys()]) if (!names.includes(n)) r.client.device.delete(n);
    const by = {};
    r.model.batch(() => {
      for (const n of names) r.model.apply(info(n), by);
      for (const s of [...r.model.sensors.values()]) if (!names.includes(s.info.name)) r.model.remove(s, by);
    });
    r.model.holding.afterListing('all', false);
    r.unlisted = new Set(POOL.filter((n) => !names.includes(n)));
    await settle(r);
    r.unlisted.clear();
  },
  toString: () => `list(${names.join(',')})`,
});

/** What happens between a list's arrival (incoming) and its apply in {@link earlyList}. */
type Between = { apply: string; changed: boolean } | { remove: string } | { reading: string } | 'reconnect' | undefined;

/** The connection drops and comes back to a device that lost its sampling state. */
function reconnectClient(r: Real): void {
  r.client.isConnected = false;
  r.client.emit('disconnected');
  r.client.device = new Map();
  r.client.refused = new Set();
  r.client.isConnected = true;
  r.client.emit('connected');
}

/**
 * A full list as the watchers' monitor takes it: each sensor announced as it arrives
 * (`incoming`), then applied with what that returned, with something else happening in between.
 */
const earlyList = (names: string[], between: Between): Cmd => ({
  check: () => true,
  async run(_m, r) {
    for (const n of [...r.client.device.keys()]) if (!names.includes(n)) r.client.device.delete(n);
    const announced = names.map((n) => r.model.incoming(info(n)) ?? null);
    if (between === 'reconnect') reconnectClient(r);
    else if (between !== undefined && 'apply' in between) {
      r.entries.add(r.model.apply(between.changed ? { ...info(between.apply), description: 'other' } : info(between.apply), {}));
    } else if (between !== undefined && 'remove' in between) {
      const s = r.model.sensors.get(between.remove);
      if (s !== undefined) r.model.remove(s, {});
    } else if (between !== undefined) {
      r.client.inform(Message.inform('sensor-status', '1.0', '1', between.reading, 'nominal', '7'));
    }
    const by = {};
    r.model.batch(() => {
      names.forEach((n, i) => r.entries.add(r.model.apply(info(n), by, announced[i])));
      for (const s of [...r.model.sensors.values()]) if (!names.includes(s.info.name)) r.model.remove(s, by);
    });
    r.model.clearIncoming();
    r.model.holding.afterListing('all', false);
    r.unlisted = new Set(POOL.filter((n) => !names.includes(n)));
    await settle(r);
    r.unlisted.clear();
  },
  toString: () => `earlyList(${names.join(',')} ${JSON.stringify(between)})`,
});

const reading = (name: string, value: number): Cmd => ({
  check: () => true,
  async run(_m, r) {
    r.client.inform(Message.inform('sensor-status', '1.0', '1', name, 'nominal', String(value)));
    await settle(r);
  },
  toString: () => `reading(${name}=${value})`,
});

const addView = (names: string[], strategy: SamplingStrategy): Cmd => ({
  check: () => true,
  async run(_m, r) {
    const rec: ViewRec = { names: new Set(names), strategy, seq: ++r.seq, last: new Map(), view: undefined as unknown as SensorView };
    rec.view = {
      strategy,
      filter: (i) => rec.names.has(i.name),
      batchStart: () => undefined,
      batchStop: () => undefined,
      sensorAdded: () => undefined,
      sensorRemoved: (s) => rec.last.delete(s.info.name),
      sensorUpdated: (s, r) => void rec.last.set(s.info.name, r.value.toString()),
      strategyRejected: () => undefined,
    };
    r.views.push(rec);
    r.model.addView(rec.view);
    await settle(r);
  },
  toString: () => `addView(${names.join(',')} ${keyOf(strategy)})`,
});

const removeView = (i: number): Cmd => ({
  check: () => true,
  async run(_m, r) {
    const rec = r.views[i % Math.max(1, r.views.length)];
    if (rec === undefined) return;
    r.views = r.views.filter((v) => v !== rec);
    r.model.removeView(rec.view);
    await settle(r);
  },
  toString: () => `removeView(${i})`,
});

const claim = (name: string, who: number, strategy: SamplingStrategy | undefined): Cmd => ({
  check: () => true,
  async run(_m, r) {
    const owner = r.claimants[who]!;
    const old = r.claims.find((c) => c.owner === owner && c.name === name);
    r.claims = r.claims.filter((c) => c !== old);
    if (strategy !== undefined) r.claims.push({ owner, name, strategy, seq: old?.seq ?? ++r.seq });
    r.model.claim(name, owner, strategy ?? { strategy: 'none' });
    await settle(r);
  },
  toString: () => `claim(${name}, ${who}, ${strategy === undefined ? 'none' : keyOf(strategy)})`,
});

const attach = (name: string): Cmd => ({
  check: () => true,
  async run(_m, r) {
    const rec: TargetRec = { name, last: undefined, before: r.model.sensors.get(name)?.reading, target: { setReading: (x: Reading<unknown>) => void (rec.last = x.value) } };
    r.targets.push(rec);
    r.model.attachTarget(name, rec.target, { warn: () => undefined, events: { listenerCount: () => 0, emit: () => false } });
    await settle(r);
  },
  toString: () => `attach(${name})`,
});

const detach = (i: number): Cmd => ({
  check: () => true,
  async run(_m, r) {
    const rec = r.targets[i % Math.max(1, r.targets.length)];
    if (rec === undefined) return;
    r.targets = r.targets.filter((t) => t !== rec);
    r.model.detachTarget(rec.name, rec.target);
    await settle(r);
  },
  toString: () => `detach(${i})`,
});

const reconnect: Cmd = {
  check: () => true,
  async run(_m, r) {
    reconnectClient(r);
    await settle(r);
  },
  toString: () => 'reconnect',
};

const refuse = (strategy: SamplingStrategy, on: boolean): Cmd => ({
  check: () => true,
  async run(_m, r) {
    if (on) r.client.refuse.add(keyOf(strategy));
    else r.client.refuse.delete(keyOf(strategy));
    await settle(r);
  },
  toString: () => `refuse(${keyOf(strategy)}, ${on})`,
});

test('sensor model - random listings, readings, views, targets, claims, reconnects and refusals keep one entry per name and the wanted strategies on the device', async () => {
  const name = fc.constantFrom(...POOL);
  const strategy = fc.constantFrom(...STRATEGIES);
  const commands: fc.Arbitrary<Cmd>[] = [
    fc.subarray(POOL).map(list),
    fc
      .tuple(
        fc.oneof(fc.subarray(POOL), fc.shuffledSubarray(POOL)),
        fc.option(
          fc.oneof(
            fc.tuple(name, fc.boolean()).map(([n, changed]): Between => ({ apply: n, changed })),
            name.map((n): Between => ({ remove: n })),
            name.map((n): Between => ({ reading: n })),
            fc.constant<Between>('reconnect'),
          ),
          { nil: undefined },
        ),
      )
      .map(([ns, between]) => earlyList(ns, between)),
    fc.tuple(name, fc.integer({ min: 0, max: 9 })).map(([n, v]) => reading(n, v)),
    fc.tuple(fc.subarray(POOL), strategy).map(([ns, s]) => addView(ns, s)),
    fc.nat().map(removeView),
    fc.tuple(name, fc.integer({ min: 0, max: 1 }), fc.option(strategy, { nil: undefined })).map(([n, w, s]) => claim(n, w, s)),
    name.map(attach),
    fc.nat().map(detach),
    fc.constant(reconnect),
    fc.tuple(strategy, fc.boolean()).map(([s, on]) => refuse(s, on)),
  ];
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.commands(commands, { maxCommands: 25 }), async (bulk, cmds) => {
      const client = new FakeClient(bulk);
      const model = new SensorModel(client as unknown as Client);
      const r: Real = { client, model, views: [], claims: [], targets: [], claimants: [], seq: 0, unlisted: new Set(), entries: new Set(), violations: [] };
      for (let i = 0; i < 2; i++) {
        const owner: ClaimOwner = {
          strategyRejected: (n, s) => {
            // The model withdrew the claim: so does the bookkeeping.
            r.claims = r.claims.filter((c) => !(c.owner === owner && c.name === n && keyOf(c.strategy) === keyOf(s)));
          },
        };
        r.claimants.push(owner);
      }
      const release = model.holding.own({ heldUnknown: () => undefined, makeTarget: () => false, warn: () => undefined });
      client.onRequest = (names, key) => {
        for (const n of names) {
          // A refused claim is withdrawn when its reply comes, so what is sent is what is wanted now.
          const want = expectedKey(r, n);
          if (want !== key) r.violations.push(`?sensor-sampling ${n} ${key} while ${want} is wanted`);
        }
      };
      await fc.asyncModelRun(() => ({ model: {}, real: r }), cmds);
      release();
      assert.equal(client.handlers('sensor-status') > 0, r.views.length > 0 || r.targets.length > 0 || r.claims.length > 0, 'the one handler is registered while the model has views');
    }),
    { numRuns: 100 },
  );
});
