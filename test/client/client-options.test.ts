import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Client } from '../../lib/client/client.js';
import { Message } from '../../lib/codec/message.js';
import { KatcpRangeError, KatcpTimeoutError, KatcpTypeError } from '../../lib/errors.js';
import { captureLogger, connectedClient } from './fixtures.js';
import { refusedPort } from '../helpers/ports.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { tick, until } from '../helpers/wait.js';

test('options - request: unknown keys, negative/NaN/non-number timeouts are typed errors naming the key and the accepted ones', async () => {
  const { conn, client, cleanup } = await connectedClient();
  await assert.rejects(
    client.request('add', 1, 2, { timout: 10 }),
    (e: unknown) => e instanceof KatcpTypeError && e.message === "?add: unknown option 'timout' (did you mean 'timeout'?); accepted: timeout, signal, onInform",
  );
  await assert.rejects(client.request('echo', { x: 1 }), /\?echo: unknown option 'x'; accepted: timeout, signal, onInform/);
  await assert.rejects(client.request('x', { timeout: -5 }), (e: unknown) => e instanceof KatcpRangeError && e.key === 'timeout' && /got -5/.test(e.message));
  await assert.rejects(client.request('x', { timeout: NaN }), KatcpRangeError);
  await assert.rejects(client.request('x', { timeout: '5' }), KatcpTypeError);
  await assert.rejects(client.requestRaw('x', { signal: 'no' }), KatcpTypeError);
  assert.throws(() => client.callbackRequest(Message.request('x'), { onReplay: () => undefined } as never), /unknown option 'onReplay' \(did you mean 'onReply'\?\)/);
  await assert.rejects(client.waitConnected({ timeout: -1 }), KatcpRangeError);
  assert.throws(() => client.informs('log', { highWaterMrk: 3 } as never), /unknown option 'highWaterMrk'/);
  await assert.rejects(client.sensorValue('s', { tpye: 'float' } as never), /unknown option 'tpye'/);
  // Nothing was sent for any of them.
  await tick();
  assert.deepEqual(conn.unread, []);
  await cleanup();
});

test('options - Client constructor and Client.connect check their options the same way', async () => {
  const logger = captureLogger();
  assert.throws(() => new Client('127.0.0.1', 1, { requestTimout: 10, logger } as never), (e: unknown) => e instanceof KatcpTypeError && /unknown option 'requestTimout' \(did you mean 'requestTimeout'\?\)/.test(e.message));
  assert.throws(() => new Client('127.0.0.1', 1, { connectTimeout: -1, logger }), (e: unknown) => e instanceof KatcpRangeError && e.key === 'connectTimeout');
  assert.throws(() => new Client('127.0.0.1', 1, { reconnect: 5 as never, logger }), KatcpTypeError);
  await assert.rejects(Client.connect('127.0.0.1', 1, { timeout: -5, logger }), (e: unknown) => e instanceof KatcpRangeError && e.key === 'timeout');
  await assert.rejects(Client.connect('127.0.0.1', 1, { timout: 5, logger } as never), /Client\.connect: unknown option 'timout'/);
});

test('options - Client.connect timing out against a refused port has the last connection error as cause; retries warn once per reason', async () => {
  const port = await refusedPort();
  const clock = new VirtualClock();
  const logger = captureLogger();
  let failures = 0;
  const p = Client.connect('127.0.0.1', port, { clock, logger, timeout: 3000, reconnect: () => 100 });
  const rejected = assert.rejects(
    p,
    (e: unknown) =>
      e instanceof KatcpTimeoutError &&
      (e.cause as NodeJS.ErrnoException).code === 'ECONNREFUSED' &&
      /timed out after 3000 ms; last error: .*ECONNREFUSED/.test(e.message),
  );
  for (let t = 0; t < 3000; t += 100) {
    await until(() => logger.lines.filter((l) => l.includes('failed to connect')).length > failures, 'a failed attempt');
    failures = logger.lines.filter((l) => l.includes('failed to connect')).length;
    await clock.advance(100);
  }
  await rejected;
  const failed = logger.lines.filter((l) => l.includes('failed to connect'));
  assert.ok(failed.length >= 5, `${failed.length} attempts`);
  assert.equal(failed.filter((l) => l.startsWith('warn ')).length, 1, 'one warning for one reason');
  assert.ok(failed.slice(1).every((l) => l.startsWith('debug ')));
  assert.equal(clock.pending, 0);
});

test('options - failed attempts warn again whenever the reason changes', async () => {
  const port = await refusedPort();
  const clock = new VirtualClock();
  const logger = captureLogger();
  const client = new Client('127.0.0.1', port, { clock, logger, reconnect: () => 100 });
  const attempts = (): string[] => logger.lines.filter((l) => l.includes('failed to connect'));
  // One more failed attempt: wake the client from its 100 ms sleep and wait for the failure.
  const nextAttempt = async (): Promise<void> => {
    const n = attempts().length;
    await clock.advance(100);
    await until(() => attempts().length > n, 'a failed attempt');
  };
  await until(() => attempts().length === 1, 'the first failed attempt');
  await nextAttempt();
  // Now something listens but closes every connection at once: a new reason.
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  await nextAttempt();
  await nextAttempt();
  await new Promise<void>((r) => server.close(() => r()));
  await nextAttempt();
  await client.close();
  assert.deepEqual(
    attempts().map((l) => l.split(' ')[0]),
    ['warn', 'debug', 'warn', 'debug', 'warn'],
  );
  assert.equal(clock.pending, 0);
});
