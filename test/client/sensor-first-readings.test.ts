/**
 * How a SensorWatcher finds the sensors of the readings that follow a bulk subscription and of a
 * full list still arriving: the first readings usually come in the order of the names sent, but
 * a device may send them in any order, skip some, or send them before the list is complete;
 * names may be listed in any order, or twice. Every reading must reach its own sensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SensorWatcher } from '../../lib/client/sensor-watcher.js';
import { connectedClient } from './fixtures.js';
import type { PeerConnection } from '../helpers/fake-peer.js';
import { tick, until } from '../helpers/wait.js';

const nameOf = (i: number): string => `s${String(i).padStart(5, '0')}`;
const body = (n: string): string => `#sensor-list[1] ${n} Sensor \\@ integer`;

/** The next `?sensor-sampling[mid] a,b,c auto`: its mid and names. */
async function sampling(conn: PeerConnection): Promise<{ mid: string; names: string[] }> {
  const m = /^\?sensor-sampling\[(\d+)\] (\S+) auto$/.exec(await conn.expectLine());
  assert.ok(m);
  return { mid: m[1]!, names: m[2]!.split(',') };
}

const statusOf = (names: readonly string[], value: (n: string) => number): string =>
  `#sensor-status 1 ${names.length} ${names.map((n) => `${n} nominal ${value(n)}`).join(' ')}`;
const numberOf = (n: string): number => Number(n.slice(1));

test('sensor watcher - first readings in another order than the names were sent, some missing, and mixed with the next chunk, each reach their own sensor', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  const names = Array.from({ length: 2000 }, (_, i) => nameOf(i));
  await conn.expectLine('?sensor-list[1]');
  conn.send(...names.map(body), '!sensor-list[1] ok 2000');
  const a = await sampling(conn);
  const b = await sampling(conn);
  assert.deepEqual([...a.names, ...b.names], names);
  // Chunk a: every third reading is missing, pairs are swapped; half of chunk b's readings come
  // before a's reply, in reverse order, the rest after it.
  const aOrder = a.names.filter((_, i) => i % 3 !== 0);
  for (let i = 0; i + 1 < aOrder.length; i += 2) [aOrder[i], aOrder[i + 1]] = [aOrder[i + 1]!, aOrder[i]!];
  const bEarly = b.names.slice(0, 500).reverse();
  conn.send(
    ...aOrder.map((n) => statusOf([n], numberOf)),
    statusOf(bEarly, numberOf),
    `!sensor-sampling[${a.mid}] ok ${a.names.join(',')} auto`,
    statusOf(b.names.slice(500), numberOf),
    `!sensor-sampling[${b.mid}] ok ${b.names.join(',')} auto`,
  );
  await watcher.untilSynced();
  const missing = new Set(a.names.filter((_, i) => i % 3 === 0));
  for (const n of names) {
    const s = watcher.sensors.get(n)!;
    if (missing.has(n)) assert.equal(s.status, 'unknown', n);
    else assert.deepEqual([n, s.value, s.status], [n, numberOf(n), 'nominal']);
  }
  // Later updates of any sensor, in any order, still arrive.
  conn.send(statusOf([nameOf(1999), nameOf(0), nameOf(1000)], () => -1));
  await until(() => watcher.sensors.get(nameOf(1000))?.value === -1, 'the update');
  assert.deepEqual([nameOf(1999), nameOf(0), nameOf(1000)].map((n) => watcher.sensors.get(n)?.value), [-1, -1, -1]);
  await cleanup();
});

test('sensor watcher - readings that come before the list is complete, in another order than sent, are kept for their sensors', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  const names = Array.from({ length: 1500 }, (_, i) => nameOf(i));
  await conn.expectLine('?sensor-list[1]');
  conn.send(...names.slice(0, 1000).map(body));
  const a = await sampling(conn);
  conn.send(statusOf([...a.names].reverse(), numberOf), `!sensor-sampling[${a.mid}] ok ${a.names.join(',')} auto`);
  await tick();
  assert.equal(watcher.sensors.size, 0);
  conn.send(...names.slice(1000).map(body), '!sensor-list[1] ok 1500');
  const b = await sampling(conn);
  conn.send(statusOf(b.names, numberOf), `!sensor-sampling[${b.mid}] ok ${b.names.join(',')} auto`);
  await watcher.untilSynced();
  assert.ok(names.every((n) => watcher.sensors.get(n)?.value === numberOf(n)));
  await cleanup();
});

test('sensor watcher - a name listed twice, next to itself or far from it, is subscribed and mirrored once', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const watcher = new SensorWatcher(client);
  const added: string[] = [];
  watcher.on('sensorAdded', (s) => added.push(s.name));
  const names = Array.from({ length: 6 }, (_, i) => nameOf(i));
  await conn.expectLine('?sensor-list[1]');
  // In name order with s00001 twice in a row; then s00002 again, out of order.
  conn.send(...[names[0]!, names[1]!, names[1]!, names[2]!, names[3]!, names[2]!, names[4]!, names[5]!].map(body), '!sensor-list[1] ok 8');
  const a = await sampling(conn);
  assert.deepEqual(a.names, names);
  conn.send(statusOf(a.names, numberOf), `!sensor-sampling[${a.mid}] ok ${a.names.join(',')} auto`);
  await watcher.untilSynced();
  assert.deepEqual(added, names);
  assert.ok(names.every((n) => watcher.sensors.get(n)?.value === numberOf(n)));
  await cleanup();
});

test('sensor watcher - several watchers of one client each keep their own mirror up to date, also after another one closes', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const w1 = new SensorWatcher(client);
  await conn.expectLine('?sensor-list[1]');
  conn.send(body('x'), body('y'), '!sensor-list[1] ok 2');
  const a = await sampling(conn);
  conn.send(statusOf(a.names, () => 1), `!sensor-sampling[${a.mid}] ok x,y auto`);
  await w1.untilSynced();
  const w2 = new SensorWatcher(client);
  const w3 = new SensorWatcher(client, { rewriteName: (n) => [`${n}.a`, `${n}.b`] });
  conn.send(statusOf(['x', 'y'], () => 2));
  await until(() => w3.sensors.get('y.b')?.value === 2, 'the update');
  const values = (w: SensorWatcher): unknown[] => [...w.sensors].map((s) => [s.name, s.value]);
  assert.deepEqual(values(w1), [['x', 2], ['y', 2]]);
  assert.deepEqual(values(w2), [['x', 2], ['y', 2]]);
  assert.deepEqual(values(w3), [['x.a', 2], ['x.b', 2], ['y.a', 2], ['y.b', 2]]);
  assert.notEqual(w1.sensors.get('x'), w2.sensors.get('x'));
  w1.close();
  const w4 = new SensorWatcher(client);
  conn.send(statusOf(['x', 'y'], () => 3));
  await until(() => w4.sensors.get('y')?.value === 3, 'the update');
  assert.deepEqual(values(w1), [['x', 2], ['y', 2]], 'a closed watcher is not updated');
  assert.deepEqual(values(w2), [['x', 3], ['y', 3]]);
  assert.deepEqual(values(w3), [['x.a', 3], ['x.b', 3], ['y.a', 3], ['y.b', 3]]);
  assert.deepEqual(values(w4), [['x', 3], ['y', 3]]);
  await cleanup();
});
