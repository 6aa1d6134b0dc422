import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InspectingClient } from '../../lib/inspecting/inspecting-client.js';
import type { InspectingClientOptions, SensorTarget } from '../../lib/inspecting/inspecting-client.js';
import { InspectingState } from '../../lib/inspecting/state.js';
import type { ModelChanges, RequestInfo, SensorInfo } from '../../lib/inspecting/model.js';
import { ConnectionClosedError, FailReply, KatcpTimeoutError, SyncError } from '../../lib/errors.js';
import type { Reading } from '../../lib/sensor/status.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { Message } from '../../lib/codec/message.js';
import { Device, quietClient, recordStates, sorted } from './fixtures.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { FakePeer } from '../helpers/fake-peer.js';
import type { PeerConnection } from '../helpers/fake-peer.js';
import { until } from '../helpers/wait.js';

const LONG = { timeout: 15_000 };

async function setup<S extends SensorTarget = Sensor, R = RequestInfo>(
  t: { after: (fn: () => Promise<void>) => void },
  opts: InspectingClientOptions<S, R> = {},
  device?: Device,
): Promise<{ dev: Device; ic: InspectingClient<S, R> }> {
  const dev = device ?? (await Device.start());
  const ic = new InspectingClient<S, R>('127.0.0.1', dev.port, { ...opts, client: { ...quietClient, ...opts.client } });
  t.after(async () => {
    await ic.close();
    await dev.stop();
  });
  return { dev, ic };
}

/** Resolves on the first state change whose model changes satisfy `pred`. */
function changeSeen(ic: InspectingClient<SensorTarget, unknown>, pred: (c: ModelChanges) => boolean): Promise<ModelChanges> {
  return new Promise((resolve) => {
    const on = (_s: unknown, c: ModelChanges | undefined): void => {
      if (c !== undefined && pred(c)) {
        ic.off('stateChange', on);
        resolve(c);
      }
    };
    ic.on('stateChange', on);
  });
}

function serverRequestNames(dev: Device): string[] {
  return dev.tap.fromDevice.filter((l) => l.startsWith('#help')).map((l) => l.split(' ')[1]!);
}

test('inspecting client - a new client is disconnected (upstream test_initial_state)', () => {
  const ic = new InspectingClient('127.0.0.1', 1);
  assert.equal(ic.state, InspectingState.Disconnected);
  assert.equal(ic.connected, false);
  assert.equal(ic.synced, false);
});

test('inspecting client - first sync reports connected, dataSyncedChanged with everything added, then synced (upstream test_from_connect)', async (t) => {
  const { dev, ic } = await setup(t);
  const states = recordStates(ic);
  ic.start();
  await ic.untilSynced(LONG);
  assert.deepEqual(states.map((s) => s.name), ['connected', 'dataSyncedChanged', 'synced']);
  const changes = states[1]!.changes!;
  assert.deepEqual(sorted(changes.requests.added), sorted(serverRequestNames(dev)));
  assert.deepEqual(sorted(changes.sensors.added), sorted([...dev.server.sensors.names()]));
  assert.equal(changes.requests.removed.size + changes.sensors.removed.size, 0);
  assert.equal(states[0]!.changes, undefined);
  assert.equal(states[2]!.changes, undefined);
  assert.deepEqual(sorted(ic.sensors), sorted([...dev.server.sensors.names()]));
});

test('inspecting client - inspection sends ?help and ?sensor-list; the timeout hints are fetched once per connection (flag T), by the client', async (t) => {
  const { dev, ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  const wire = dev.tap.fromClient.filter((l) => /^\?(help|request-timeout-hint|sensor-list)\b/.test(l)).map((l) => l.replace(/\[\d+\]/, '').split(' ')[0]);
  assert.deepEqual(wire, ['?request-timeout-hint', '?help', '?sensor-list']);
  assert.equal(ic.requestInfo('pick-fruit')?.timeoutHint, 10);
  assert.equal(ic.requestInfo('add')?.timeoutHint, undefined);
});

test('inspecting client - untilSynced times out before the sync and resolves after it (upstream test_until_synced)', async (t) => {
  const { ic } = await setup(t);
  ic.start();
  await assert.rejects(ic.untilSynced({ timeout: 0 }), KatcpTimeoutError);
  await ic.untilSynced(LONG);
  assert.equal(ic.synced, true);
  await ic.untilDataSynced({ timeout: 0 });
  await ic.untilConnected({ timeout: 0 });
  await ic.untilState('synced', { timeout: 0 });
});

test('inspecting client - simpleRequest returns the raw reply and informs (upstream test_simple_request)', async (t) => {
  const { ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  const { reply, informs } = await ic.simpleRequest('help', 'watchdog');
  assert.ok(reply.isReplyOk);
  assert.equal(informs.length, 1);
  const fail = await ic.simpleRequest('fail', 'no');
  assert.equal(fail.reply.arg(0), 'fail');
});

test('inspecting client - getSensor gives typed sensor objects and undefined for unknown names (upstream test_sensor_types)', async (t) => {
  const { ic } = await setup(t);
  ic.start();
  assert.equal((await ic.getSensor('type.integer', LONG))?.type, 'integer');
  assert.equal((await ic.getSensor('type.discrete'))?.type, 'discrete');
  assert.equal((await ic.getSensor('type.float'))?.type, 'float');
  assert.equal(await ic.getSensor('thing.unknown_sensor'), undefined);
  assert.equal(await ic.checkSensor('thing.unknown_sensor', { update: false }), false);
  assert.equal(await ic.checkSensor('type.float'), true);
  // The same object every time.
  assert.equal(await ic.getSensor('type.integer'), await ic.getSensor('type.integer'));
});

test('inspecting client - getRequest gives the request description (upstream test_request)', async (t) => {
  const { ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  assert.ok(ic.requests.includes('watchdog'));
  const r = await ic.getRequest('watchdog');
  assert.equal(r?.name, 'watchdog');
  assert.ok((r?.description.length ?? 0) > 0);
  assert.equal(await ic.getRequest('watchcat'), undefined);
  assert.equal(await ic.checkRequest('watchdog'), true);
});

test('inspecting client - a named lookup of an unknown request does not fail on a T device (katcp-python raises SyncError)', async (t) => {
  const { dev, ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  assert.equal(await ic.getRequest('no-such', { update: true, timeout: 10_000 }), undefined);
  assert.ok(dev.tap.sent(/^\?help\[\d+\] no-such$/).length === 1);
  assert.equal(dev.tap.sent(/^\?request-timeout-hint\[\d+\] no-such$/).length, 0);
  assert.equal(ic.synced, true);
});

test('inspecting client - a sensor added at runtime is inspected alone: ?sensor-list NAME, not a full resync', async (t) => {
  const { dev, ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  const states = recordStates(ic);
  const fullListings = dev.tap.sent(/^\?sensor-list\[\d+\]$/).length;
  const seen = changeSeen(ic, (c) => c.sensors.added.has('another.int'));
  await ic.simpleRequest('add-sensor', 'another.int');
  const changes = await seen;
  await ic.untilSynced(LONG);
  assert.deepEqual(sorted(changes.sensors.added), ['another.int']);
  assert.equal(changes.sensors.removed.size, 0);
  assert.deepEqual(states.map((s) => s.name), ['connected', 'dataSyncedChanged', 'synced']);
  assert.ok(ic.sensors.includes('another.int'));
  assert.equal(dev.tap.sent(/^\?sensor-list\[\d+\]$/).length, fullListings);
  assert.equal(dev.tap.sent(/^\?sensor-list\[\d+\] another\.int$/).length, 1);
  assert.equal(dev.tap.sent(/^\?help\[\d+\]$/).length, 1);

  const gone = changeSeen(ic, (c) => c.sensors.removed.has('another.int'));
  const before = dev.tap.fromClient.length;
  await ic.simpleRequest('remove-sensor', 'another.int');
  assert.deepEqual(sorted((await gone).sensors.removed), ['another.int']);
  await ic.untilSynced(LONG);
  assert.ok(!ic.sensors.includes('another.int'));
  // A removal is applied locally: only the ?remove-sensor request itself went out.
  assert.deepEqual(dev.tap.fromClient.slice(before).map((l) => l.split(/[[ ]/)[0]), ['?remove-sensor']);
});

test('inspecting client - requests added and removed at runtime follow (upstream test_request_add_remove)', async (t) => {
  const { dev, ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  const added = changeSeen(ic, (c) => c.requests.added.has('sparkling-new'));
  dev.server.addRequest({ name: 'sparkling-new', description: 'A sparkling new request.', handler: () => 'fizz' });
  await added;
  await ic.untilSynced(LONG);
  assert.equal((await ic.getRequest('sparkling-new'))?.description, 'A sparkling new request.');
  const removed = changeSeen(ic, (c) => c.requests.removed.has('sparkling-new'));
  dev.server.removeRequest('sparkling-new');
  await removed;
  await ic.untilSynced(LONG);
  assert.equal(ic.requests.includes('sparkling-new'), false);
  assert.equal(await ic.getRequest('sparkling-new', { update: false }), undefined);
});

test('inspecting client - a modified sensor is in both sets and gets a fresh object (katcp-python keeps the stale one)', async (t) => {
  const { ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  await ic.simpleRequest('add-sensor', 'mod.me', 'first');
  while (ic.sensorInfo('mod.me') === undefined) await ic.untilNotSynced(LONG).then(() => ic.untilSynced(LONG));
  const first = await ic.getSensor('mod.me');
  assert.equal(first?.description, 'first');
  const modified = changeSeen(ic, (c) => c.sensors.added.has('mod.me') && c.sensors.removed.has('mod.me'));
  // Remove and re-add within one request turn: the device announces `sensor mod.me modified`.
  await Promise.all([ic.simpleRequest('remove-sensor', 'mod.me'), ic.simpleRequest('add-sensor', 'mod.me', 'second')]);
  await modified;
  await ic.untilSynced(LONG);
  const second = await ic.getSensor('mod.me');
  assert.equal(second?.description, 'second');
  assert.notEqual(second, first);
});

test('inspecting client - initialInspection false connects without inspecting, and a lookup goes through the state machine (upstream test_no_initial_inspection)', async (t) => {
  const { ic } = await setup(t, { initialInspection: false });
  const states = recordStates(ic);
  ic.start();
  await ic.untilSynced(LONG);
  assert.deepEqual(states.map((s) => s.name), ['connected', 'synced']);
  assert.equal(ic.sensors.length, 0);
  assert.equal(ic.requests.length, 0);
  const sensor = await ic.getSensor('type.integer', LONG);
  assert.equal(sensor?.name, 'type.integer');
  assert.deepEqual(ic.sensors, ['type.integer']);
  assert.equal(ic.requests.length, 0);
  // katcp-python adds it to the index silently; here consumers of the state machine see it.
  const change = states.find((s) => s.changes !== undefined);
  assert.deepEqual(sorted(change!.changes!.sensors.added), ['type.integer']);
});

test('inspecting client - sensor updates reach the sensor object and the sensorUpdate event', async (t) => {
  const { ic } = await setup(t);
  ic.start();
  const sensor = (await ic.getSensor('type.integer', LONG))!;
  assert.equal(sensor.status, 'unknown');
  const update = new Promise<Reading<unknown>>((resolve) => ic.once('sensorUpdate', (_n, r) => resolve(r)));
  const reply = await ic.simpleRequest('sensor-sampling', 'type.integer', 'event');
  assert.ok(reply.reply.isReplyOk);
  const reading = await update;
  assert.equal(reading.value, 42);
  assert.equal(sensor.value, 42);
  assert.equal(sensor.status, 'nominal');
  const next = new Promise<void>((resolve) => sensor.attach(() => resolve()));
  await ic.simpleRequest('set-sensor', 'type.integer', '7');
  await next;
  assert.equal(sensor.value, 7);
});

test('inspecting client - a reading reaches its object without a sensorUpdate listener; one the object refuses is warned about and still reported', async (t) => {
  const seen: Reading<unknown>[] = [];
  const target = (info: SensorInfo): SensorTarget => ({
    setReading(r: Reading<unknown>): void {
      if (info.name === 'type.float') throw new Error('no floats here');
      seen.push(r);
    },
  });
  const { ic } = await setup<SensorTarget>(t, { sensorFactory: target });
  const warnings: Error[] = [];
  ic.on('warning', (e) => warnings.push(e));
  ic.start();
  await ic.untilSynced(LONG);
  ic.applySensorInform(Message.parse('#sensor-status 1700000000.5 1 type.integer nominal 5'));
  assert.deepEqual(seen.map((r) => [r.value, r.status, r.timestamp]), [[5, 'nominal', 1700000000.5]]);
  const reported: [string, unknown][] = [];
  ic.on('sensorUpdate', (name, r) => reported.push([name, r.value]));
  ic.applySensorInform(Message.parse('#sensor-status 1700000001 2 type.float warn 2.5 type.integer error 6'));
  assert.deepEqual(reported, [['type.float', 2.5], ['type.integer', 6]]);
  assert.deepEqual(seen.map((r) => r.value), [5, 6]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /type\.float: the sensor object refused the update: no floats here/);
});

test('inspecting client - ?sensor-value replies update sensors only when applied (upstream test_handle_sensor_value)', async (t) => {
  const { ic } = await setup(t);
  ic.start();
  const sensor = (await ic.getSensor('type.float', LONG))!;
  await ic.simpleRequest('set-sensor', 'type.float', '19.11');
  const { informs } = await ic.simpleRequest('sensor-value', 'type.float');
  assert.notEqual(sensor.value, 19.11);
  for (const m of informs) ic.applySensorInform(m);
  assert.equal(sensor.value, 19.11);
});

test('inspecting client - factories are called with the descriptions and their results returned as is (upstream test_factories)', async (t) => {
  const sensorCalls: SensorInfo[] = [];
  const requestCalls: RequestInfo[] = [];
  const made = { setReading: (): void => undefined, tag: 'mine' };
  const { ic } = await setup<typeof made, { tag: string }>(t, {
    sensorFactory: (info) => {
      sensorCalls.push(info);
      return made;
    },
    requestFactory: (info) => {
      requestCalls.push(info);
      return { tag: info.name };
    },
  });
  ic.start();
  assert.equal(await ic.getSensor('type.integer', LONG), made);
  assert.deepEqual(sensorCalls, [{ name: 'type.integer', description: 'An integer sensor', units: 'counts', type: 'integer', params: ['0', '100'] }]);
  assert.deepEqual(await ic.getRequest('watchdog'), { tag: 'watchdog' });
  assert.equal(requestCalls.length, 1);
  assert.equal(requestCalls[0]!.name, 'watchdog');
  assert.equal(requestCalls[0]!.timeoutHint, undefined);
});

test('inspecting client - losing the device reports disconnected once, reconnecting an unchanged device reports no model change (upstream test_reconnect)', async (t) => {
  const { dev, ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  const states = recordStates(ic);
  await dev.down();
  await ic.untilState('disconnected', LONG);
  assert.deepEqual(states, [{ name: 'disconnected', changes: undefined }]);
  await dev.up();
  await ic.untilSynced(LONG);
  assert.deepEqual(states.map((s) => s.name), ['disconnected', 'connected', 'dataSynced', 'synced']);
  assert.equal(states[2]!.changes, undefined);
});

test('inspecting client - a device that comes back changed reports the differences after reconnecting', async (t) => {
  const { dev, ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  await dev.down();
  await ic.untilState('disconnected', LONG);
  const changed = changeSeen(ic, () => true);
  await dev.up((server) => {
    server.removeRequest('crash');
    server.sensors.remove('type.lru');
  });
  const changes = await changed;
  assert.deepEqual(sorted(changes.requests.removed), ['crash']);
  assert.deepEqual(sorted(changes.sensors.removed), ['type.lru']);
  assert.equal(changes.sensors.added.size, 0);
});

test('inspecting client - close() reports disconnected once; pending and later waits reject, untilNotSynced resolves (upstream test_stop)', async (t) => {
  const { ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  const states = recordStates(ic);
  const notSynced = ic.untilNotSynced();
  const dataChange = ic.untilState('dataSyncedChanged');
  await ic.close();
  assert.deepEqual(states, [{ name: 'disconnected', changes: undefined }]);
  assert.equal((await notSynced).name, 'disconnected');
  await assert.rejects(dataChange, ConnectionClosedError);
  await assert.rejects(ic.untilSynced(), ConnectionClosedError);
  await assert.rejects(ic.getSensor('type.integer'), ConnectionClosedError);
  await assert.rejects(ic.inspect(), ConnectionClosedError);
  await assert.rejects(ic.simpleRequest('watchdog'), ConnectionClosedError);
  assert.throws(() => ic.start(), ConnectionClosedError);
});

test('inspecting client - an inspection error keeps it connected and retries after a backoff until the device recovers (upstream test_help_inspection_error)', async (t) => {
  const dev = await Device.start();
  let broken = true;
  dev.tap.transform = (line) => (broken && /^!help\[\d+\] ok/.test(line) ? line.replace(/ ok.*/, ' fail Help\\_is\\_broken') : line);
  const { ic } = await setup(t, { resyncBackoff: { delayInitial: 5, delayMax: 20 } }, dev);
  const states = recordStates(ic);
  const errors: Error[] = [];
  ic.on('syncError', (err) => errors.push(err));
  ic.start();
  while (errors.length < 2) await new Promise<void>((resolve) => ic.once('syncError', () => resolve()));
  assert.ok(errors.every((e) => e instanceof SyncError && e.cause instanceof FailReply));
  assert.deepEqual(states.map((s) => s.name), ['connected']);
  assert.equal(ic.dataSynced, false);
  assert.equal(ic.sensors.length, 0);
  broken = false;
  await ic.untilSynced(LONG);
  assert.equal(states[1]!.name, 'dataSyncedChanged');
  assert.equal(states[1]!.changes!.sensors.added.size, dev.server.sensors.size);
});

test('inspecting client - a sensor-list error rolls the whole pass back: requests stay unknown too (upstream test_sensor_list_inspection_error)', async (t) => {
  const dev = await Device.start();
  let broken = true;
  dev.tap.transform = (line) => (broken && /^!sensor-list\[\d+\] ok/.test(line) ? line.replace(/ ok.*/, ' fail broken') : line);
  const { ic } = await setup(t, { resyncBackoff: { delayInitial: 5, delayMax: 20 } }, dev);
  ic.start();
  await new Promise<void>((resolve) => ic.once('syncError', () => resolve()));
  assert.equal(ic.requests.length, 0);
  assert.equal(ic.sensors.length, 0);
  broken = false;
  await ic.untilSynced(LONG);
  assert.ok(ic.requests.length > 0 && ic.sensors.length > 0);
});

test('inspecting client - the sync timeout budget turns a silent device into a SyncError', async (t) => {
  const dev = await Device.start();
  let silent = true;
  dev.tap.transform = (line) => (silent && /^[!#]sensor-list/.test(line) ? null : line);
  const { ic } = await setup(t, { syncTimeout: 200, resyncBackoff: { delayInitial: 5, delayMax: 5 } }, dev);
  ic.start();
  const err = await new Promise<Error>((resolve) => ic.once('syncError', resolve));
  assert.ok(err instanceof SyncError);
  assert.ok(err.cause instanceof KatcpTimeoutError, String(err.cause));
  silent = false;
  await ic.untilSynced(LONG);
});

test('inspecting client - defaults: a 20 s sync budget, then katcp-python resync delays (5 s growing by 3 up to 90 s, 95 % random)', async (t) => {
  const dev = await Device.start();
  dev.tap.transform = (line) => (/^[!#]sensor-list/.test(line) ? null : line);
  const clock = new VirtualClock();
  const { ic } = await setup(t, { clock, resyncBackoff: { random: () => 0 } }, dev);
  const errors: [Error, number][] = [];
  ic.on('syncError', (e, delay) => errors.push([e, delay]));
  ic.start();
  await until(() => dev.tap.sent(/^\?sensor-list/).length === 1, 'the ?sensor-list');
  await clock.advance(19_999);
  assert.equal(errors.length, 0);
  await clock.advance(1);
  assert.equal(errors.length, 1);
  assert.ok(errors[0]![0] instanceof SyncError);
  // With U = 0 the first retry waits (1 - 0.95) * 5 s, the next (1 - 0.95) * 15 s.
  assert.ok(Math.abs(errors[0]![1] - 250) < 1e-6, String(errors[0]![1]));
  await clock.advance(251);
  await until(() => dev.tap.sent(/^\?sensor-list/).length === 2, 'the retried ?sensor-list');
  await clock.advance(20_000);
  assert.equal(errors.length, 2);
  assert.ok(Math.abs(errors[1]![1] - 750) < 1e-6, String(errors[1]![1]));
});

test('inspecting client - a state callback is awaited and sees states strictly in order; one that throws causes a retry with the same changes', async (t) => {
  const seen: string[] = [];
  let fail = true;
  let delivered: ModelChanges | undefined;
  let syncedDone!: () => void;
  const callbackDone = new Promise<void>((resolve) => (syncedDone = resolve));
  const { ic } = await setup(t, {
    resyncBackoff: { delayInitial: 5, delayMax: 5 },
    stateCallback: async (state, changes) => {
      seen.push(`start ${state.name}`);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(`end ${state.name}`);
      if (state.name === 'synced') syncedDone();
      if (state.name === 'dataSyncedChanged') {
        if (fail) {
          fail = false;
          throw new Error('callback failure');
        }
        delivered = changes;
      }
    },
  });
  const errors: Error[] = [];
  ic.on('syncError', (e) => errors.push(e));
  ic.start();
  await ic.untilSynced(LONG);
  // The state is stored (and waiters released) before the callback runs.
  assert.equal(seen.at(-1), 'start synced');
  await callbackDone;
  assert.equal(errors.length, 1);
  for (let i = 0; i < seen.length; i += 2) {
    assert.equal(seen[i]!.replace('start ', ''), seen[i + 1]!.replace('end ', ''));
  }
  assert.deepEqual(seen.filter((s) => s.startsWith('start')).map((s) => s.slice(6)), ['connected', 'dataSyncedChanged', 'connected', 'dataSyncedChanged', 'synced']);
  // The changes that the failed callback missed are delivered again.
  assert.ok(delivered !== undefined && delivered.sensors.added.size > 0);
});

test('inspecting client - #device-changed (any form) and bare #interface-changed re-inspect everything; sensor-list only the sensors', async (t) => {
  const { dev, ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  const counts = (): [number, number] => [dev.tap.sent(/^\?help\[\d+\]$/).length, dev.tap.sent(/^\?sensor-list\[\d+\]$/).length];
  const resync = async (line: string): Promise<[number, number]> => {
    const [h, s] = counts();
    const states = recordStates(ic);
    dev.tap.inject([line]);
    await ic.untilNotSynced(LONG);
    await ic.untilSynced(LONG);
    assert.deepEqual(states.map((x) => x.name), ['connected', 'dataSynced', 'synced'], line);
    const [h2, s2] = counts();
    return [h2 - h, s2 - s];
  };
  assert.deepEqual(await resync('#device-changed'), [1, 1]);
  assert.deepEqual(await resync('#device-changed sensor type.integer modified'), [1, 1]);
  assert.deepEqual(await resync('#interface-changed'), [1, 1]);
  assert.deepEqual(await resync('#interface-changed sensor-list'), [0, 1]);
  assert.deepEqual(await resync('#interface-changed request-list'), [1, 0]);
});

test('inspecting client - inspect() runs a full pass through the state machine', async (t) => {
  const { dev, ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  const listings = dev.tap.sent(/^\?sensor-list\[\d+\]$/).length;
  const changes = await ic.inspect(LONG);
  assert.equal(changes, undefined);
  assert.equal(dev.tap.sent(/^\?sensor-list\[\d+\]$/).length, listings + 1);
  assert.equal(ic.synced, true);
});

test('inspecting client - presetProtocolFlags must precede start()', async (t) => {
  const { ic } = await setup(t);
  ic.presetProtocolFlags('5.0-IM');
  ic.start();
  await ic.untilSynced(LONG);
  assert.equal(ic.client?.protocolFlags?.toString(), '5.0-IM');
  assert.throws(() => ic.presetProtocolFlags('5.0'), /before start/);
});

test('inspecting client - interface changes that arrive during an inspection are not lost', async (t) => {
  const dev = await Device.start();
  // Hold back the first ?sensor-list reply until the device has announced a new sensor.
  let held: string[] | undefined = [];
  let release: (() => void) | undefined;
  const replyHeld = new Promise<void>((resolve) => (release = resolve));
  dev.tap.transform = (line) => {
    if (held !== undefined && /^[!#]sensor-list/.test(line)) {
      held.push(line);
      if (line.startsWith('!')) release?.();
      return null;
    }
    return line;
  };
  const { ic } = await setup(t, {}, dev);
  const states = recordStates(ic);
  ic.start();
  await replyHeld;
  const announced = new Promise<void>((resolve) => ic.client!.once('interfaceChanged', () => resolve()));
  dev.server.sensors.add(Sensor.integer({ name: 'late.arrival' }));
  await announced;
  // The client is still inspecting; now let the stale listing through.
  const lines = held;
  held = undefined;
  dev.tap.inject(lines);
  await ic.untilSynced(LONG);
  while (!ic.sensors.includes('late.arrival')) await ic.untilNotSynced(LONG).then(() => ic.untilSynced(LONG));
  const changes = states.filter((s) => s.changes !== undefined).map((s) => s.changes!);
  assert.ok(!changes[0]!.sensors.added.has('late.arrival'));
  assert.deepEqual(sorted(changes[1]!.sensors.added), ['late.arrival']);
});

test('inspecting client - updates for a sensor the index does not know yet are kept and applied after the lookup', async (t) => {
  const { dev, ic } = await setup(t, { initialInspection: false });
  ic.start();
  await ic.untilSynced(LONG);
  const update = new Promise<Reading<unknown>>((resolve) => ic.once('sensorUpdate', (name, r) => name === 'type.integer' && resolve(r)));
  // Subscribe behind the inspecting client's back: the update names a sensor it has never listed.
  await ic.simpleRequest('sensor-sampling', 'type.integer', 'event');
  assert.equal((await update).value, 42);
  assert.ok(ic.sensors.includes('type.integer'));
  assert.equal(dev.tap.sent(/^\?sensor-list\[\d+\] type\.integer$/).length, 1);
});

test('inspecting client - the resync backoff restarts from its initial delay after a successful sync (katcp-python never resets it)', async (t) => {
  const dev = await Device.start();
  let broken = true;
  dev.tap.transform = (line) => (broken && /^!help\[\d+\] ok/.test(line) ? line.replace(/ ok.*/, ' fail Help\\_is\\_broken') : line);
  const { ic } = await setup(t, { resyncBackoff: { delayInitial: 20, delayMax: 1000, random: () => 0.5 } }, dev);
  const delays: number[] = [];
  ic.on('syncError', (_e, delay) => delays.push(delay));
  const nextError = (): Promise<void> => new Promise((resolve) => ic.once('syncError', () => resolve()));
  ic.start();
  await nextError();
  await nextError();
  broken = false;
  await ic.untilSynced(LONG);
  const first = 20 * (0.05 + 0.95 * 0.5);
  assert.deepEqual(delays, [first, first * 3]);
  broken = true;
  const again = nextError();
  const pass = ic.inspect(LONG);
  await again;
  broken = false;
  await pass;
  assert.deepEqual(delays, [first, first * 3, first]);
});

test('inspecting client - a connection lost during inspection is retried on reconnect without a backoff', async (t) => {
  const dev = await Device.start();
  let cut = true;
  dev.tap.transform = (line) => {
    if (cut && /^!sensor-list\[\d+\]/.test(line)) {
      cut = false;
      setImmediate(() => dev.tap.dropAll());
      return null;
    }
    return line;
  };
  // A backoff this long would outlast the test if it were used.
  const { ic } = await setup(t, { resyncBackoff: { delayInitial: 60_000, delayMax: 60_000 } }, dev);
  const states = recordStates(ic);
  const errors: Error[] = [];
  ic.on('syncError', (e) => errors.push(e));
  ic.start();
  await ic.untilSynced(LONG);
  assert.deepEqual(errors, []);
  assert.deepEqual(states.map((s) => s.name), ['connected', 'disconnected', 'connected', 'dataSyncedChanged', 'synced']);
  assert.equal(states[3]!.changes!.sensors.added.size, dev.server.sensors.size);
});

test('inspecting client - an update for a sensor the device does not list is dropped with a warning, once', async (t) => {
  const { dev, ic } = await setup(t);
  ic.start();
  await ic.untilSynced(LONG);
  const warnings: Error[] = [];
  ic.on('warning', (e) => warnings.push(e));
  const warned = new Promise<void>((resolve) => ic.once('warning', () => resolve()));
  dev.tap.inject(['#sensor-status 1700000000.0 1 ghost.sensor nominal 1']);
  await warned;
  dev.tap.inject(['#sensor-status 1700000000.0 1 ghost.sensor nominal 2']);
  await ic.simpleRequest('watchdog');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /ghost\.sensor/);
  assert.equal(dev.tap.sent(/^\?sensor-list\[\d+\] ghost\.sensor$/).length, 1);
});

/** A scripted peer and an InspectingClient of it, both closed after the test. */
async function peerAndClient(t: { after(fn: () => Promise<void>): void }): Promise<{ peer: FakePeer; ic: InspectingClient }> {
  const peer = await FakePeer.start();
  const ic = new InspectingClient(peer.host, peer.port, { client: quietClient });
  t.after(async () => {
    await ic.close();
    await peer.close();
  });
  return { peer, ic };
}

/**
 * Answers `?help` with one request, `?sensor-list` with `listed` (inform arguments, each line
 * getting the request's id) and anything else with `ok`. v5 requests carry a message id, which
 * the reply and its informs repeat.
 */
function serveListing(conn: PeerConnection, listed: readonly string[]): void {
  conn.serve((line) => {
    const [, name = '', mid = ''] = /^\?([\w-]+)(\[\d+\])?/.exec(line) ?? [];
    if (name === 'help') conn.send(`#help${mid} watchdog Check`, `!help${mid} ok 1`);
    else if (name === 'sensor-list') conn.send(...listed.map((l) => `#sensor-list${mid} ${l}`), `!sensor-list${mid} ok ${listed.length}`);
    else conn.send(`!${name}${mid} ok`);
  });
}

test('inspecting client - readings are decoded with the protocol of their own connection: a v4 device (ms) that comes back as v5 (s)', async (t) => {
  const { peer, ic } = await peerAndClient(t);
  const serve = (conn: PeerConnection): void => serveListing(conn, ['a.ts A\\_ts \\@ timestamp']);
  const updates: [number, unknown][] = [];
  ic.on('sensorUpdate', (_n, r) => updates.push([r.timestamp, r.value]));
  ic.start();
  const v4 = await peer.accept();
  v4.send('#version 7.3', '#build-state blah-5.21a3');
  serve(v4);
  await ic.untilSynced(LONG);
  assert.equal(ic.client?.protocolFlags?.major, 4);
  v4.send('#sensor-status 1700000000250 1 a.ts nominal 1700000001500');
  await until(() => updates.length === 1, 'the v4 reading');
  v4.drop();
  await ic.untilNotSynced(LONG);
  const v5 = await peer.acceptWithBanner('5.0-MI');
  serve(v5);
  await ic.untilSynced(LONG);
  v5.send('#sensor-status 1700000002.5 1 a.ts nominal 1700000003.5');
  await until(() => updates.length === 2, 'the v5 reading');
  assert.deepEqual(updates, [
    [1700000000.25, 1700000001.5],
    [1700000002.5, 1700000003.5],
  ]);
});

test('inspecting client - a malformed #sensor-list inform in the full listing is warned about; the sensors around it are kept', async (t) => {
  const { peer, ic } = await peerAndClient(t);
  const warnings: Error[] = [];
  ic.on('warning', (e) => warnings.push(e));
  ic.start();
  serveListing(await peer.acceptWithBanner('5.0-MI'), ['a.first A \\@ integer', 'b.broken no\\_type', 'c.last C \\@ float']);
  await ic.untilSynced(LONG);
  assert.deepEqual([...ic.sensors].sort(), ['a.first', 'c.last']);
  assert.equal(warnings.filter((e) => /b\.broken/.test(e.message)).length, 1);
});
