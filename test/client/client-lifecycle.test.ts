import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../lib/client/client.js';
import { exponentialBackoff } from '../../lib/client/backoff.js';
import { ClientState } from '../../lib/client/state.js';
import { ConnectionClosedError, KatcpTimeoutError, NotConnectedError } from '../../lib/errors.js';
import { captureLogger, connectedClient } from './fixtures.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { refusedPort } from '../helpers/ports.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { tick, until } from '../helpers/wait.js';

test('lifecycle - reconnect waits follow the backoff and reset after a successful connection', async () => {
  const { peer, conn, client, clock, cleanup } = await connectedClient({ reconnect: exponentialBackoff({ random: () => 0 }) });
  conn.drop();
  await until(() => client.state === ClientState.Sleeping, 'sleeping');
  assert.equal(clock.pending, 1, 'only the backoff timer');
  await clock.advance(499);
  assert.equal(client.state, ClientState.Sleeping);
  await clock.advance(1);
  assert.notEqual(client.state, ClientState.Sleeping);
  const conn2 = await peer.accept();
  conn2.sendBanner();
  await client.waitConnected();
  // The backoff was reset by the successful connection: the first wait is 500 ms again.
  conn2.end();
  await until(() => client.state === ClientState.Sleeping, 'sleeping again');
  await clock.advance(499);
  assert.equal(client.state, ClientState.Sleeping);
  await clock.advance(1);
  assert.notEqual(client.state, ClientState.Sleeping);
  (await peer.accept()).sendBanner();
  await client.waitConnected();
  await cleanup();
});

test('lifecycle - consecutive failed attempts double the wait (0.5, 1, 2, 4 s with random 0)', async () => {
  const port = await refusedPort();
  const clock = new VirtualClock();
  const failures: Error[] = [];
  const client = new Client('127.0.0.1', port, { clock, logger: captureLogger(), reconnect: exponentialBackoff({ random: () => 0 }) });
  client.on('connectFailed', (e) => failures.push(e));
  const sleptAt: number[] = [];
  const waits: number[] = [];
  client.on('stateChange', (state) => {
    if (state === ClientState.Sleeping) sleptAt.push(clock.monotonic());
    else if (state === ClientState.Connecting) waits.push(clock.monotonic() - sleptAt[sleptAt.length - 1]!);
  });
  while (waits.length < 4) {
    await until(() => client.state === ClientState.Sleeping, 'sleeping');
    await clock.advance(50);
  }
  assert.deepEqual(waits.slice(0, 4), [500, 1000, 2000, 4000]);
  await until(() => failures.length >= 5, 'five failures');
  assert.ok(failures.every((e) => (e as NodeJS.ErrnoException).code === 'ECONNREFUSED'));
  await client.close();
  assert.equal(clock.pending, 0);
});

test('lifecycle - a custom policy gets attempt numbers and causes; returning false closes the client', async () => {
  const port = await refusedPort();
  const clock = new VirtualClock();
  const calls: [number, string][] = [];
  const client = new Client('127.0.0.1', port, {
    clock,
    logger: captureLogger(),
    reconnect: (attempt, cause) => {
      calls.push([attempt, (cause as NodeJS.ErrnoException).code ?? '']);
      return attempt < 3 ? 10 : false;
    },
  });
  const closed = client.waitClosed();
  for (;;) {
    if (client.state === ClientState.Closed) break;
    await clock.advance(10);
    await tick();
  }
  await closed;
  assert.deepEqual(calls, [
    [1, 'ECONNREFUSED'],
    [2, 'ECONNREFUSED'],
    [3, 'ECONNREFUSED'],
  ]);
  await assert.rejects(client.waitConnected(), (e: unknown) => e instanceof ConnectionClosedError && (e.cause as NodeJS.ErrnoException).code === 'ECONNREFUSED');
  assert.equal(clock.pending, 0);
});

test('lifecycle - autoReconnect false: a refused connection rejects Client.connect and closes', async () => {
  const port = await refusedPort();
  const clock = new VirtualClock();
  await assert.rejects(Client.connect('127.0.0.1', port, { clock, autoReconnect: false, logger: captureLogger() }), ConnectionClosedError);
  assert.equal(clock.pending, 0);
});

test('lifecycle - autoReconnect false: a lost connection closes the client', async () => {
  const { conn, client, clock, cleanup } = await connectedClient({ autoReconnect: false });
  conn.end();
  await client.waitClosed();
  assert.equal(client.state, ClientState.Closed);
  await assert.rejects(client.waitConnected(), ConnectionClosedError);
  assert.equal(clock.pending, 0);
  await cleanup();
});

test('lifecycle - Client.connect with a timeout gives up, closes the client and leaves no timer', async () => {
  const port = await refusedPort();
  const clock = new VirtualClock();
  const p = Client.connect('127.0.0.1', port, { clock, logger: captureLogger(), timeout: 3000 });
  const rejected = assert.rejects(p, KatcpTimeoutError);
  for (let t = 0; t < 3000; t += 100) {
    await tick();
    await clock.advance(100);
  }
  await rejected;
  assert.equal(clock.pending, 0);
});

test('lifecycle - close() while connected: the peer sees the socket close, nothing is left, later calls fail typed', async () => {
  const { conn, client, clock, cleanup } = await connectedClient();
  const pending = client.request('slow');
  await conn.expectLine('?slow[1]');
  const failed = assert.rejects(pending, (e: unknown) => e instanceof ConnectionClosedError && /client closed/.test(e.message));
  await client.close();
  await failed;
  await conn.closed;
  assert.equal(client.state, ClientState.Closed);
  assert.equal(clock.pending, 0);
  await assert.rejects(client.waitConnected(), ConnectionClosedError);
  // After close() every new request fails at once with ConnectionClosedError (not NotConnectedError).
  await assert.rejects(client.request('x'), (e: unknown) => e instanceof ConnectionClosedError && !(e instanceof NotConnectedError));
  await client.close();
  await cleanup();
});

test('lifecycle - close() while sleeping clears the backoff timer', async () => {
  const { conn, client, clock, cleanup } = await connectedClient();
  conn.drop();
  await until(() => client.state === ClientState.Sleeping, 'sleeping');
  assert.equal(clock.pending, 1);
  const waiting = client.waitConnected();
  await client.close();
  await assert.rejects(waiting, ConnectionClosedError);
  assert.equal(clock.pending, 0);
  await cleanup();
});

test('lifecycle - close() while connecting or negotiating leaves no socket or timer', async () => {
  const peer = await FakePeer.start();
  const clock = new VirtualClock();
  const c1 = new Client(peer.host, peer.port, { clock, logger: captureLogger() });
  assert.equal(c1.state, ClientState.Connecting);
  await c1.close();
  assert.equal(clock.pending, 0);

  const c2 = new Client(peer.host, peer.port, { clock, logger: captureLogger() });
  await until(() => c2.state === ClientState.Negotiating, 'negotiating');
  assert.equal(clock.pending, 1, 'the banner timer');
  await c2.close();
  assert.equal(clock.pending, 0);
  for (const c of peer.connections) await c.closed;
  await peer.close();
});

test('lifecycle - close() waits for a slow peer only up to closeTimeout', async () => {
  const { conn, client, clock, cleanup } = await connectedClient({ closeTimeout: 2000 });
  // The peer stops reading: our FIN is still delivered, so the close completes on its own;
  // either way close() must resolve and leave nothing behind.
  conn.socket.pause();
  const closing = client.close();
  await clock.advance(2000);
  await closing;
  assert.equal(clock.pending, 0);
  await cleanup();
});

test('lifecycle - events arrive in order even when a listener closes the client', async () => {
  const { conn, client, cleanup } = await connectedClient({ reconnect: () => 1000 });
  const seen: string[] = [];
  client.on('stateChange', (s, prev) => seen.push(`${prev}->${s}`));
  client.on('disconnected', () => {
    seen.push('disconnected');
    void client.close();
  });
  conn.drop();
  await client.waitClosed();
  assert.deepEqual(seen, ['connected->sleeping', 'disconnected', 'sleeping->closed']);
  await cleanup();
});

test('lifecycle - a throwing listener is logged and does not break the client', async () => {
  const { conn, client, logger, cleanup } = await connectedClient();
  client.on('inform', () => {
    throw new Error('listener bug');
  });
  conn.send('#anything');
  const p = client.request('ok');
  await conn.expectLine('?ok[1]');
  conn.send('!ok[1] ok');
  await p;
  assert.ok(logger.lines.some((l) => l.startsWith("error a 'inform' listener threw")));
  await cleanup();
});

test('lifecycle - invalid constructor arguments are refused', () => {
  assert.throws(() => new Client('127.0.0.1', 70000), RangeError);
  assert.throws(() => new Client('127.0.0.1', 1, { presetFlags: 'x.y' }), RangeError);
  assert.throws(() => new Client('127.0.0.1', 1, { presetFlags: '6.0' }), RangeError);
});

test('lifecycle - a RetryPolicy object as reconnect gets failure numbers and is reset after every successful connection', async () => {
  const calls: string[] = [];
  const policy = {
    nextDelay: (attempt: number, cause: Error): number => {
      calls.push(`${attempt}:${cause instanceof Error}`);
      return 100;
    },
    reset: (): void => void calls.push('reset'),
  };
  const { peer, conn, client, clock, cleanup } = await connectedClient({ reconnect: policy });
  assert.deepEqual(calls, ['reset']);
  conn.drop();
  await until(() => client.state === ClientState.Sleeping, 'sleeping');
  await until(() => clock.pending === 1, 'the reconnect wait');
  await clock.advance(100);
  // This connection is lost before the banner: a second failure of the same run.
  (await peer.accept()).drop();
  await until(() => calls.length === 3, 'the second failure');
  await clock.advance(100);
  (await peer.accept()).sendBanner();
  await client.waitConnected();
  assert.deepEqual(calls, ['reset', '1:true', '2:true', 'reset']);
  await cleanup();
});
