import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../lib/client/client.js';
import { ClientState } from '../../lib/client/state.js';
import { KatcpRangeError } from '../../lib/errors.js';
import { captureLogger, connectedClient } from './fixtures.js';
import { until } from '../helpers/wait.js';

test('stats - messages and bytes both ways, connections, reconnects, requests in flight and latency', async () => {
  const { peer, conn, client, clock, cleanup } = await connectedClient({ reconnect: () => 10 });
  const afterBanner = client.stats;
  assert.equal(afterBanner.connections, 1);
  assert.equal(afterBanner.reconnects, 0);
  assert.equal(afterBanner.messagesSent, 0);
  assert.ok(afterBanner.messagesReceived >= 1);
  assert.equal(afterBanner.bytesReceived, conn.socket.bytesWritten);

  const p1 = client.request('a');
  const p2 = client.request('b', 'xyz');
  await conn.expectLines(2);
  assert.equal(client.stats.requestsInFlight, 2);
  assert.equal(client.stats.messagesSent, 2);
  assert.equal(client.stats.bytesSent, '?a[1]\n?b[2] xyz\n'.length);
  await clock.advance(40);
  conn.send('!a[1] ok');
  await p1;
  await clock.advance(60);
  conn.send('#b[2] info', '!b[2] ok');
  await p2;
  const s = client.stats;
  assert.equal(s.requestsInFlight, 0);
  assert.equal(s.messagesReceived, afterBanner.messagesReceived + 3);
  assert.equal(s.bytesReceived, conn.socket.bytesWritten);
  assert.deepEqual(s.latency, { count: 2, median: 70, p99: 100, max: 100 });

  conn.drop();
  await until(() => client.state === ClientState.Sleeping, 'sleeping');
  await clock.advance(10);
  (await peer.accept()).sendBanner();
  await client.waitConnected();
  assert.equal(client.stats.connections, 2);
  assert.equal(client.stats.reconnects, 1);
  await cleanup();
});

test('stats - checkMessageRate logs the receive rate at debug level while connected', async () => {
  const { conn, client, clock, logger, cleanup } = await connectedClient({ checkMessageRate: true, rateLogInterval: 1000 });
  for (let i = 0; i < 20; i++) conn.send('#tick');
  await until(() => client.stats.messagesReceived >= 20, 'the informs');
  await clock.advance(1000);
  const lines = logger.lines.filter((l) => l.startsWith('debug receive rate:'));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^debug receive rate: \d+(\.\d)? messages\/s$/);
  await cleanup();
  const before = logger.lines.length;
  await clock.advance(5000);
  assert.equal(logger.lines.length, before, 'nothing logged once closed');
  assert.equal(clock.pending, 0);
});

test('mids - the mids option sets the first id; lastMid follows the ids sent', async () => {
  const { conn, client, cleanup } = await connectedClient({ mids: 1000 });
  assert.equal(client.lastMid, undefined);
  const p = client.request('x');
  await conn.expectLine('?x[1000]');
  assert.equal(client.lastMid, 1000);
  conn.send('!x[1000] ok');
  await p;
  void client.request('y').catch(() => undefined);
  await conn.expectLine('?y[1001]');
  assert.equal(client.lastMid, 1001);
  await cleanup();
});

test('mids - a generator chooses ids; an id still pending is never reused; bad ids are KatcpRangeError', async () => {
  const ids = [7, 7, 9, 0];
  const { conn, client, cleanup } = await connectedClient({ mids: () => ids.shift() ?? 3 });
  const a = client.request('a');
  await conn.expectLine('?a[7]');
  // 7 is still pending: the generator is asked again.
  const b = client.request('b');
  await conn.expectLine('?b[9]');
  await assert.rejects(client.request('c'), (e: unknown) => e instanceof KatcpRangeError && /message id 0 is outside 1\.\.2147483647/.test(e.message));
  conn.send('!a[7] ok', '!b[9] ok');
  await Promise.all([a, b]);
  assert.equal(client.lastMid, 9);
  await cleanup();
});

test('mids - a first id outside 1..2^31-1 is refused at construction', () => {
  for (const mids of [0, -1, 2 ** 31, 1.5]) {
    assert.throws(() => new Client('127.0.0.1', 1, { mids, logger: captureLogger() }), (e: unknown) => e instanceof KatcpRangeError && e.key === 'mids');
  }
});
