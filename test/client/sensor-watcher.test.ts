import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../lib/client/client.js';
import { chunkByName, settleLimited } from '../../lib/client/sampling.js';
import { SensorWatcher } from '../../lib/client/sensor-watcher.js';
import { SyncState } from '../../lib/client/sync-state.js';
import { ClientState } from '../../lib/client/state.js';
import { ConnectionClosedError } from '../../lib/errors.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import type { Reading } from '../../lib/sensor/status.js';
import { captureLogger, connectedClient } from './fixtures.js';
import { FakePeer } from '../helpers/fake-peer.js';
import type { PeerConnection } from '../helpers/fake-peer.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { tick, until } from '../helpers/wait.js';

const DEVICE_STATUS = '#sensor-list device-status Overall\\_status \\@ discrete ok degraded fail';

/** Answer `?sensor-list[mid]` with the given inform bodies (without the `#sensor-list` prefix). */
async function answerList(conn: PeerConnection, bodies: string[], expectArgs = ''): Promise<number> {
  const line = await conn.expectLine(new RegExp(`^\\?sensor-list(\\[\\d+\\])?${expectArgs === '' ? '' : ' ' + expectArgs}$`));
  const mid = /\[(\d+)\]/.exec(line)?.[1];
  const tag = mid === undefined ? '' : `[${mid}]`;
  conn.send(...bodies.map((b) => `#sensor-list${tag} ${b}`), `!sensor-list${tag} ok ${bodies.length}`);
  return Number(mid);
}

test('sensor watcher - initial sync: list, subscribe, first reading, synced (aiokatcp wire sequence)', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  const events: string[] = [];
  watcher.on('stateChange', (s) => events.push(s));
  watcher.on('batchStart', () => events.push('['));
  watcher.on('batchStop', () => events.push(']'));
  watcher.on('sensorAdded', (s) => events.push(`+${s.name}`));
  watcher.on('sensorUpdated', (s, r) => events.push(`${s.name}=${String(r.value)}`));
  assert.equal(watcher.state, SyncState.Syncing);
  await conn.expectLine('?sensor-list[1]');
  conn.send('#sensor-list[1] device-status Overall\\_status \\@ discrete ok degraded fail', '!sensor-list[1] ok 1');
  await conn.expectLine('?sensor-sampling[2] device-status auto');
  conn.send('#sensor-status 123456789.0 1 device-status nominal ok', '!sensor-sampling[2] ok device-status auto');
  await watcher.untilSynced();
  assert.deepEqual(events, ['[', '+device-status', ']', '[', 'device-status=ok', ']', 'synced']);
  const s = watcher.sensors.get('device-status');
  assert.equal(s?.value, 'ok');
  assert.equal(s?.status, 'nominal');
  assert.equal(s?.timestamp, 123456789);
  assert.deepEqual(s?.values, ['ok', 'degraded', 'fail']);
  assert.equal(watcher.info('device-status')?.description, 'Overall status');
  await cleanup();
  assert.equal(watcher.state, SyncState.Closed);
  assert.equal(s?.status, 'unreachable');
});

test('sensor watcher - #interface-changed (no arguments) re-lists: additions, removals and one bulk subscription', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  await answerList(conn, [DEVICE_STATUS.slice('#sensor-list '.length)]);
  await conn.expectLine('?sensor-sampling[2] device-status auto');
  conn.send('!sensor-sampling[2] ok device-status auto');
  await watcher.untilSynced();
  const removed: string[] = [];
  watcher.on('sensorRemoved', (s) => removed.push(s.name));
  conn.send('#interface-changed');
  await answerList(conn, ['temp Temperature degC float', 'pressure Pressure Pa float']);
  await conn.expectLine('?sensor-sampling[4] pressure,temp auto');
  assert.equal(watcher.state, SyncState.Syncing);
  conn.send('#sensor-status 1.5 2 temp nominal 20.5 pressure warn 1e5', '!sensor-sampling[4] ok pressure,temp auto');
  await watcher.untilSynced();
  assert.deepEqual(removed, ['device-status']);
  assert.deepEqual([...watcher.sensors.names()].sort(), ['pressure', 'temp']);
  assert.equal(watcher.sensors.get('pressure')?.value, 100000);
  await cleanup();
});

test('sensor watcher - a failed bulk request falls back to one request per sensor', async () => {
  const { conn, client, logger, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  await answerList(conn, ['temp T degC float', 'pressure P Pa float']);
  await conn.expectLine('?sensor-sampling[2] pressure,temp auto');
  conn.send("!sensor-sampling[2] fail Unknown\\_sensor\\_'pressure'");
  assert.deepEqual(await conn.expectLines(2), ['?sensor-sampling[3] pressure auto', '?sensor-sampling[4] temp auto']);
  conn.send("!sensor-sampling[3] fail Unknown\\_sensor\\_'pressure'", '#sensor-status 2 1 temp nominal 7', '!sensor-sampling[4] ok temp auto');
  await watcher.untilSynced();
  assert.equal(watcher.sensors.get('temp')?.value, 7);
  assert.ok(logger.lines.some((l) => l.startsWith('warn failed to set the strategy of pressure')));
  await cleanup();
});

test('sensor watcher - a strategy the device refuses is reported as strategyRejected, and the watcher still reaches synced', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client, { strategy: { strategy: 'period', period: 0.5 } });
  const rejected: [string, string, string][] = [];
  watcher.on('strategyRejected', (name, strategy, err) => rejected.push([name, strategy.strategy, err.message]));
  await answerList(conn, ['temp T degC float']);
  await conn.expectLine('?sensor-sampling[2] temp period 0.5');
  conn.send('!sensor-sampling[2] fail period\\_too\\_short');
  await watcher.untilSynced();
  assert.equal(rejected.length, 1);
  assert.deepEqual(rejected[0]!.slice(0, 2), ['temp', 'period']);
  assert.match(rejected[0]![2], /period too short/);
  assert.ok(watcher.sensors.get('temp') !== undefined, 'the sensor stays mirrored');
  await cleanup();
});

test('sensor watcher - incremental #interface-changed: re-list only the named sensor, drop removed ones locally', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  await answerList(conn, ['a A \\@ integer', 'b B \\@ integer']);
  await conn.expectLine('?sensor-sampling[2] a,b auto');
  conn.send('!sensor-sampling[2] ok a,b auto');
  await watcher.untilSynced();
  const a = watcher.sensors.get('a');

  conn.send('#interface-changed sensor c added');
  await answerList(conn, ['c C \\@ float'], 'c');
  await conn.expectLine('?sensor-sampling[4] c auto');
  conn.send('!sensor-sampling[4] ok c auto');
  await until(() => watcher.state === SyncState.Synced && watcher.sensors.has('c'), 'c mirrored');

  conn.send('#interface-changed sensor b removed');
  await until(() => !watcher.sensors.has('b'), 'b removed');

  conn.send('#interface-changed sensor a modified');
  await answerList(conn, ['a A\\_again \\@ float'], 'a');
  await conn.expectLine('?sensor-sampling[6] a auto');
  conn.send('!sensor-sampling[6] ok a auto');
  await until(() => watcher.state === SyncState.Synced && watcher.sensors.get('a') !== a, 'a replaced');
  assert.equal(watcher.sensors.get('a')?.type, 'float');

  // A modification that turns out to be a removal (the sensor is gone by the time we ask).
  conn.send('#device-changed sensor c modified');
  const line = await conn.expectLine('?sensor-list[7] c');
  void line;
  conn.send("!sensor-list[7] fail Unknown\\_sensor\\_'c'");
  await until(() => !watcher.sensors.has('c'), 'c dropped');
  assert.deepEqual([...watcher.sensors.names()].sort(), ['a']);
  assert.deepEqual(conn.unread, [], 'no request for the removed sensor b');
  await cleanup();
});

test('sensor watcher - a changed description replaces the mirror: sensorRemoved for the old Sensor, then sensorAdded for the new one; new names only sensorAdded', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  await answerList(conn, ['a A \\@ integer']);
  await conn.expectLine('?sensor-sampling[2] a auto');
  conn.send('!sensor-sampling[2] ok a auto');
  await watcher.untilSynced();
  const old = watcher.sensors.get('a');
  const events: string[] = [];
  watcher.on('sensorRemoved', (s) => events.push(`removed ${s.name} ${s === old ? 'old' : 'new'}`));
  watcher.on('sensorAdded', (s) => events.push(`added ${s.name} ${s.type}`));
  conn.send('#interface-changed');
  await answerList(conn, ['a A\\_again \\@ float', 'b B \\@ integer']);
  await until(() => watcher.sensors.has('b') && watcher.sensors.get('a') !== old, 'relisted');
  assert.deepEqual(events, ['removed a old', 'added a float', 'added b integer']);
  assert.deepEqual([...watcher.sensors.names()].sort(), ['a', 'b']);
  await cleanup();
});

test('sensor watcher - disconnect marks sensors unreachable; reconnect resyncs without re-adding unchanged sensors', async () => {
  const { peer, conn, client, clock, cleanup } = await connectedClient({ reconnect: () => 1000 });
  const watcher = new SensorWatcher(client);
  await answerList(conn, [DEVICE_STATUS.slice('#sensor-list '.length)]);
  await conn.expectLine('?sensor-sampling[2] device-status auto');
  conn.send('#sensor-status 10 1 device-status nominal ok', '!sensor-sampling[2] ok device-status auto');
  await watcher.untilSynced();
  const sensor = watcher.sensors.get('device-status')!;
  const added: string[] = [];
  watcher.on('sensorAdded', (s) => added.push(s.name));
  conn.drop();
  await until(() => watcher.state === SyncState.Disconnected, 'disconnected');
  assert.equal(sensor.status, 'unreachable');
  assert.equal(sensor.value, 'ok');
  await clock.advance(1000);
  const conn2 = await peer.acceptWithBanner();
  await answerList(conn2, [DEVICE_STATUS.slice('#sensor-list '.length)]);
  await conn2.expectLine('?sensor-sampling[4] device-status auto');
  conn2.send('#sensor-status 20 1 device-status warn degraded', '!sensor-sampling[4] ok device-status auto');
  await watcher.untilSynced();
  assert.deepEqual(added, []);
  assert.equal(watcher.sensors.get('device-status'), sensor);
  assert.equal(sensor.value, 'degraded');
  await cleanup();
});

test('sensor watcher - a disconnect in the middle of a sync is survived and the sync completes after reconnecting', async () => {
  const { peer, conn, client, clock, cleanup } = await connectedClient({ reconnect: () => 1000 });
  const watcher = new SensorWatcher(client);
  await conn.expectLine('?sensor-list[1]');
  conn.send('#sensor-list[1] x X \\@ integer');
  conn.drop();
  await until(() => client.state === ClientState.Sleeping, 'sleeping');
  assert.equal(watcher.state, SyncState.Disconnected);
  assert.equal(watcher.sensors.size, 0);
  await clock.advance(1000);
  const conn2 = await peer.acceptWithBanner();
  await answerList(conn2, ['x X \\@ integer']);
  await conn2.expectLine('?sensor-sampling[3] x auto');
  conn2.drop(); // and again, during the subscription
  await until(() => client.state === ClientState.Sleeping, 'sleeping again');
  await clock.advance(1000);
  const conn3 = await peer.acceptWithBanner();
  await answerList(conn3, ['x X \\@ integer']);
  await conn3.expectLine('?sensor-sampling[5] x auto');
  conn3.send('#sensor-status 1 1 x nominal 42', '!sensor-sampling[5] ok x auto');
  await watcher.untilSynced();
  assert.equal(watcher.sensors.get('x')?.value, 42);
  await cleanup();
});

test('sensor watcher - v4 devices: no mids, millisecond timestamps, period strategies in ms', async () => {
  const peer = await FakePeer.start();
  const clock = new VirtualClock();
  const client = new Client(peer.host, peer.port, { clock, logger: captureLogger() });
  const conn = await peer.accept();
  conn.send('#version 7.3', '#build-state blah-5.21a3');
  const watcher = new SensorWatcher(client, { strategy: { strategy: 'period', period: 0.5 } });
  await answerList(conn, ['an.int An\\_int counts integer 0 10', 'a.ts When \\@ timestamp']);
  await conn.expectLine('?sensor-sampling a.ts period 500');
  conn.send('#sensor-status 1700000000250 1 a.ts nominal 1700000000500', '!sensor-sampling ok a.ts period 500');
  await conn.expectLine('?sensor-sampling an.int period 500');
  conn.send('#sensor-status 1700000000250 1 an.int nominal 3', '!sensor-sampling ok an.int period 500');
  await watcher.untilSynced();
  const s = watcher.sensors.get('an.int')!;
  assert.deepEqual({ ...s.reading }, { timestamp: 1700000000.25, status: 'nominal', value: 3 });
  assert.equal(watcher.sensors.get('a.ts')?.value, 1700000000.5);
  await client.close();
  await peer.close();
});

test('sensor watcher - filter, name rewriting (with replication), types, unknown types, decode errors; a string that is not UTF-8 is kept as bytes', async () => {
  const { conn, client, logger, cleanup } = await connectedClient();
  const decodeErrors: string[] = [];
  const watcher = new SensorWatcher(client, {
    filter: (info) => !info.name.startsWith('skip'),
    rewriteName: (name) => (name === 'bar' ? ['test_bar1', 'test_bar2'] : `test_${name}`),
  });
  watcher.on('decodeError', (name) => decodeErrors.push(name));
  await answerList(conn, [
    'foo Foo \\@ float',
    'bar Bar \\@ integer',
    'skip.me Skip \\@ integer',
    'weird Weird \\@ blah',
    'addr Addr \\@ address',
    'flag Flag \\@ boolean',
    'txt Text \\@ string',
    'mode Mode \\@ discrete idle busy',
  ]);
  await conn.expectLine('?sensor-sampling[2] addr,bar,flag,foo,mode,txt,weird auto');
  conn.send(
    '#sensor-status 5 7 foo nominal 1.5 bar warn 12 addr nominal 127.0.0.1:7147 flag nominal 1 txt nominal caf\xc3\xa9 mode nominal idle weird nominal x',
    '#sensor-status 6 2 mode nominal not-a-mode foo nominal abc',
    '#sensor-status 7 1 txt nominal \xff',
    '!sensor-sampling[2] ok addr,bar,flag,foo,mode,txt,weird auto',
  );
  await watcher.untilSynced();
  assert.deepEqual([...watcher.sensors.names()].sort(), ['test_addr', 'test_bar1', 'test_bar2', 'test_flag', 'test_foo', 'test_mode', 'test_txt']);
  assert.equal(watcher.sensors.get('test_foo')?.value, 1.5);
  assert.equal(watcher.sensors.get('test_bar1')?.value, 12);
  assert.equal(watcher.sensors.get('test_bar2')?.status, 'warn');
  assert.equal(String(watcher.sensors.get('test_addr')?.value), '127.0.0.1:7147');
  assert.equal(watcher.sensors.get('test_flag')?.value, true);
  // Lossless: the \xff reading is not dropped (it was a decode error): the mirror became a bytes sensor.
  assert.equal(watcher.sensors.get('test_txt')?.type, 'bytes');
  assert.deepEqual(watcher.sensors.get('test_txt')?.value, Buffer.from([0xff]));
  assert.equal(watcher.sensors.get('test_txt')?.timestamp, 7);
  assert.equal(watcher.sensors.get('test_mode')?.value, 'idle');
  assert.deepEqual(decodeErrors.sort(), ['foo', 'mode']);
  assert.ok(logger.lines.some((l) => l === 'warn type blah is not recognised, skipping sensor weird'));
  await cleanup();
});

test('sensor watcher - malformed #sensor-status informs have no effect and do not crash', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  await answerList(conn, ['x X \\@ integer']);
  await conn.expectLine('?sensor-sampling[2] x auto');
  conn.send('!sensor-sampling[2] ok x auto');
  await watcher.untilSynced();
  conn.send(
    '#sensor-status 1 notint x nominal 1',
    '#sensor-status 1 -1 x nominal 1',
    '#sensor-status 1 2 x nominal 1',
    '#sensor-status bad 1 x nominal 1',
    '#sensor-status 1 1 x badstatus 1',
    '#sensor-status 1 1 unknown nominal 1',
    '#sensor-status 1 1 \xff nominal 1',
    '#sensor-status',
  );
  conn.send('#sensor-status 9 1 x nominal 5');
  await until(() => watcher.sensors.get('x')?.value === 5, 'the good update');
  assert.equal(watcher.sensors.get('x')?.timestamp, 9);
  await cleanup();
});

test('sensor watcher - a second watcher gets the current mirror; closing the last watcher unsubscribes', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const w1 = new SensorWatcher(client);
  await answerList(conn, ['x X \\@ integer', 'y Y \\@ integer']);
  await conn.expectLine('?sensor-sampling[2] x,y auto');
  conn.send('#sensor-status 3 2 x nominal 1 y nominal 2', '!sensor-sampling[2] ok x,y auto');
  await w1.untilSynced();
  const w2 = new SensorWatcher(client, { filter: (i) => i.name === 'y' });
  assert.equal(w2.state, SyncState.Synced);
  assert.deepEqual([...w2.sensors.names()], ['y']);
  assert.equal(w2.sensors.get('y')?.value, 2);
  w1.close();
  await assert.rejects(w1.untilSynced(), ConnectionClosedError);
  assert.equal(w1.sensors.get('x')?.status, 'unreachable');
  await conn.expectLine('?sensor-sampling[3] x none');
  conn.send('!sensor-sampling[3] ok x none');
  await until(() => w2.state === SyncState.Synced, 'synced');
  w2.close();
  await conn.expectLine('?sensor-sampling[4] y none');
  conn.send('!sensor-sampling[4] ok y none');
  await cleanup();
});

test('sensor watcher - a failing ?sensor-list is retried with a backoff, not in a loop', async () => {
  const { conn, client, clock, logger, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  await conn.expectLine('?sensor-list[1]');
  conn.send('!sensor-list[1] fail broken');
  await until(() => logger.lines.some((l) => l.startsWith('warn sensor sync failed (retrying in 500 ms)')), 'the retry');
  assert.equal(clock.pending, 1, 'only the retry timer');
  await clock.advance(499);
  assert.deepEqual(conn.unread, []);
  await clock.advance(1);
  await answerList(conn, ['x X \\@ integer']);
  await conn.expectLine('?sensor-sampling[3] x auto');
  conn.send('!sensor-sampling[3] ok x auto');
  await watcher.untilSynced();
  await cleanup();
});

test('sensor watcher - untilSynced honours timeout and close; a watcher on a closed client is closed', async () => {
  const { client, clock, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  const t = assert.rejects(watcher.untilSynced({ timeout: 100 }), { name: 'KatcpTimeoutError' });
  await clock.advance(100);
  await t;
  const closed = assert.rejects(watcher.untilSynced(), ConnectionClosedError);
  await cleanup();
  await closed;
  const late = new SensorWatcher(client);
  assert.equal(late.state, SyncState.Closed);
  assert.throws(() => new SensorWatcher(client, { strategy: { strategy: 'none' } }), RangeError);
});

test('sensor watcher - 10,000 sensors: chunked bulk subscription and a complete mirror', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  const names = Array.from({ length: 10_000 }, (_, i) => `s${String(i).padStart(5, '0')}`);
  await answerList(
    conn,
    names.map((n) => `${n} Sensor \\@ integer`),
  );
  for (let chunk = 0; chunk < 10; chunk++) {
    const line = await conn.expectLine();
    const m = /^\?sensor-sampling\[(\d+)\] (\S+) auto$/.exec(line);
    assert.ok(m, line);
    const chunkNames = m[2]!.split(',');
    assert.equal(chunkNames.length, 1000);
    conn.send(`#sensor-status 1 ${chunkNames.length} ${chunkNames.map((n) => `${n} nominal 7`).join(' ')}`, `!sensor-sampling[${m[1]}] ok ${m[2]} auto`);
  }
  await watcher.untilSynced();
  assert.equal(watcher.sensors.size, 10_000);
  assert.ok([...watcher.sensors].every((s) => s.value === 7 && s.status === 'nominal'));
  await cleanup();
});

test('sensor watcher - a long list is subscribed chunk by chunk while it arrives, and mirrored only once complete', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  const events: string[] = [];
  watcher.on('sensorAdded', (s) => s.name === 's00000' && events.push('+s00000'));
  watcher.on('sensorUpdated', (s, r) => s.name === 's00000' && events.push(`s00000=${String(r.value)}`));
  const names = Array.from({ length: 2500 }, (_, i) => `s${String(i).padStart(5, '0')}`);
  const body = (n: string): string => `#sensor-list[1] ${n} Sensor \\@ integer`;
  await conn.expectLine('?sensor-list[1]');
  // A name listed twice (a device bug) is subscribed once.
  conn.send(...names.slice(0, 600).map(body), body(names[0]!), ...names.slice(600, 1200).map(body));
  const first = /^\?sensor-sampling\[2\] (\S+) auto$/.exec(await conn.expectLine());
  assert.deepEqual(first?.[1]?.split(','), names.slice(0, 1000), 'the first full chunk goes before the list is complete');
  assert.equal(watcher.sensors.size, 0, 'nothing is mirrored before the list is complete');
  // Its first readings arrive before the rest of the list: kept, then delivered with the sensors.
  conn.send(`#sensor-status 1 1000 ${names.slice(0, 1000).map((n) => `${n} nominal 7`).join(' ')}`, `!sensor-sampling[2] ok ${first?.[1] ?? ''} auto`);
  await tick();
  assert.equal(watcher.sensors.size, 0);
  conn.send(...names.slice(1200).map(body), '!sensor-list[1] ok 2500');
  const rest = await conn.expectLines(2);
  const chunks = rest.map((line) => /^\?sensor-sampling\[(\d)\] (\S+) auto$/.exec(line)!);
  assert.deepEqual(chunks.map((m) => m[2]!.split(',')), [names.slice(1000, 2000), names.slice(2000)]);
  for (const m of chunks) {
    const chunk = m[2]!.split(',');
    conn.send(`#sensor-status 2 ${chunk.length} ${chunk.map((n) => `${n} warn 8`).join(' ')}`, `!sensor-sampling[${m[1]}] ok ${m[2]} auto`);
  }
  await watcher.untilSynced();
  assert.equal(watcher.sensors.size, 2500);
  assert.deepEqual(events, ['+s00000', 's00000=7'], 'the early reading follows the sensor');
  assert.ok(names.slice(0, 1000).every((n) => watcher.sensors.get(n)?.value === 7));
  assert.ok(names.slice(1000).every((n) => watcher.sensors.get(n)?.value === 8 && watcher.sensors.get(n)?.status === 'warn'));
  const late = new SensorWatcher(client);
  assert.equal(late.sensors.get('s00000')?.value, 7, 'a later watcher gets the early reading too');
  await cleanup();
});

test('sensor watcher - a list that fails after early subscriptions mirrors nothing and is retried in full', async () => {
  const { conn, client, clock, logger, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  const names = Array.from({ length: 1000 }, (_, i) => `s${String(i).padStart(5, '0')}`);
  const body = (tag: string) => (n: string): string => `#sensor-list${tag} ${n} Sensor \\@ integer`;
  await conn.expectLine('?sensor-list[1]');
  conn.send(...names.map(body('[1]')));
  await conn.expectLine(`?sensor-sampling[2] ${names.join(',')} auto`);
  conn.send(`#sensor-status 1 1 ${names[0]} nominal 7`, `!sensor-sampling[2] ok ${names.join(',')} auto`, '!sensor-list[1] fail device\\_busy');
  await until(() => logger.lines.some((l) => l.startsWith('warn sensor sync failed (retrying in 500 ms): device busy')), 'a retry is scheduled');
  assert.equal(watcher.sensors.size, 0);
  assert.equal(watcher.state, SyncState.Syncing);
  await clock.advance(500);
  await conn.expectLine('?sensor-list[3]');
  conn.send(...names.map(body('[3]')), '!sensor-list[3] ok 1000');
  await conn.expectLine(`?sensor-sampling[4] ${names.join(',')} auto`);
  conn.send(`#sensor-status 2 1 ${names[0]} nominal 9`, `!sensor-sampling[4] ok ${names.join(',')} auto`);
  await watcher.untilSynced();
  assert.equal(watcher.sensors.size, 1000);
  assert.equal(watcher.sensors.get(names[0]!)?.value, 9);
  await cleanup();
});

test('sampling - chunks respect both the name count and the byte bound', () => {
  const names = Array.from({ length: 2500 }, (_, i) => `n${i}`);
  assert.deepEqual(
    chunkByName(names, (n) => n).map((c) => c.length),
    [1000, 1000, 500],
  );
  const long = Array.from({ length: 10 }, (_, i) => `${'x'.repeat(30_000)}${i}`);
  const chunks = chunkByName(long, (n) => n);
  assert.deepEqual(
    chunks.map((c) => c.length),
    [2, 2, 2, 2, 2],
  );
  assert.ok(chunks.every((c) => c.join(',').length <= 64 * 1024));
  assert.deepEqual(chunkByName(['y'.repeat(70_000)], (n) => n).length, 1);
});

test('sampling - settleLimited keeps at most the limit in flight and keeps order', async () => {
  let inFlight = 0;
  let most = 0;
  const results = await settleLimited([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await tick();
    inFlight--;
    if (x === 4) throw new Error('four');
    return x * 2;
  });
  assert.equal(most, 3);
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    [2, 4, 6, 'four', 10, 12, 14],
  );
});

test('sensor watcher - closing marks a caller-added sensor of a subclass unreachable through its own setReading', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  await answerList(conn, ['x X \\@ integer']);
  await conn.expectLine('?sensor-sampling[2] x auto');
  conn.send('#sensor-status 3 1 x nominal 1', '!sensor-sampling[2] ok x auto');
  await watcher.untilSynced();
  const set: string[] = [];
  class Logged extends Sensor<number> {
    override setReading(reading: Reading<number>): void {
      set.push(reading.status);
      super.setReading(reading);
    }
  }
  const own = new Logged({ type: 'float', name: 'own' });
  watcher.sensors.add(own);
  watcher.close();
  assert.deepEqual(set, ['unreachable']);
  assert.equal(own.status, 'unreachable');
  assert.equal(watcher.sensors.get('x')?.status, 'unreachable');
  assert.equal(watcher.sensors.get('x')?.value, 1);
  await conn.expectLine('?sensor-sampling[3] x none');
  conn.send('!sensor-sampling[3] ok x none');
  await cleanup();
});
