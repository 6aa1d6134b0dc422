import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientState } from '../../lib/client/state.js';
import { Client } from '../../lib/client/client.js';
import { ConnectionClosedError, KatcpErrorCode, KatcpRangeError, KatcpTypeError, PeerTimeoutError } from '../../lib/errors.js';
import { captureLogger, connectedClient } from './fixtures.js';
import { tick, until } from '../helpers/wait.js';

const heartbeat = { interval: 1000, timeout: 500 };

test('heartbeat - a peer that goes silent without closing is declared dead: typed disconnected cause, pending requests fail, reconnection follows', async () => {
  const { peer, conn, client, clock, cleanup } = await connectedClient({ heartbeat, reconnect: () => 100 });
  const causes: (Error | undefined)[] = [];
  client.on('disconnected', (cause) => causes.push(cause));
  const pending = client.request('slow');
  await conn.expectLine('?slow[1]');
  // The peer never answers and never closes its socket.
  await clock.advance(1000);
  await conn.expectLine('?watchdog[2]');
  const failed = assert.rejects(pending, (e: unknown) => e instanceof PeerTimeoutError && e instanceof ConnectionClosedError && e.code === KatcpErrorCode.PeerTimeout);
  await clock.advance(499);
  assert.equal(client.state, ClientState.Connected);
  await clock.advance(1);
  await failed;
  assert.equal(client.state, ClientState.Sleeping);
  assert.equal(causes.length, 1);
  assert.ok(causes[0] instanceof PeerTimeoutError);
  assert.match(causes[0].message, /no reply to \?watchdog within 500 ms after 1000 ms of silence/);
  assert.equal(client.lastError, causes[0]);
  await conn.closed;
  // The normal reconnect policy applies.
  await clock.advance(100);
  const conn2 = await peer.accept();
  conn2.sendBanner();
  await client.waitConnected();
  await cleanup();
});

test('heartbeat - a live peer answers ?watchdog and the connection stays; received traffic postpones the watchdog', async () => {
  const { conn, client, clock, cleanup } = await connectedClient({ heartbeat });
  await clock.advance(600);
  conn.send('#log info 0 dev hello');
  await until(() => client.stats.messagesReceived >= 2, 'the #log inform');
  // 1000 ms after connecting, but only 400 ms after the last inform: not idle yet.
  await clock.advance(400);
  await tick();
  assert.deepEqual(conn.unread, []);
  await clock.advance(600);
  await conn.expectLine('?watchdog[1]');
  conn.send('!watchdog[1] ok');
  await until(() => client.pendingRequests === 0, 'the watchdog reply');
  await clock.advance(999);
  assert.equal(client.state, ClientState.Connected);
  await clock.advance(1);
  await conn.expectLine('?watchdog[2]');
  // Even a failure reply shows the peer is alive.
  conn.send('!watchdog[2] fail busy');
  await until(() => client.pendingRequests === 0, 'the second watchdog reply');
  await clock.advance(500);
  assert.equal(client.state, ClientState.Connected);
  await cleanup();
});

test('heartbeat - off by default: a long silence sends nothing; the only timer is the request timeout', async () => {
  const { conn, client, clock, cleanup } = await connectedClient({ requestTimeout: Infinity });
  assert.equal(clock.pending, 0);
  await clock.advance(3_600_000);
  await tick();
  assert.deepEqual(conn.unread, []);
  assert.equal(client.state, ClientState.Connected);
  await cleanup();
});

test('heartbeat - true uses 10 s / 5 s: a silent peer is dead 15 s after its last line', async () => {
  const { conn, client, clock, cleanup } = await connectedClient({ heartbeat: true, autoReconnect: false });
  await clock.advance(10_000);
  await conn.expectLine('?watchdog[1]');
  await clock.advance(4_999);
  assert.equal(client.state, ClientState.Connected);
  await clock.advance(1);
  await client.waitClosed();
  assert.ok(client.lastError instanceof PeerTimeoutError);
  assert.equal(clock.pending, 0);
  await cleanup();
});

test('heartbeat - bad settings are typed errors naming the key', () => {
  const opts = { logger: captureLogger(), autoReconnect: false };
  assert.throws(() => new Client('127.0.0.1', 1, { ...opts, heartbeat: { interval: 0, timeout: 1 } }), (e: unknown) => e instanceof KatcpRangeError && e.key === 'interval');
  assert.throws(() => new Client('127.0.0.1', 1, { ...opts, heartbeat: { interval: 10, timeout: -1 } }), (e: unknown) => e instanceof KatcpRangeError && e.key === 'timeout');
  assert.throws(() => new Client('127.0.0.1', 1, { ...opts, heartbeat: { interval: 10, timout: 1 } as never }), /unknown option 'timout' \(did you mean 'timeout'\?\)/);
  assert.throws(() => new Client('127.0.0.1', 1, { ...opts, heartbeat: 'yes' as never }), KatcpTypeError);
  assert.throws(() => new Client('127.0.0.1', 1, { ...opts, keepAlive: -1 }), KatcpRangeError);
});
