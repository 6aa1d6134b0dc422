import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KATCPClientResource } from '../../lib/resource/resource.js';
import type { ResourceSpec } from '../../lib/resource/spec.js';
import type { ResourceSensor, ResourceReading } from '../../lib/resource/resource-sensor.js';
import { parseResourceAddress } from '../../lib/resource/spec.js';
import { ConnectionClosedError, FailReply, KatcpError, KatcpRangeError, KatcpTimeoutError, KatcpTypeError, NotConnectedError, UnknownItemError } from '../../lib/errors.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { Device, quietClient, sorted } from '../inspecting/fixtures.js';
import { escapeName } from '../../lib/resource/namespace.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { FakePeer } from '../helpers/fake-peer.js';

const LONG = { timeout: 15_000 };

async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  spec: Partial<ResourceSpec> = {},
  device?: Device,
): Promise<{ dev: Device; res: KATCPClientResource }> {
  const dev = device ?? (await Device.start());
  const res = new KATCPClientResource({ name: 'demo', address: dev.address, controlled: true, ...spec, client: { ...quietClient, ...spec.client } });
  t.after(async () => {
    await res.stop();
    await dev.stop();
  });
  return { dev, res };
}

/** Resolves once a sensor with this name is in `res.sensor`. */
function sensorAppears(res: KATCPClientResource, name: string): Promise<ResourceSensor> {
  return new Promise((resolve) => {
    const on = (s: ResourceSensor): void => {
      if (s.name === name) {
        res.off('sensorAdded', on);
        resolve(s);
      }
    };
    res.on('sensorAdded', on);
  });
}

function sensorGoes(res: KATCPClientResource, name: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (s: ResourceSensor): void => {
      if (s.name === name) {
        res.off('sensorRemoved', on);
        resolve();
      }
    };
    res.on('sensorRemoved', on);
  });
}

function nextReading<T>(sensor: ResourceSensor<T>, pred: (r: ResourceReading<T>) => boolean = () => true): Promise<ResourceReading<T>> {
  return sensor.wait(pred, { timeout: 10_000 });
}

function strategyRequests(dev: Device, sensor: string): string[] {
  return dev.tap.sent(new RegExp(`^\\?sensor-sampling\\[\\d+\\] ${sensor.replace(/\./g, '\\.')} `));
}

test('resource - spec: address forms, defaults and errors (upstream test_init)', () => {
  assert.deepEqual(parseResourceAddress(['localhost', 7147]), ['localhost', 7147]);
  assert.deepEqual(parseResourceAddress('127.0.0.1:7147'), ['127.0.0.1', 7147]);
  assert.deepEqual(parseResourceAddress('[::1]:7147'), ['::1', 7147]);
  for (const bad of ['localhost', 'host:0', 'host:70000', ['h'], 42, ['h', '1']]) assert.throws(() => parseResourceAddress(bad), KatcpError);
  const res = new KATCPClientResource({ name: 'r', address: ['10.0.0.1', 1234], description: 'd' });
  assert.equal(res.name, 'r');
  assert.equal(res.description, 'd');
  assert.deepEqual(res.address, ['10.0.0.1', 1234]);
  assert.equal(res.addressString, '10.0.0.1:1234');
  assert.equal(res.controlled, false);
  assert.equal(res.state, 'disconnected');
  assert.equal(res.parent, undefined);
  assert.throws(() => new KATCPClientResource({ name: '', address: 'a:1' }), KatcpError);
});

test('resource - versions and lastConnectTime come from the connection and are refused before start() (upstream test_versions)', async (t) => {
  const { res } = await setup(t);
  assert.throws(() => res.versions, (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_STATE');
  assert.throws(() => res.lastConnectTime, (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_STATE');
  const before = Date.now() / 1000;
  res.start();
  await res.untilSynced(LONG);
  assert.match(res.versions.get('katcp-protocol')?.[0] ?? '', /^5\.1-/);
  assert.ok(res.versions.has('katcp-device'));
  const at = res.lastConnectTime!;
  assert.ok(at >= before - 1 && at <= Date.now() / 1000 + 1, String(at));
});

test('resource - synced namespaces hold every request and sensor by escaped name (upstream test_requests / test_sensors)', async (t) => {
  const { dev, res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const requests = dev.tap.fromDevice.filter((l) => /^#help\[\d+\] /.test(l)).map((l) => escapeName(l.split(' ')[1]!));
  assert.deepEqual(sorted(Object.keys(res.req)), sorted(requests));
  assert.deepEqual(sorted(Object.keys(res.sensor)), sorted([...dev.server.sensors.names()].map(escapeName)));
  assert.equal(res.req.pick_fruit, res.req['pick-fruit']);
  assert.equal(res.sensor.fruit_result, res.sensor['fruit.result']);
  assert.equal(res.req.pick_fruit!.name, 'pick-fruit');
  assert.equal(res.req.pick_fruit!.timeoutHint, 10);
  assert.ok(res.req.pick_fruit!.description.length > 0);
  assert.equal(res.req.add!.timeoutHint, undefined);
  const s = res.sensor.type_integer!;
  assert.deepEqual([s.name, s.identifier, s.type, s.units, s.description, [...s.params]], ['type.integer', 'type_integer', 'integer', 'counts', 'An integer sensor', ['0', '100']]);
});

test('resource - untilSynced / untilNotSynced per state (upstream test_until_sync_states)', async (t) => {
  const { res } = await setup(t);
  await res.untilNotSynced({ timeout: 0 });
  await assert.rejects(res.untilSynced({ timeout: 0 }), KatcpTimeoutError);
  const states: string[] = [];
  res.on('stateChange', (s) => states.push(s));
  res.start();
  await res.untilSynced(LONG);
  await assert.rejects(res.untilNotSynced({ timeout: 0 }), KatcpTimeoutError);
  await res.waitConnected({ timeout: 0 });
  assert.deepEqual(states, ['syncing', 'synced']);
});

test('resource - requests resolve with reply objects for every device reply; a local timeout rejects (one error model)', async (t) => {
  const { res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const add = await res.req.add!(3, 6);
  assert.equal(add.succeeded, true);
  assert.equal(add.float(0), 9);
  const fruit = await res.req.pick_fruit!();
  assert.ok(fruit.succeeded);
  assert.ok(fruit.informs.length > 0);
  assert.equal(fruit.reply.name, 'pick-fruit');
  const fail = await res.req.fail!('on purpose');
  assert.equal(fail.succeeded, false);
  assert.equal(fail.reason, 'on purpose');
  assert.throws(() => fail.check(), FailReply);
  const bad = await res.req.add!('x', 'y');
  assert.equal(bad.succeeded, false);
  assert.match(bad.reason, /x/);
  // Formerly a synthesized `fail` reply; now it rejects like the Client, sensor.wait and dev.wait.
  await assert.rejects(res.req.slow!(5, { timeout: 50 }), KatcpTimeoutError);
  const echo = await res.req.echo!('a b', 1, 2.5, true);
  assert.deepEqual(echo.args, ['a b', '1', '2.5', '1']);
});

test('resource - an inactive resource refuses requests (upstream test_active)', async (t) => {
  const { res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  assert.ok((await res.req.watchdog!()).succeeded);
  res.setActive(false);
  await assert.rejects(res.req.watchdog!(), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_RESOURCE_INACTIVE');
  res.setActive(true);
  assert.ok((await res.req.watchdog!()).succeeded);
});

test('resource - dummyUnknownRequests: any unknown req name is a request that succeeds at once (upstream test_dummy_requests)', async (t) => {
  const { dev, res } = await setup(t, { dummyUnknownRequests: true });
  const plain = new KATCPClientResource({ name: 'plain', address: dev.address });
  assert.equal(plain.req.blah, undefined);
  assert.equal(plain.dummyUnknownRequests, false);
  assert.equal(res.dummyUnknownRequests, true);
  // Usable before the device is even connected.
  const early = await res.req.blah!('abc', 'def', 123);
  assert.equal(early.succeeded, true);
  assert.equal(early.reply.toString(), '!fake ok');
  assert.equal(res.req.blah, res.req.blah, 'the same proxy every time');
  assert.equal(res.req.blah!.name, 'blah');
  res.start();
  await res.untilSynced(LONG);
  assert.equal((await res.req.add!(3, 6)).float(0), 9, 'real requests stay real');
  assert.ok(!Object.keys(res.req).includes('blah'), 'dummies are not listed');
  assert.equal(await Promise.resolve(res.req), res.req, 'the namespace is not a thenable');
  assert.equal(res.req.then, undefined);
  assert.equal(res.req.toJSON, undefined);
  assert.equal(dev.tap.sent(/^\?blah/).length, 0);
  res.setActive(false);
  await assert.rejects(res.req.blah!(), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_RESOURCE_INACTIVE');
});

test('resource - control filter: uncontrolled resources expose only always-allowed requests (upstream test_control)', async (t) => {
  const { res } = await setup(t, { controlled: false, alwaysAllowedRequests: ['pick_fruit', 'add', 'help'], alwaysExcludedRequests: ['help'] });
  res.start();
  await res.untilSynced(LONG);
  assert.deepEqual(sorted(Object.keys(res.req)), ['add', 'pick_fruit']);
});

test('resource - sensors and requests added and removed at runtime update the namespaces (upstream test_interface_change)', async (t) => {
  const { dev, res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const originalSensors = sorted(Object.keys(res.sensor));
  const originalRequests = sorted(Object.keys(res.req));
  const states: string[] = [];
  res.on('stateChange', (s) => states.push(s));
  const appeared = sensorAppears(res, 'another.int');
  const reqAdded = new Promise<void>((resolve) => res.once('requestAdded', () => resolve()));
  await res.req.add_sensor!('another.int');
  dev.server.addRequest({ name: 'sparkling-new', description: 'New.', handler: () => 'fizz' });
  await appeared;
  await reqAdded;
  await res.untilSynced(LONG);
  assert.deepEqual(states.slice(0, 2), ['syncing', 'synced']);
  assert.deepEqual(sorted(Object.keys(res.sensor)).filter((k) => !originalSensors.includes(k)), ['another_int']);
  assert.deepEqual(sorted(Object.keys(res.req)).filter((k) => !originalRequests.includes(k)), ['sparkling_new']);
  assert.equal((await res.req.sparkling_new!()).text(0), 'fizz');
  const gone = sensorGoes(res, 'another.int');
  const reqGone = new Promise<void>((resolve) => res.once('requestRemoved', () => resolve()));
  await res.req.remove_sensor!('another.int');
  dev.server.removeRequest('sparkling-new');
  await gone;
  await reqGone;
  await res.untilSynced(LONG);
  assert.deepEqual(sorted(Object.keys(res.sensor)), originalSensors);
  assert.deepEqual(sorted(Object.keys(res.req)), originalRequests);
});

test('resource - getReading, getValue and getStatus fetch fresh values from the device', async (t) => {
  const { res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const s = res.sensor.type_integer!;
  await res.req.set_sensor!('type.integer', 17);
  assert.equal(await s.getValue(), 17);
  await res.req.set_sensor!('type.integer', 14);
  assert.equal((await s.getReading()).value, 14);
  await res.req.set_sensor!('type.integer', 10, 'warn');
  assert.equal(await s.getStatus(), 'warn');
  assert.equal(s.value, 10);
});

test('resource - setStrategy applies on the device; a listener and an iterator see the updates', async (t) => {
  // A fixed random source: the demo tree is sometimes bare ("No fruit").
  const { res } = await setup(t, {}, await Device.start({ random: () => 0.1 }));
  res.start();
  await res.untilSynced(LONG);
  const fr = res.sensor.fruit_result!;
  const values: unknown[] = [];
  fr.registerListener((_s, r) => values.push(r.value));
  const it = fr.readings();
  assert.equal(await fr.setStrategy('event'), true);
  assert.deepEqual(fr.samplingStrategy, { strategy: 'event' });
  const picked = res.req.pick_fruit!();
  const reading = await fr.wait({ status: 'nominal' }, LONG);
  const reply = await picked;
  assert.equal(reading.value, reply.text(0));
  assert.ok(values.includes(reply.text(0)));
  const first = await it.next();
  assert.equal(first.done, false);
  await it.return!();
});

test('resource - a strategy preset before the sensor exists is sent exactly once on the first sync (katcp-python sends it twice)', async (t) => {
  const { dev, res } = await setup(t);
  assert.equal(await res.setSamplingStrategy('type_float', 'period 2.5'), false);
  res.start();
  await res.untilSynced(LONG);
  assert.deepEqual(res.sensor.type_float!.samplingStrategy, { strategy: 'period', period: 2.5 });
  assert.deepEqual(strategyRequests(dev, 'type.float').map((l) => l.replace(/\[\d+\]/, '')), ['?sensor-sampling type.float period 2.5']);
  assert.equal(await res.setSamplingStrategy('type.float', ['event']), true);
  assert.deepEqual(res.sensor.type_float!.samplingStrategy, { strategy: 'event' });
  const all = await res.setSamplingStrategies('^type_(float|integer)$', 'event');
  assert.deepEqual([...all.keys()], ['type_float', 'type_integer']);
  assert.deepEqual(res.sensor.type_integer!.samplingStrategy, { strategy: 'event' });
});

test('resource - strategies and listeners survive a device restart and are re-applied exactly once', async (t) => {
  const { dev, res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const s = res.sensor.type_integer!;
  await s.setStrategy('event');
  const seen: unknown[] = [];
  s.registerListener((_x, r) => seen.push(r.value));
  await dev.down();
  await res.untilState('disconnected', LONG);
  const before = strategyRequests(dev, 'type.integer').length;
  await dev.up();
  const update = nextReading(s, (r) => r.receivedTimestamp > 0 && seen.length > 0);
  await res.untilSynced(LONG);
  await update;
  assert.equal(strategyRequests(dev, 'type.integer').length, before + 1);
  assert.equal(res.sensor.type_integer, s);
  assert.deepEqual(s.samplingStrategy, { strategy: 'event' });
  const next = nextReading(s, (r) => r.value === 55);
  await res.req.set_sensor!('type.integer', 55);
  await next;
  assert.ok(seen.includes(55));
});

for (const [protocol, bulk] of [
  ['5.1-MIBT', true],
  ['5.1-MIT', false],
] as const) {
  test(`resource - after a reconnect the strategies of N sensors are re-applied ${bulk ? 'with ONE bulk request (device offers B)' : 'with N single requests (no B)'}`, async (t) => {
    const N = 6;
    const dev = await Device.start({ protocol, sensors: N });
    const { res } = await setup(t, {}, dev);
    res.start();
    await res.untilSynced(LONG);
    const names = Array.from({ length: N }, (_, i) => `extra.${String(i).padStart(5, '0')}`);
    for (const name of names) assert.equal(await res.getSensor(name).setStrategy('event'), true);
    await dev.down();
    await res.untilState('disconnected', LONG);
    const sampling = /^\?sensor-sampling\[\d+\] /;
    const before = dev.tap.sent(sampling).length;
    await dev.up();
    await res.untilSynced(LONG);
    const after = dev.tap.sent(sampling).slice(before);
    if (bulk) assert.deepEqual(after.map((l) => l.replace(/\[\d+\]/, '')), [`?sensor-sampling ${names.join(',')} event`]);
    else assert.deepEqual(after.map((l) => l.replace(/\[\d+\]/, '')).sort(), names.map((n) => `?sensor-sampling ${n} event`));
    for (const name of names) assert.deepEqual(res.getSensor(name).samplingStrategy, { strategy: 'event' });
  });
}

test('resource - a resync without reconnecting re-applies only the strategies of added sensors', async (t) => {
  const { dev, res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  await res.sensor.type_integer!.setStrategy('event');
  await res.setSamplingStrategy('later.one', 'event');
  const appeared = sensorAppears(res, 'later.one');
  await res.req.add_sensor!('later.one');
  const later = await appeared;
  await res.untilSynced(LONG);
  assert.equal(strategyRequests(dev, 'type.integer').length, 1);
  assert.equal(strategyRequests(dev, 'later.one').length, 1);
  assert.deepEqual(later.samplingStrategy, { strategy: 'event' });
});

test('resource - a strategy the device refuses rejects and is not cached (katcp-python caches it)', async (t) => {
  const { dev, res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const s = res.sensor.type_float!;
  await s.setStrategy('period 1');
  dev.tap.transform = (line) => (/^!sensor-sampling\[\d+\] ok type\.float event/.test(line) ? line.replace(/ ok.*/, ' fail Strategy\\_not\\_allowed') : line);
  await assert.rejects(s.setStrategy('event'), (e: unknown) => e instanceof FailReply && /Strategy not allowed/.test(e.message));
  assert.deepEqual(s.samplingStrategy, { strategy: 'period', period: 1 });
  await assert.rejects(s.setStrategy('bogus 1'), KatcpError);
  assert.deepEqual(s.samplingStrategy, { strategy: 'period', period: 1 });
});

test('resource - a cached strategy refused on re-application is reported and dropped', async (t) => {
  const { dev, res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const s = res.sensor.type_float!;
  await s.setStrategy('event');
  await dev.down();
  await res.untilState('disconnected', LONG);
  dev.tap.transform = (line) => (/^!sensor-sampling\[\d+\] ok type\.float/.test(line) ? line.replace(/ ok.*/, ' fail no\\_longer\\_allowed') : line);
  const rejected = new Promise<Error>((resolve) => res.once('strategyError', (_s, _st, err) => resolve(err)));
  await dev.up();
  await res.untilSynced(LONG);
  assert.ok((await rejected) instanceof FailReply);
  assert.deepEqual(s.samplingStrategy, { strategy: 'none' });
});

test('resource - the sensor object, its listeners and strategy survive removal and re-addition on the device', async (t) => {
  const { dev, res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const appeared = sensorAppears(res, 'dyn.x');
  await res.req.add_sensor!('dyn.x');
  const s = await appeared;
  await s.setStrategy('event');
  const values: unknown[] = [];
  s.registerListener((_x, r) => values.push(r.value));
  const gone = sensorGoes(res, 'dyn.x');
  await res.req.remove_sensor!('dyn.x');
  await gone;
  assert.equal(res.sensor.dyn_x, undefined);
  assert.equal(s.present, false);
  const back = sensorAppears(res, 'dyn.x');
  await res.req.add_sensor!('dyn.x', 'back again');
  assert.equal(await back, s);
  await res.untilSynced(LONG);
  assert.equal(s.description, 'back again');
  assert.equal(s.present, true);
  const next = nextReading(s, (r) => r.value === 4.5);
  await res.req.set_sensor!('dyn.x', 4.5);
  await next;
  assert.ok(values.includes(4.5));
  assert.equal(strategyRequests(dev, 'dyn.x').length, 2);
});

test('resource - a sensor modified on the device keeps its object and gets the new description (katcp-python keeps stale metadata)', async (t) => {
  const { res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const appeared = sensorAppears(res, 'mod.x');
  await res.req.add_sensor!('mod.x', 'first');
  const s = await appeared;
  await res.untilSynced(LONG);
  const changed = new Promise<void>((resolve) => res.on('stateChange', (st) => st === 'synced' && s.description === 'second' && resolve()));
  await Promise.all([res.req.remove_sensor!('mod.x'), res.req.add_sensor!('mod.x', 'second')]);
  await changed;
  assert.equal(res.sensor.mod_x, s);
  assert.equal(s.description, 'second');
});

test('resource - dropping a strategy: unknown names are ignored, dropped presets are not applied (upstream test_drop_sampling_strategy)', async (t) => {
  const { dev, res } = await setup(t);
  res.dropSamplingStrategy('no_such_sensor');
  await res.setSamplingStrategy('type_float', 'period 2.5');
  res.dropSamplingStrategy('type.float');
  res.start();
  await res.untilSynced(LONG);
  assert.deepEqual(res.sensor.type_float!.samplingStrategy, { strategy: 'none' });
  assert.equal(strategyRequests(dev, 'type.float').length, 0);
  await res.setSamplingStrategy('type_float', 'period 3.5');
  assert.deepEqual(res.sensor.type_float!.samplingStrategy, { strategy: 'period', period: 3.5 });
  res.dropSamplingStrategy('type_float');
  await dev.down();
  await res.untilState('disconnected', LONG);
  await dev.up();
  await res.untilSynced(LONG);
  assert.equal(strategyRequests(dev, 'type.float').length, 1);
});

test('resource - listeners preset by name are registered when the sensor appears (upstream test_set_sensor_listener)', async (t) => {
  const { res } = await setup(t);
  const l1 = (): void => undefined;
  const l2 = (): void => undefined;
  assert.equal(res.setSensorListener('type_integer', l1), false);
  res.start();
  await res.untilSynced(LONG);
  assert.ok(res.sensor.type_integer!.isListener(l1));
  assert.equal(res.setSensorListener('type.integer', l2), true);
  assert.ok(res.sensor.type_integer!.isListener(l2));
  res.removeSensorListener('type_integer', l1);
  assert.equal(res.sensor.type_integer!.isListener(l1), false);
});

test('resource - listSensors filters by regex search, strategy and status (upstream test_list_sensors; status is a real status test)', async (t) => {
  const { res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  await res.sensor.type_integer!.setStrategy('event');
  await res.sensor.type_float!.setStrategy('period 10');
  const ids = async (...args: Parameters<KATCPClientResource['listSensors']>): Promise<string[]> => (await res.listSensors(...args)).map((s) => s.identifier);
  assert.deepEqual(await ids('type_integer'), ['type_integer']);
  assert.equal((await ids('')).length, Object.keys(res.sensor).length);
  assert.deepEqual(await ids('^type_(integer|float)$'), ['type_float', 'type_integer']);
  assert.deepEqual(await ids('type_integer', { useIdentifiers: false }), []);
  assert.deepEqual(await ids('type.integer', { useIdentifiers: false }), ['type_integer']);
  assert.deepEqual(await ids('', { strategy: true }), ['type_float', 'type_integer']);
  await res.req.set_sensor!('type.float', 1.5, 'warn');
  assert.deepEqual(await ids('^type_', { refresh: true, status: 'warn' }), ['type_float']);
  assert.deepEqual(await ids('^type_(float|integer)$', { status: ['warn', 'nominal'] }), ['type_float', 'type_integer']);
  await assert.rejects(res.listSensors('('), KatcpError);
});

test('resource - wait by sensor name resolves with the reading, rejects KatcpTimeoutError on timeout (katcp-python: false), and rejects for unknown sensors', async (t) => {
  const { res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  await res.setSamplingStrategy('type_integer', 'event');
  assert.equal((await res.wait('type_integer', 42, LONG)).value, 42);
  await assert.rejects(res.wait('type.integer', 43, { timeout: 50 }), KatcpTimeoutError);
  await assert.rejects(res.wait('nope', 1), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_UNKNOWN_SENSOR');
  await assert.rejects(res.wait('type_float', 1), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_NO_STRATEGY');
});

test('resource - wait by sensor name gives up after 5 s unless told otherwise (katcp-python default)', async (t) => {
  const clock = new VirtualClock();
  const { res } = await setup(t, { clock });
  res.start();
  await res.untilSynced();
  await res.setSamplingStrategy('type_integer', 'event');
  let outcome: unknown;
  const waiting = res.wait('type_integer', 43).catch((e: unknown) => (outcome = e));
  await clock.advance(4999);
  assert.equal(outcome, undefined);
  await clock.advance(1);
  assert.ok((await waiting) instanceof KatcpTimeoutError);
  let settled = false;
  const forever = assert.rejects(
    res.wait('type_integer', 43, { timeout: Infinity }).finally(() => (settled = true)),
    ConnectionClosedError,
  );
  await clock.advance(60_000);
  assert.equal(settled, false);
  await res.stop();
  await forever;
});

test('resource - disconnect: requests reject NotConnectedError, the resource resyncs by itself, a changed device shows its new items (upstream test_disconnect)', async (t) => {
  const { dev, res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const names = sorted(Object.keys(res.sensor));
  await dev.down();
  await res.untilState('disconnected', LONG);
  await assert.rejects(res.req.watchdog!(), NotConnectedError);
  assert.ok(res.sensor.type_integer !== undefined, 'namespaces are kept while disconnected');
  const states: string[] = [];
  res.on('stateChange', (s) => states.push(s));
  await dev.up();
  await res.untilSynced(LONG);
  assert.deepEqual(states, ['syncing', 'synced']);
  assert.deepEqual(sorted(Object.keys(res.sensor)), names);
  await dev.down();
  await res.untilState('disconnected', LONG);
  await dev.up((server) => {
    server.addRequest({ name: 'sparkling-new', description: 'New.', handler: () => undefined });
  });
  await res.untilSynced(LONG);
  assert.ok(res.req.sparkling_new !== undefined);
});

test('resource - stop: waits reject, iterators end, and the resource can be started again', async (t) => {
  const { res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const s = res.sensor.type_integer!;
  await s.setStrategy('event');
  const it = s.readings();
  const never = assert.rejects(s.wait(-1), ConnectionClosedError);
  const notSynced = res.untilNotSynced();
  await res.stop();
  assert.equal(res.state, 'disconnected');
  assert.equal(await notSynced, 'disconnected');
  await never;
  for (;;) if ((await it.next()).done === true) break;
  await assert.rejects(res.untilSynced(), ConnectionClosedError);
  res.start();
  await res.untilSynced(LONG);
  assert.equal(res.sensor.type_integer, s);
  assert.deepEqual(s.samplingStrategy, { strategy: 'event' });
});

test('resource - stop() before start() also ends pending waits; start() accepts new ones', async (t) => {
  const { res } = await setup(t);
  const pending = assert.rejects(res.untilSynced(), ConnectionClosedError);
  const connected = assert.rejects(res.waitConnected(), ConnectionClosedError);
  await res.stop();
  await pending;
  await connected;
  await assert.rejects(res.untilState('syncing'), ConnectionClosedError);
  res.start();
  await res.untilSynced(LONG);
});

test('resource - a restarted resource drops the items the device no longer has', async (t) => {
  const { dev, res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  await res.stop();
  dev.server.sensors.remove('type.lru');
  dev.server.removeRequest('crash');
  res.start();
  await res.untilSynced(LONG);
  assert.equal(res.sensor.type_lru, undefined);
  assert.equal(res.req.crash, undefined);
  assert.ok(res.sensor.type_integer !== undefined);
});

test('resource - without auto-reconnect a lost device ends every wait instead of leaving it pending', async (t) => {
  const { dev, res } = await setup(t, { autoReconnect: false });
  res.start();
  await res.untilSynced(LONG);
  const s = res.sensor.type_integer!;
  await s.setStrategy('event');
  const never = assert.rejects(s.wait(-1), ConnectionClosedError);
  const closed = new Promise<void>((resolve) => res.inspectingClient!.once('closed', () => resolve()));
  await dev.down();
  await closed;
  await never;
  assert.equal(res.state, 'disconnected');
  await assert.rejects(res.untilSynced(), ConnectionClosedError);
  assert.equal(res.inspectingClient?.closed, true);
});

test('resource - a KATCP v4 device: no mids, millisecond timestamps converted, strategy periods sent in ms', async (t) => {
  const peer = await FakePeer.start();
  const res = new KATCPClientResource({ name: 'v4', address: `${peer.host}:${peer.port}`, controlled: true, client: quietClient });
  t.after(async () => {
    await res.stop();
    await peer.close();
  });
  res.start();
  const conn = await peer.accept();
  conn.send('#version 7.3', '#build-state blah-5.21a3');
  const lists: Record<string, string> = { 'an.int': 'an.int An\\_int count integer -5 5', 'a.ts': 'a.ts A\\_ts \\@ timestamp' };
  const values: Record<string, string> = { 'an.int': '3', 'a.ts': '1700000001500' };
  conn.serve((line) => {
    const [name = '', ...args] = line.slice(1).split(' ');
    if (name === 'help') conn.send('#help watchdog Check', '!help ok 1');
    else if (name === 'sensor-list') {
      const sel = args.length > 0 ? [lists[args[0]!]!] : Object.values(lists);
      conn.send(...sel.map((b) => `#sensor-list ${b}`), `!sensor-list ok ${sel.length}`);
    } else if (name === 'sensor-sampling') conn.send(`#sensor-status 1700000000250 1 ${args[0]} nominal ${values[args[0]!]}`, `!sensor-sampling ok ${args.join(' ')}`);
    else if (name === 'sensor-value') conn.send(`#sensor-value 1700000000500 1 ${args[0]} warn ${values[args[0]!]}`, '!sensor-value ok 1');
    else conn.send(`!${name} ok`);
  });
  await res.untilSynced(LONG);
  assert.equal(res.inspectingClient?.client?.protocolFlags?.toString(), '4.0');
  assert.deepEqual(sorted(Object.keys(res.sensor)), ['a_ts', 'an_int']);
  assert.equal(await res.sensor.an_int!.setStrategy('period', 0.5), true);
  assert.deepEqual({ ...res.sensor.an_int!.reading, receivedTimestamp: 0 }, { timestamp: 1700000000.25, status: 'nominal', value: 3, receivedTimestamp: 0 });
  await res.sensor.a_ts!.setStrategy('event');
  assert.equal(res.sensor.a_ts!.value, 1700000001.5);
  const polled = await res.sensor.a_ts!.getReading();
  assert.deepEqual([polled.timestamp, polled.status, polled.value], [1700000000.5, 'warn', 1700000001.5]);
  assert.deepEqual(conn.received, ['?help', '?sensor-list', '?sensor-sampling an.int period 500', '?sensor-sampling a.ts event', '?sensor-value a.ts']);
});

test('resource - after stop() every new request, wait, reading stream and sync wait rejects at once with ConnectionClosedError, until start()', async (t) => {
  const { res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  const s = res.sensor.type_integer!;
  await s.setStrategy('event');
  await res.stop();
  // No timeout is given: before the fix these hung until their own timeout (or for ever).
  await assert.rejects(s.wait(-1), ConnectionClosedError);
  await assert.rejects(s.readings().next(), ConnectionClosedError);
  await assert.rejects(res.wait('type_integer', -1), ConnectionClosedError);
  await assert.rejects(res.req.watchdog!(), ConnectionClosedError);
  await assert.rejects(res.untilSynced(), ConnectionClosedError);
  await assert.rejects(s.getValue(), ConnectionClosedError);
  res.start();
  await res.untilSynced(LONG);
  assert.ok((await res.req.watchdog!()).succeeded);
});

test('resource - req.* and wait check their options: unknown keys and bad timeouts are typed errors naming the key', async (t) => {
  const { res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  await assert.rejects(res.req.add!(1, 2, { timout: 5 }), (e: unknown) => e instanceof KatcpTypeError && /timout/.test(e.message) && /did you mean 'timeout'/.test(e.message) && /demo\.req\.add/.test(e.message));
  await assert.rejects(res.req.add!(1, 2, { timeout: -1 }), (e: unknown) => e instanceof KatcpRangeError && e.key === 'timeout');
  await assert.rejects(res.req.add!(1, 2, { timeout: Number.NaN }), KatcpRangeError);
  await assert.rejects(res.req.add!(1, 2, { timeout: '5' }), KatcpTypeError);
  await assert.rejects(res.wait('type_integer', 1, { timeot: 5 } as never), KatcpTypeError);
});

test('resource - a string sensor whose bytes are not UTF-8 still delivers its reading, the value being the exact bytes', async (t) => {
  const dev = await Device.start();
  const raw = Buffer.from([0x61, 0xff, 0xfe, 0x62]);
  dev.server.sensors.add(Sensor.bytes({ name: 'raw.bytes', description: 'aiokatcp bytes', default: raw, initialStatus: 'nominal' }));
  const { res } = await setup(t, {}, dev);
  res.start();
  await res.untilSynced(LONG);
  const s = res.sensor.raw_bytes!;
  assert.equal(s.type, 'string');
  const reading = await s.getReading(LONG);
  assert.equal(reading.status, 'nominal');
  assert.ok(reading.timestamp > 0);
  assert.deepEqual(reading.value, raw);
});

test('resource - a sensor listener that throws reaches the default logger (warnings to the console) with no warning handler attached', async (t) => {
  const dev = await Device.start();
  const res = new KATCPClientResource({ name: 'demo', address: dev.address, controlled: true, client: { reconnect: () => 20 } });
  const seen: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void seen.push(args.map(String).join(' '));
  t.after(async () => {
    console.warn = warn;
    await res.stop();
    await dev.stop();
  });
  res.start();
  await res.untilSynced(LONG);
  const s = res.getSensor('type.integer');
  s.registerListener(() => {
    throw new Error('listener exploded');
  });
  s.setReading({ timestamp: 1, status: 'nominal', value: 1 });
  assert.ok(seen.some((line) => line.includes('katcp resource demo') && line.includes('listener exploded')), seen.join('\n'));
});

test('resource - one logger option redirects (or silences) the warnings', async (t) => {
  const seen: string[] = [];
  const logger = { debug: () => undefined, info: () => undefined, warn: (m: string) => void seen.push(m), error: (m: string) => void seen.push(m) };
  const { res } = await setup(t, { logger });
  res.start();
  await res.untilSynced(LONG);
  res.getSensor('type_integer').registerListener(() => {
    throw new Error('boom');
  });
  res.getSensor('type_integer').setReading({ timestamp: 1, status: 'nominal', value: 1 });
  assert.ok(seen.some((m) => m.includes('boom')));
});

test('resource - requests by name: call() and getRequest() take KATCP or escaped names; an unknown name is a typed error with suggestions', async (t) => {
  const { res } = await setup(t);
  res.start();
  await res.untilSynced(LONG);
  assert.equal((await res.call('add', 3, 6)).float(0), 9);
  assert.ok((await res.call('pick-fruit')).succeeded);
  assert.equal(res.getRequest('pick_fruit'), res.req.pick_fruit);
  await assert.rejects(res.call('ad', 1, 2), (e: unknown) => e instanceof UnknownItemError && e.code === 'KATCP_ERR_UNKNOWN_REQUEST' && e.suggestions.includes('add') && /demo/.test(e.message) && /did you mean add/.test(e.message));
  assert.throws(() => res.getSensor('type.integr'), (e: unknown) => e instanceof UnknownItemError && e.code === 'KATCP_ERR_UNKNOWN_SENSOR' && e.suggestions.includes('type.integer'));
  assert.equal('add' in res.req, true, 'req stays a plain namespace');
  assert.equal(res.req.nope?.name, undefined);
});
