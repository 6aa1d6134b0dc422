/**
 * `server.stats`: messages and bytes in both directions, connections, requests in flight,
 * request latency and receive rate, in total and per client, on a virtual clock.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../../lib/util/clock.js';
import { VirtualClock, flushMicrotasks } from '../helpers/virtual-clock.js';
import { until } from '../helpers/wait.js';
import { startServer } from './fixture.js';
import type { DeviceServer } from '../../lib/server/device-server.js';

const bytes = (lines: readonly string[]): number => lines.reduce((n, l) => n + Buffer.byteLength(l, 'latin1') + 1, 0);


/** Adds `?wait ms`, which waits `ms` on `clock`. */
function addWait(server: DeviceServer, clock: VirtualClock): void {
  server.addRequest({
    name: 'wait',
    description: 'Wait ms on the clock.',
    params: [{ type: 'integer', name: 'ms' }],
    handler: async (ctx, ms) => {
      await sleep(clock, Number(ms), ctx.signal);
    },
  });
}

describe('server traffic statistics', () => {
  it('stats - counts every message and byte both ways, in total and per client, and connections made', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock });
    assert.deepEqual(
      { ...f.server.stats, latency: undefined },
      { messagesReceived: 0, bytesReceived: 0, messagesSent: 0, bytesSent: 0, receiveRate: 0, latency: undefined, connections: 0, requestsInFlight: 0, clients: [] },
    );
    const a = await f.connect({ greeting: false });
    const banner = await a.expectLines([/^#version-connect /, /^#version-connect /, /^#version-connect /]);
    const replies = await a.request('?watchdog', ['!watchdog ok']);
    // A line that does not parse is a message received too (answered by #log error).
    a.send('?bad\\x');
    const log = [await a.expect(/^#log error /)];
    await until(() => f.server.stats.messagesReceived === 2, 'the count');
    const s = f.server.stats;
    assert.equal(s.messagesReceived, 2);
    assert.equal(s.bytesReceived, '?watchdog\n?bad\\x\n'.length);
    assert.equal(s.messagesSent, 5);
    assert.equal(s.bytesSent, bytes([...banner, ...replies, ...log]));
    assert.equal(s.connections, 1);
    assert.equal(s.clients.length, 1);
    const own = s.clients[0]!;
    assert.equal(own.address, a.localAddress);
    assert.equal(own.messagesSent, 5);
    assert.equal(own.bytesReceived, s.bytesReceived);

    const b = await f.connect();
    await b.request('?watchdog', ['!watchdog ok']);
    await a.expect(/^#client-connected /);
    await until(() => f.server.stats.messagesReceived === 3, 'the second client');
    assert.equal(f.server.stats.connections, 2);
    b.destroy();
    await until(() => f.server.stats.clients.length === 1, 'the disconnect');
    const after = f.server.stats;
    assert.equal(after.connections, 2, 'connections made, not connected');
    assert.equal(after.messagesReceived, 3, 'the totals keep what gone clients did');
    assert.equal(after.clients[0]!.messagesReceived, 2);
  });

  it('stats - request latency (median, p99) and requests in flight', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock }, (server) => addWait(server, clock));
    const c = await f.connect();
    for (const ms of [10, 20, 30]) {
      c.send(`?wait ${ms}`);
      await until(() => f.server.stats.requestsInFlight === 1, 'the request in flight');
      assert.equal(f.server.stats.clients[0]!.requestsInFlight, 1);
      await clock.advance(ms);
      await c.expect('!wait ok');
      await flushMicrotasks();
    }
    assert.equal(f.server.stats.requestsInFlight, 0);
    const { latency } = f.server.stats;
    assert.equal(latency.count, 3);
    assert.equal(latency.median, 20);
    assert.equal(latency.p99, 30);
    assert.deepEqual(f.server.stats.clients[0]!.latency, latency);
  });

  it('stats - receive rate in messages/s over the recent window', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock });
    const c = await f.connect();
    for (let i = 0; i < 20; i++) c.send('?watchdog');
    for (let i = 0; i < 20; i++) await c.expect('!watchdog ok');
    await clock.advance(1000);
    assert.equal(f.server.stats.receiveRate, 20);
    await clock.advance(20_000);
    assert.equal(f.server.stats.receiveRate, 0, 'old traffic leaves the window');
  });

  it('stats - a message held back by a pause counts at its delivery, not at its arrival', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock, maxPending: 1 }, (server) => addWait(server, clock));
    const c = await f.connect();
    c.send('?wait 9500\n?watchdog');
    await until(() => f.server.stats.requestsInFlight === 1, 'the request in flight');
    await flushMicrotasks();
    assert.equal(f.server.stats.messagesReceived, 1, 'the second message waits for the resume');
    await clock.advance(9500);
    await c.expect('!wait ok');
    await c.expect('!watchdog ok');
    assert.equal(f.server.stats.messagesReceived, 2);
    // At 10.5 s the first second has left the window; the message delivered at 9.5 s has not.
    await clock.advance(1000);
    assert.ok(f.server.stats.receiveRate > 0);
    assert.ok(f.server.stats.clients[0]!.receiveRate > 0);
  });
});
