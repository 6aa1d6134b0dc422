/**
 * The listing side of the sensor model: a sensor a full list announced early (`incoming`) and
 * the list's `apply` of it, with other listers, removals, reconnects and readings in between.
 * The model skips the lookup by name for an announced sensor only while it can prove the name
 * is still absent; these are the cases where skipping it would be wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'eventemitter3';
import type { Client } from '../../lib/client/client.js';
import { silentLogger } from '../../lib/client/logger.js';
import type { RemoteSensor, SensorView } from '../../lib/client/sensor-entry.js';
import type { SensorInfo } from '../../lib/client/sensor-informs.js';
import { SensorModel } from '../../lib/client/sensor-model.js';
import { Message } from '../../lib/codec/message.js';

const info = (name: string, description = ''): SensorInfo => ({ name, description, units: '', type: 'float', params: [] });

/** Just what the model uses of a client; subscriptions never answer (they stay in flight). */
class FakeClient extends EventEmitter {
  readonly logger = silentLogger;
  readonly codecContext = { protocolMajor: 5 };
  readonly protocolFlags = { bulkSetSensorSampling: true, major: 5 };
  isConnected = true;
  state = 'connected';
  readonly handlers = new Map<string, (msg: Message) => void>();

  addInformHandler(name: string, handler: (msg: Message) => void): () => void {
    this.handlers.set(name, handler);
    return () => this.handlers.delete(name);
  }

  request(): Promise<unknown> {
    return new Promise(() => undefined);
  }
}

/** A model with one view that wants every sensor, recording what the view is told. */
function setup(): { client: FakeClient; model: SensorModel; events: string[]; last: Map<string, string> } {
  const client = new FakeClient();
  const model = new SensorModel(client as unknown as Client);
  const events: string[] = [];
  const last = new Map<string, string>();
  const view: SensorView = {
    strategy: { strategy: 'event' },
    filter: () => true,
    batchStart: () => undefined,
    batchStop: () => undefined,
    sensorAdded: (s, old) => events.push(`added ${s.info.name}${old === undefined ? '' : ' replacing'}`),
    sensorRemoved: (s) => events.push(`removed ${s.info.name}`),
    sensorUpdated: (s, r) => void last.set(s.info.name, r.value.toString()),
    strategyRejected: () => undefined,
  };
  model.addView(view);
  return { client, model, events, last };
}

/** Every entry that says it is in the model is its name's entry. */
function assertOneEntryPerName(model: SensorModel, entries: RemoteSensor[]): void {
  for (const s of entries) if (s.inModel) assert.equal(model.sensors.get(s.info.name), s, `${s.info.name}: one entry`);
}

test('sensor listing - an announced sensor that a second lister applies before the list does stays one entry, not replaced', () => {
  const { model, events } = setup();
  const early = model.incoming(info('a'));
  assert.ok(early !== undefined);
  const other = model.apply(info('a'), {});
  const listed = model.apply(info('a'), {}, early);
  assert.equal(listed, other);
  assert.equal(model.sensors.get('a'), other);
  assertOneEntryPerName(model, [early, other, listed]);
  assert.deepEqual(events, ['added a']);
});

test('sensor listing - a second lister applying another description before the list applies the announced one (with or without a reconnect between): the list replaces it', () => {
  for (const reconnect of [false, true]) {
    const { client, model, events } = setup();
    const early = model.incoming(info('a'));
    assert.ok(early !== undefined);
    if (reconnect) {
      client.emit('disconnected');
      client.emit('connected');
    }
    const other = model.apply(info('a', 'older'), {});
    const listed = model.apply(info('a'), {}, early);
    assert.equal(model.sensors.get('a'), listed);
    assert.equal(other.inModel, false);
    assertOneEntryPerName(model, [early, other, listed]);
    assert.deepEqual(events, ['added a', 'added a replacing']);
  }
});

test('sensor listing - a second lister adding names while a list arrives: the names it added are replaced by the list, the others taken as announced', () => {
  const { model } = setup();
  const a = model.incoming(info('a'));
  const b = model.incoming(info('b'));
  assert.ok(a !== undefined && b !== undefined);
  model.apply(info('c'), {});
  const otherB = model.apply(info('b', 'older'), {});
  const listedA = model.apply(info('a'), {}, a);
  const listedB = model.apply(info('b'), {}, b);
  assert.equal(listedA, a);
  assert.equal(model.sensors.get('b'), listedB);
  assert.equal(otherB.inModel, false);
  assertOneEntryPerName(model, [a, b, otherB, listedA, listedB]);
});

test('sensor listing - a known sensor announced by a list, then removed before the list is applied, is added afresh', () => {
  const { client, model, events } = setup();
  const first = model.apply(info('a'), {});
  // A new connection: the known sensor needs its strategy again, so the next list announces it.
  client.emit('connected');
  const early = model.incoming(info('a'));
  assert.equal(early, first);
  model.remove(first, {});
  const listed = model.apply(info('a'), {}, early);
  assert.notEqual(listed, first);
  assert.equal(model.sensors.get('a'), listed);
  assert.equal(first.inModel, false);
  assertOneEntryPerName(model, [first, listed]);
  assert.deepEqual(events, ['added a', 'removed a', 'added a']);
});

test('sensor listing - readings of announced sensors before the list is applied come with them, names in list order or not', () => {
  for (const names of [
    ['a', 'b', 'c', 'd', 'e'],
    ['c', 'a', 'e', 'b', 'd'],
  ]) {
    const { client, model, last } = setup();
    const announced = names.map((n) => model.incoming(info(n)) ?? null);
    const status = client.handlers.get('sensor-status');
    assert.ok(status !== undefined);
    for (const n of ['e', 'a', 'c', 'x']) status(Message.inform('sensor-status', '1.0', '1', n, 'nominal', `${n}1`));
    model.batch(() => names.forEach((n, i) => model.apply(info(n), {}, announced[i])));
    model.clearIncoming();
    assert.deepEqual(
      [...last].sort((x, y) => (x[0] < y[0] ? -1 : 1)),
      [
        ['a', 'a1'],
        ['c', 'c1'],
        ['e', 'e1'],
      ],
      names.join(','),
    );
  }
});

test('sensor listing - a list that stops part way leaves none of its sensors announced, also when it was applied in full before', () => {
  const { model } = setup();
  const full = ['a', 'b'].map((n) => model.incoming(info(n)));
  full.forEach((s, i) => model.apply(info(['a', 'b'][i]!), {}, s));
  model.clearIncoming();
  assert.deepEqual(
    full.map((s) => s?.incoming),
    [false, false],
  );
  const part = ['c', 'd', 'e'].map((n) => model.incoming(info(n)));
  model.apply(info('c'), {}, part[0]);
  model.apply(info('d'), {}, part[1]);
  model.clearIncoming();
  assert.deepEqual(
    part.map((s) => s?.incoming),
    [false, false, false],
  );
  assert.deepEqual([...model.sensors.keys()], ['a', 'b', 'c', 'd']);
});
