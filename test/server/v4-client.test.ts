/**
 * The project's own client, watcher and resource against its own server in KATCP v4 mode: v4 is
 * detected from the banner, timestamps come back in seconds, strategy periods go out in
 * milliseconds and updates arrive at the right (virtual) times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Client } from '../../lib/client/client.js';
import { SensorWatcher } from '../../lib/client/sensor-watcher.js';
import { createDemoServer } from '../../lib/demo/demo-server.js';
import { KATCPClientResource } from '../../lib/resource/resource.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import type { Sensor } from '../../lib/sensor/sensor.js';
import { captureLogger } from '../client/fixtures.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { until } from '../helpers/wait.js';
import { RecordingConsole } from './fixture.js';

const TURNS = 50_000;

async function startV4(t: TestContext, clock: VirtualClock): Promise<DeviceServer> {
  const server = createDemoServer({ protocol: '4.0-M', clock, counterPeriod: 0, timeSync: false, fruitDelay: 300, random: () => 0.1, console: new RecordingConsole() });
  await server.start();
  t.after(() => server.stop());
  return server;
}

test('v4 client - our Client detects v4, sends no ids, and reads timestamps in seconds', async (t) => {
  const clock = new VirtualClock(1_700_000_000.25);
  const server = await startV4(t, clock);
  assert.equal(String(server.protocol), '4.0-M');
  const client = await Client.connect(server.address.host, server.address.port, { logger: captureLogger() });
  t.after(() => client.close());
  assert.equal(client.protocolFlags?.major, 4);
  assert.equal(client.protocolFlags?.messageIds, false);
  const reading = await client.sensorReading('type.timestamp');
  assert.equal(reading.timestamp, 1_700_000_000.25);
  assert.equal(reading.value, 1_700_000_000.25);
  const { reply } = await client.request('time');
  assert.equal(reply[0]?.toString(), '1700000000250', '?time replies milliseconds to a v4 client');
  // Requests with the same name are serialised when the server has no ids: all succeed.
  const sums = await Promise.all([1, 2, 3].map((i) => client.request('add', i, 1)));
  assert.deepEqual(sums.map((r) => r.reply.toString()), ['2.0', '3.0', '4.0']);
});

test('v4 client - the watcher mirrors a v4 device: statuses and values, updates with seconds timestamps', async (t) => {
  const clock = new VirtualClock();
  const server = await startV4(t, clock);
  const client = new Client(server.address.host, server.address.port, { logger: captureLogger(), autoReconnect: false });
  t.after(() => client.close());
  const watcher = new SensorWatcher(client);
  await watcher.untilSynced({ timeout: 20_000 });
  assert.equal(watcher.sensors.get('type.address')?.type, 'string', 'v4 has no address type');
  const f = server.sensors.get('type.float') as Sensor<number>;
  await clock.advance(1234);
  f.setValue(7.5, { status: 'inactive' });
  await until(() => watcher.sensors.get('type.float')?.value === 7.5, 'the update', TURNS);
  assert.equal(watcher.sensors.get('type.float')?.timestamp, 1_700_000_001.234);
  assert.equal(watcher.sensors.get('type.float')?.status, 'unknown', 'v4 has no inactive status');
});

test('v4 client - a resource sets period and event strategies (periods in ms on the wire) and picks fruit', async (t) => {
  const clock = new VirtualClock();
  const server = await startV4(t, clock);
  const res = new KATCPClientResource({ name: 'v4', address: `${server.address.host}:${server.address.port}`, controlled: true, client: { logger: captureLogger() } });
  t.after(() => res.stop());
  res.start();
  await res.untilSynced({ timeout: 20_000 });
  const counter = server.sensors.get('type.integer') as Sensor<number>;
  const mirror = res.sensor.type_integer!;
  const seen: number[] = [];
  mirror.registerListener((_s, r) => seen.push(r.timestamp));
  assert.equal(await mirror.setStrategy('period', 0.25), true);
  await until(() => seen.length === 1, 'the initial update', TURNS);
  counter.setValue(43);
  await clock.advance(250);
  await until(() => mirror.value === 43, 'the periodic update', TURNS);
  await clock.advance(250);
  await until(() => seen.length === 3, 'the next periodic update', TURNS);
  assert.deepEqual(seen, [1_700_000_000, 1_700_000_000, 1_700_000_000], 'every report carries the reading time, in seconds');
  const wire = await res.req.sensor_sampling!('type.integer');
  assert.deepEqual(wire.args.map(String), ['type.integer', 'period', '250'], 'the device holds a 250 ms period');

  assert.equal(await res.sensor.fruit_result!.setStrategy('event'), true);
  const picked = res.req.pick_fruit!();
  for (let i = 0; i < 3; i++) await clock.advance(100);
  const reply = await picked;
  assert.equal(reply.succeeded, true);
  assert.equal(reply.informs.length, 3);
  await until(() => res.sensor.fruit_result!.value === 'apple', 'the fruit', TURNS);
});
