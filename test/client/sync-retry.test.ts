import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../lib/client/client.js';
import { SyncRetry } from '../../lib/client/sync-retry.js';
import { VirtualClock, flushMicrotasks } from '../helpers/virtual-clock.js';

function fakeClient(clock: VirtualClock): { client: Client; lines: string[] } {
  const lines: string[] = [];
  const logger = { warn: (m: string) => lines.push(m), error: () => undefined, info: () => undefined, debug: () => undefined };
  return { client: { clock, logger } as unknown as Client, lines };
}

test('SyncRetry: a failed attempt is retried after 500 ms, then 1000 ms, on the injected clock, and is logged', async () => {
  const clock = new VirtualClock();
  const { client, lines } = fakeClient(clock);
  const r = new SyncRetry(client, 'sensor sync');
  let calls = 0;
  const done = r.run(async () => {
    calls++;
    if (calls < 3) throw new Error(`busy ${calls}`);
  }, () => true);
  assert.equal(r.running, true);
  await flushMicrotasks();
  assert.equal(calls, 1);
  await clock.advance(499);
  assert.equal(calls, 1);
  await clock.advance(1);
  assert.equal(calls, 2);
  await clock.advance(1000);
  await done;
  assert.equal(calls, 3);
  assert.equal(r.running, false);
  assert.deepEqual(lines, ['sensor sync failed (retrying in 500 ms): busy 1', 'sensor sync failed (retrying in 1000 ms): busy 2']);
  assert.equal(clock.pending, 0);
});

test('SyncRetry: cutWait ends the wait between attempts at once, and keepTrying false gives up without rejecting', async () => {
  const clock = new VirtualClock();
  const { client } = fakeClient(clock);
  const r = new SyncRetry(client, 'x');
  let wanted = true;
  let calls = 0;
  const done = r.run(() => {
    calls++;
    return Promise.reject(new Error('no'));
  }, () => wanted);
  await flushMicrotasks();
  assert.equal(calls, 1);
  wanted = false;
  r.cutWait();
  await done;
  assert.equal(calls, 1);
  assert.equal(r.running, false);
  assert.equal(clock.pending, 0, 'no timer left behind');
});
