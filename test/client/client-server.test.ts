/**
 * The client and the sensor watcher against the project's own DeviceServer / demo device.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../lib/client/client.js';
import { SensorWatcher } from '../../lib/client/sensor-watcher.js';
import { SyncState } from '../../lib/client/sync-state.js';
import { createDemoServer } from '../../lib/demo/index.js';
import type { DeviceServer } from '../../lib/server/index.js';
import { Sensor } from '../../lib/sensor/index.js';
import { FailReply } from '../../lib/errors.js';
import { Address } from '../../lib/codec/address.js';
import { captureLogger } from './fixtures.js';
import { until } from '../helpers/wait.js';

/** Turns of the event loop a wait may take (mirroring thousands of sensors takes many). */
const TURNS = 50_000;

async function startDemo(extra = 20): Promise<DeviceServer> {
  const server = createDemoServer({ port: 0, sensors: extra, counterPeriod: 0, timeSync: false, fruitDelay: 0, console: captureLogger() });
  await server.start();
  return server;
}

function comparable(v: unknown): unknown {
  return Buffer.isBuffer(v) ? v.toString('hex') : v instanceof Address ? v.toString() : v;
}

test('client + server - negotiation, requests with informs, failures and 200 concurrent requests', async () => {
  const server = await startDemo();
  const client = await Client.connect(server.address.host, server.address.port, { logger: captureLogger() });
  assert.equal(client.protocolFlags?.toString(), '5.1-MIBT');
  assert.ok(client.timeoutHints instanceof Map);
  const { reply, informs } = await client.request('help');
  assert.equal(Number(reply[0]?.toString()), informs.length);
  assert.ok(informs.some((m) => m.arg(0) === 'echo'));
  await assert.rejects(client.request('fail', 'on purpose'), FailReply);
  await assert.rejects(client.request('no-such-request'), { name: 'InvalidReply' });
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => client.request('echo', `v${i}`, i)));
  results.forEach((r, i) => assert.deepEqual(r.reply.map(String), [`v${i}`, String(i)]));
  assert.equal((await client.request('add', 2, 3.5)).reply.toString(), '5.5');
  await client.close();
  await server.stop();
});

test('client + server - sensorReading and sensorValue decode every type', async () => {
  const server = await startDemo(0);
  const client = await Client.connect(server.address.host, server.address.port, { logger: captureLogger() });
  for (const name of ['type.integer', 'type.float', 'type.boolean', 'type.string', 'type.discrete', 'type.lru', 'type.timestamp', 'type.address', 'type.address6']) {
    const local = server.sensors.get(name)!;
    const reading = await client.sensorReading(name);
    assert.deepEqual(comparable(reading.value), comparable(local.value), name);
    assert.equal(reading.status, local.status);
    assert.equal(reading.timestamp, local.timestamp);
  }
  assert.deepEqual(await client.sensorValue('type.bytes', { type: 'bytes' }), server.sensors.get('type.bytes')!.value);
  await assert.rejects(client.sensorReading('no.such.sensor'), FailReply);
  await client.close();
  await server.stop();
});

test('client + server - the watcher mirrors the demo device, follows updates and interface changes, and goes unreachable', async () => {
  const server = await startDemo(50);
  const client = new Client(server.address.host, server.address.port, { logger: captureLogger(), autoReconnect: false });
  const watcher = new SensorWatcher(client);
  await watcher.untilSynced({ timeout: 20_000 });
  assert.equal(watcher.sensors.size, server.sensors.size);
  for (const local of server.sensors) {
    const mirror = watcher.sensors.get(local.name);
    assert.ok(mirror, local.name);
    const expectedType = local.type === 'bytes' ? 'string' : local.type;
    assert.equal(mirror.type, expectedType, local.name);
    assert.equal(mirror.description, local.description);
    assert.equal(mirror.units, local.units);
    if (local.type !== 'bytes') assert.deepEqual(comparable(mirror.value), comparable(local.value), local.name);
    assert.equal(mirror.timestamp, local.timestamp, local.name);
  }

  const f = server.sensors.get('type.float') as Sensor<number>;
  f.setValue(99.5, { status: 'warn' });
  await until(() => watcher.sensors.get('type.float')?.value === 99.5, 'the update', TURNS);
  assert.equal(watcher.sensors.get('type.float')?.status, 'warn');

  server.sensors.add(Sensor.integer({ name: 'runtime.added', description: 'Added at runtime', default: 5, initialStatus: 'nominal' }));
  await until(() => watcher.sensors.get('runtime.added')?.value === 5, 'the new sensor', TURNS);
  server.sensors.remove('type.float');
  await until(() => !watcher.sensors.has('type.float'), 'the removal', TURNS);
  await until(() => watcher.state === SyncState.Synced, 'synced again', TURNS);

  const mirror = watcher.sensors.get('type.integer')!;
  await server.stop();
  await until(() => watcher.state === SyncState.Disconnected || watcher.state === SyncState.Closed, 'disconnected', TURNS);
  assert.equal(mirror.status, 'unreachable');
  await client.close();
});

test('client + server - a watcher on a 10,000-sensor demo device syncs completely', async () => {
  const server = await startDemo(10_000);
  const client = new Client(server.address.host, server.address.port, { logger: captureLogger() });
  const watcher = new SensorWatcher(client, { filter: (info) => info.name.startsWith('extra.') });
  await watcher.untilSynced({ timeout: 60_000 });
  assert.equal(watcher.sensors.size, 10_000);
  const s = server.sensors.get('extra.01234') as Sensor<number>;
  s.setValue(12.25);
  await until(() => watcher.sensors.get('extra.01234')?.value === 12.25, 'update', TURNS);
  await client.close();
  await server.stop();
});
