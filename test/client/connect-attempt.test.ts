import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { connectSocket } from '../../lib/client/connect-attempt.js';
import { KatcpTimeoutError } from '../../lib/errors.js';
import type { Clock, TimerHandle } from '../../lib/util/clock.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

/** A clock whose timers the test fires by hand, synchronously. */
function manualClock(): Clock & { fire(): void; pending: number } {
  const timers = new Set<{ fn: () => void }>();
  return {
    now: () => 0,
    monotonic: () => 0,
    setTimer(fn: () => void): TimerHandle {
      const t = { fn };
      timers.add(t);
      return t;
    },
    clearTimer(h: TimerHandle | undefined) {
      timers.delete(h as { fn: () => void });
    },
    fire() {
      for (const t of [...timers]) {
        timers.delete(t);
        t.fn();
      }
    },
    get pending() {
      return timers.size;
    },
  };
}

test('connect attempt - connects and hands over the socket, clearing its timer', async () => {
  const peer = await FakePeer.start();
  const clock = new VirtualClock();
  const socket = await new Promise<Socket>((resolve, reject) =>
    connectSocket(peer.host, peer.port, 1000, clock, (err, s) => (err ? reject(err) : resolve(s!))),
  );
  assert.equal(clock.pending, 0);
  socket.destroy();
  await peer.close();
});

test('connect attempt - times out with KatcpTimeoutError and destroys the socket', async () => {
  const peer = await FakePeer.start();
  const clock = manualClock();
  const results: (Error | undefined)[] = [];
  connectSocket(peer.host, peer.port, 1000, clock, (err) => results.push(err));
  assert.equal(clock.pending, 1);
  clock.fire();
  assert.equal(results.length, 1);
  assert.ok(results[0] instanceof KatcpTimeoutError);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(results.length, 1, 'no second outcome when the connect completes later');
  for (const c of peer.connections) await c.closed;
  await peer.close();
});

test('connect attempt - cancel before connecting: no callback, no timer', async () => {
  const peer = await FakePeer.start();
  const clock = manualClock();
  let called = 0;
  const attempt = connectSocket(peer.host, peer.port, 1000, clock, () => called++);
  attempt.cancel();
  attempt.cancel();
  assert.equal(clock.pending, 0);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(called, 0);
  for (const c of peer.connections) await c.closed;
  await peer.close();
});

test('connect attempt - an invalid port fails asynchronously', async () => {
  const clock = manualClock();
  const err = await new Promise<Error | undefined>((resolve) => connectSocket('127.0.0.1', -5, 1000, clock, resolve));
  assert.ok(err instanceof RangeError);
});
