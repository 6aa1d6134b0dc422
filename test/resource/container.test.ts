import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KATCPClientResourceContainer, prefixedKey } from '../../lib/resource/container.js';
import type { ContainerSpec } from '../../lib/resource/container.js';
import type { ResourceSensor } from '../../lib/resource/resource-sensor.js';
import { ConnectionClosedError, KatcpError, KatcpRangeError, KatcpTimeoutError, KatcpTypeError } from '../../lib/errors.js';
import { Device, quietClient, sorted } from '../inspecting/fixtures.js';

const LONG = { timeout: 15_000 };

async function devices(t: { after: (fn: () => Promise<void>) => void }, n: number): Promise<Device[]> {
  const devs = await Promise.all(Array.from({ length: n }, () => Device.start()));
  t.after(async () => {
    await Promise.all(devs.map((d) => d.stop()));
  });
  return devs;
}

function container(t: { after: (fn: () => Promise<void>) => void }, spec: ContainerSpec): KATCPClientResourceContainer {
  const c = new KATCPClientResourceContainer(spec);
  t.after(() => c.stop());
  return c;
}

const child = (d: Device, extra: object = {}): { address: string; controlled: boolean; client: typeof quietClient } => ({ address: d.address, controlled: true, client: quietClient, ...extra });

function sensorAppears(c: KATCPClientResourceContainer, key: string): Promise<ResourceSensor> {
  return new Promise((resolve) => {
    const check = (): void => {
      const s = c.sensor[key];
      if (s !== undefined) {
        for (const ch of c.childList) ch.off('sensorAdded', check);
        resolve(s);
      }
    };
    for (const ch of c.childList) ch.on('sensorAdded', check);
    check();
  });
}

test('container - children by escaped name, with their names, parent and addresses (upstream test_init)', () => {
  const c = new KATCPClientResourceContainer({
    name: 'c',
    description: 'container',
    clients: { 'client-1': { address: '127.0.0.1:1' }, client2: { address: ['127.0.0.1', 2] } },
    groups: { g1: ['client-1'], g2: ['client-1', 'client2'] },
  });
  assert.equal(c.name, 'c');
  assert.equal(c.description, 'container');
  assert.deepEqual(sorted(Object.keys(c.children)), ['client2', 'client_1']);
  assert.equal(c.children.client_1, c.children['client-1']);
  assert.equal(c.children.client_1!.name, 'client-1');
  assert.equal(c.children.client_1!.parent, c);
  assert.deepEqual(c.children.client2!.address, ['127.0.0.1', 2]);
  c.addGroup('g3', ['client2']);
  assert.deepEqual(sorted(Object.keys(c.groups)), ['g1', 'g2', 'g3']);
  assert.deepEqual(c.groups.g2!.clients.map((x) => x.name), ['client-1', 'client2']);
  assert.equal(c.groups.g3!.size, 1);
  assert.throws(() => c.addGroup('bad', ['nobody']), KatcpError);
  assert.throws(() => c.addChild('client_1', { address: 'h:1' }), KatcpError);
  assert.throws(() => new KATCPClientResourceContainer({ name: '', clients: {} }), KatcpError);
  assert.equal(prefixedKey('client-1', 'a.b'), 'client_1_a_b');
  assert.equal(prefixedKey('client-1', 'agg.b'), 'agg_b');
});

test('container - prefixed namespaces hold the children own objects; agg_ items keep their name (upstream test_sensor / test_req)', async (t) => {
  const [d1, d2] = await devices(t, 2);
  const c = container(t, {
    name: 'c',
    clients: { dev1: child(d1!), 'dev-2': child(d2!, { controlled: false, alwaysAllowedRequests: ['watchdog'] }) },
  });
  c.start();
  await c.untilAllSynced(LONG);
  const dev1 = c.children.dev1!;
  const dev2 = c.children.dev_2!;
  assert.equal(c.sensor.dev1_fruit_result, dev1.sensor.fruit_result);
  assert.equal(c.sensor['dev1.fruit.result'], dev1.sensor.fruit_result);
  assert.equal(c.sensor.dev_2_type_integer, dev2.sensor.type_integer);
  assert.equal(c.req.dev1_pick_fruit, dev1.req.pick_fruit);
  assert.deepEqual(Object.keys(c.req).filter((k) => k.startsWith('dev_2_')), ['dev_2_watchdog']);
  assert.equal(Object.keys(c.sensor).length, Object.keys(dev1.sensor).length + Object.keys(dev2.sensor).length);
  const agg = sensorAppears(c, 'agg_total');
  await dev2.inspectingClient!.simpleRequest('add-sensor', 'agg.total');
  assert.equal(await agg, dev2.sensor.agg_total);
  assert.equal(c.sensor.dev_2_agg_total, undefined);
  const gone = new Promise<void>((resolve) => dev2.once('sensorRemoved', () => resolve()));
  await dev2.inspectingClient!.simpleRequest('remove-sensor', 'agg.total');
  await gone;
  assert.equal(c.sensor.agg_total, undefined);
});

test('container - untilAllSynced, untilAnySynced and untilNotSynced (upstream test_until_synced / test_until_not_synced)', async (t) => {
  const [d1, d2] = await devices(t, 2);
  const c = container(t, { name: 'c', clients: { a: child(d1!), b: child(d2!) } });
  await assert.rejects(c.untilAllSynced({ timeout: 0 }), KatcpTimeoutError);
  await c.untilNotSynced({ timeout: 0 });
  c.start();
  await c.untilAnySynced(LONG);
  await c.untilAllSynced(LONG);
  assert.equal(c.synced, true);
  assert.equal(c.isConnected, true);
  await assert.rejects(c.untilNotSynced({ timeout: 0 }), KatcpTimeoutError);
  await c.untilAllInState('synced', { timeout: 0 });
  const notSynced = c.untilNotSynced();
  await d2!.down();
  await notSynced;
  await c.untilAnyInState('disconnected', LONG);
  assert.equal(c.synced, false);
  await d2!.up();
  await c.untilAllSynced(LONG);
  const pending = c.untilNotSynced();
  await c.stop();
  await pending;
});

test('container - group requests fan out; members without the request give undefined (upstream test_group_request)', async (t) => {
  const [d1, d2] = await devices(t, 2);
  const c = container(t, { name: 'c', clients: { client1: child(d1!), 'another-client': child(d2!) }, groups: { both: ['client1', 'another-client'] } });
  c.start();
  await c.untilAllSynced(LONG);
  const g = c.groups.both!;
  const offered = new Promise<void>((resolve) => c.children.client1!.once('requestAdded', () => resolve()));
  d1!.server.addRequest({ name: 'req-1', description: 'r1', handler: () => undefined });
  await offered;
  assert.equal(g.req.req_1!.name, 'req_1');
  const partial = await g.req.req_1!();
  assert.equal(partial.get('client1')?.succeeded, true);
  assert.equal(partial.get('another-client'), undefined);
  assert.equal(partial.succeeded, false);
  const second = new Promise<void>((resolve) => c.children.another_client!.once('requestAdded', () => resolve()));
  d2!.server.addRequest({ name: 'req-1', description: 'r1', handler: () => undefined });
  await second;
  const both = await g.req.req_1!();
  assert.equal(both.succeeded, true);
  const add = await g.req.add!(1, 2);
  assert.deepEqual([...add.values()].map((r) => r?.float(0)), [3, 3]);
  assert.equal([...g].length, 2);
});

test('container - a group with a dummy-mode member offers every request name; a group without one does not (upstream test_dummy_requests)', async (t) => {
  const [d1, d2] = await devices(t, 2);
  const c = container(t, {
    name: 'c',
    clients: { nodummy: child(d1!), dummy: child(d2!, { dummyUnknownRequests: true }) },
    groups: { mixed: ['nodummy', 'dummy'], plain: ['nodummy'] },
  });
  c.start();
  await c.untilAllSynced(LONG);
  const offered = new Promise<void>((resolve) => c.children.nodummy!.once('requestAdded', () => resolve()));
  d1!.server.addRequest({ name: 'req-one', description: 'r1', handler: () => undefined });
  await offered;
  const mixed = c.groups.mixed!;
  assert.equal(mixed.req.req_one!.name, 'req_one');
  const one = await mixed.req.req_one!();
  assert.equal(one.get('nodummy')?.succeeded, true);
  assert.equal(one.get('dummy')?.reply.toString(), '!fake ok', 'a dummy-mode member has every request');
  const blah = await mixed.req.blah!('x');
  assert.equal(blah.get('nodummy'), undefined);
  assert.equal(blah.get('dummy')?.succeeded, true);
  assert.equal(mixed.req.blah, mixed.req.blah);
  assert.ok(!Object.keys(mixed.req).includes('blah'));
  assert.equal(c.groups.plain!.req.blah, undefined);
  assert.ok(c.groups.plain!.req.req_one !== undefined);
});

test('container - strategies and listeners route to the child named by the prefix, also for children with a dash (katcp-python looks up the unescaped name and fails)', async (t) => {
  const [d1, d2] = await devices(t, 2);
  const c = container(t, { name: 'c', clients: { client1: child(d1!), 'client-2': child(d2!) } });
  c.start();
  await c.untilAllSynced(LONG);
  assert.equal(await c.setSamplingStrategy('client_2_type_float', 'event'), true);
  assert.deepEqual(c.children.client_2!.sensor.type_float!.samplingStrategy, { strategy: 'event' });
  assert.deepEqual(c.children.client1!.sensor.type_float!.samplingStrategy, { strategy: 'none' });
  assert.equal(await c.setSamplingStrategy('client1.type.float', 'period 1'), true);
  assert.deepEqual(c.children.client1!.sensor.type_float!.samplingStrategy, { strategy: 'period', period: 1 });
  const results = await c.setSamplingStrategies('type_integer$', 'event');
  assert.deepEqual([...results.keys()], ['client1_type_integer', 'client_2_type_integer']);
  // A sensor that does not exist yet is preset on the child its prefix names.
  assert.equal(await c.setSamplingStrategy('client_2_later_x', 'event'), false);
  const seen: unknown[] = [];
  assert.equal(c.setSensorListener('client_2_later_x', (_s, r) => seen.push(r.value)), false);
  const appeared = sensorAppears(c, 'client_2_later_x');
  await c.children.client_2!.req.add_sensor!('later.x');
  const later = await appeared;
  await c.untilAllSynced(LONG);
  assert.deepEqual(later.samplingStrategy, { strategy: 'event' });
  await later.wait(0, LONG);
  assert.ok(seen.length > 0);
  await assert.rejects(c.setSamplingStrategy('nobody_x', 'event'), KatcpError);
  const listed = await c.listSensors('^client_2_type_(float|integer)$');
  assert.deepEqual(listed.map((s) => c.keyOf(s)), ['client_2_type_float', 'client_2_type_integer']);
});

test('container - group wait with a quorum across members (upstream test_group_wait)', async (t) => {
  const devs = await devices(t, 3);
  const c = container(t, { name: 'c', clients: { a: child(devs[0]!), b: child(devs[1]!), c: child(devs[2]!) }, groups: { all: ['a', 'b', 'c'] } });
  c.start();
  await c.untilAllSynced(LONG);
  const g = c.groups.all!;
  await g.req.add_sensor!('wait.sensor');
  await Promise.all(c.childList.map((ch) => sensorAppears(c, `${ch.name}_wait_sensor`)));
  await c.untilAllSynced(LONG);
  const set = await g.setSamplingStrategy('wait_sensor', 'event');
  assert.ok(set.succeeded);
  await Promise.all(c.childList.map((ch) => ch.wait('wait_sensor', 0, LONG)));
  assert.equal((await g.wait('wait_sensor', 0, LONG)).succeeded, true);
  assert.equal((await g.wait('wait_sensor', 0, { ...LONG, quorum: { fraction: 1 } })).succeeded, true);
  const none = await g.wait('wait_sensor', 1, { timeout: 100 });
  assert.equal(none.succeeded, false);
  assert.deepEqual([...none.values()], [false, false, false]);
  await c.children.a!.req.set_sensor!('wait.sensor', 1);
  await c.children.a!.wait('wait_sensor', 1, LONG);
  const one = await g.wait('wait_sensor', 1, { timeout: 200, quorum: 1 });
  assert.equal(one.succeeded, true);
  assert.deepEqual([...one.entries()], [['a', true], ['b', false], ['c', false]]);
  assert.equal((await g.wait('wait_sensor', 1, { timeout: 100, quorum: { fraction: 1 } })).succeeded, false);
  assert.equal((await g.wait('wait_sensor', 1, { timeout: 100, quorum: 0.1 })).succeeded, true);
  assert.equal((await g.wait('wait_sensor', 1, { timeout: 100, quorum: 2 })).succeeded, false);
  const missing = await g.wait('no_such_sensor', 1, { timeout: 50, quorum: 1 });
  assert.equal(missing.succeeded, false);
  await assert.rejects(g.wait('wait_sensor', 1, { quorum: 1.5 }), KatcpError);
});

test('container - setActive propagates to every child, including one added later (upstream test_set_active)', async (t) => {
  const [d1, d2] = await devices(t, 2);
  const c = container(t, { name: 'c', clients: { a: child(d1!), b: child(d2!) } });
  c.start();
  await c.untilAllSynced(LONG);
  assert.equal(c.active, true);
  c.setActive(false);
  assert.equal(c.active, false);
  assert.deepEqual(c.childList.map((ch) => ch.active), [false, false]);
  await assert.rejects(c.req.a_watchdog!(), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_RESOURCE_INACTIVE');
  const late = c.addChild('late', child(d2!));
  assert.equal(late.active, false);
  c.setActive(true);
  assert.deepEqual(c.childList.map((ch) => ch.active), [true, true, true]);
  assert.ok((await c.req.b_watchdog!()).succeeded);
});

test('container - stop() ends pending container waits instead of leaving them pending; start() accepts new ones', async (t) => {
  const [d] = await devices(t, 1);
  const c = container(t, { name: 'c', clients: { a: child(d!) } });
  const beforeStart = assert.rejects(c.untilAllSynced(), ConnectionClosedError);
  await c.stop();
  await beforeStart;
  c.start();
  await c.untilAllSynced(LONG);
  const never = assert.rejects(c.untilAllInState('syncing'), ConnectionClosedError);
  const notSynced = c.untilNotSynced();
  await c.stop();
  await never;
  await notSynced;
  await assert.rejects(c.untilAnySynced(), ConnectionClosedError);
});

test('container - each child preset protocol flags are on its client right after start() (upstream test_preset_protocol_flags)', async (t) => {
  const [d] = await devices(t, 1);
  const c = container(t, {
    name: 'c',
    clients: {
      v4: child(d!, { presetProtocolFlags: '4.0' }),
      m: child(d!, { presetProtocolFlags: '5.0-M' }),
      i: child(d!, { presetProtocolFlags: '5.0-I' }),
    },
  });
  c.start();
  assert.deepEqual(
    c.childList.map((ch) => [ch.name, ch.inspectingClient?.client?.protocolFlags?.toString()]),
    [
      ['v4', '4.0'],
      ['m', '5.0-M'],
      ['i', '5.0-I'],
    ],
  );
  await c.stop();
});

test('container - a child added later is started and joins the namespaces', async (t) => {
  const [d1, d2] = await devices(t, 2);
  const c = container(t, { name: 'c', clients: { a: child(d1!) } });
  c.start();
  await c.untilAllSynced(LONG);
  const b = c.addChild('b', child(d2!));
  await b.untilSynced(LONG);
  assert.equal(c.sensor.b_type_integer, b.sensor.type_integer);
  assert.equal(c.children.b, b);
});

test('container - waits and group waits check their options like req.* (unknown keys, bad timeouts)', async () => {
  const c = new KATCPClientResourceContainer({ name: 'c', clients: {} });
  await assert.rejects(c.untilAllSynced({ timout: 1 } as never), (e: unknown) => e instanceof KatcpTypeError && /timout/.test(e.message));
  await assert.rejects(c.untilAnySynced({ timeout: -5 }), KatcpRangeError);
  await c.stop();
});
