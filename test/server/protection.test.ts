import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sensor } from '../../lib/sensor/sensor.js';
import { deferred } from '../../lib/util/deferred.js';
import type { Deferred } from '../../lib/util/deferred.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { tick, until } from '../helpers/wait.js';
import { startServer } from './fixture.js';

describe('slow clients', () => {
  it('backlog - a client that stops reading its sensor updates is disconnected; others carry on', async (t) => {
    const big = Sensor.bytes({ name: 'big', description: 'Big values' });
    const f = await startServer(t, { maxBacklog: 1024 * 1024 }, (server) => server.sensors.add(big));
    const slow = await f.connect();
    const fast = await f.connect();
    await slow.expect(/^#client-connected/);
    await slow.request('?sensor-sampling big auto', [/^#sensor-status /, '!sensor-sampling ok big auto']);
    await fast.request('?sensor-sampling big event', [/^#sensor-status /, '!sensor-sampling ok big event']);
    slow.socket.pause();
    let fastSeen = 0;
    fast.socket.on('data', () => fastSeen++);
    // The kernel buffers several MB on loopback before Node's own backlog grows.
    for (let i = 0; i < 100 && f.server.clientCount === 2; i++) {
      big.setValue(Buffer.alloc(1024 * 1024, 0x41 + (i % 26)));
      await tick();
    }
    assert.equal(f.server.clientCount, 1, 'the slow client was dropped');
    assert.match(f.console.warnings.join('\n'), /too slow/);
    await until(() => fastSeen > 0, 'the fast client to receive updates');
    fast.socket.removeAllListeners('data');
    slow.socket.resume();
    await slow.expectClose();
  });

  it('backlog - a big reply is never counted against the limit; a mass inform is', async (t) => {
    const f = await startServer(t, { maxBacklog: 32768 }, (server) => {
      for (let i = 0; i < 2000; i++) server.sensors.add(Sensor.float({ name: `s.${String(i).padStart(4, '0')}`, description: 'x'.repeat(50) }));
    });
    const c = await f.connect();
    c.send('?sensor-list');
    await c.waitFor('!sensor-list ok 2000');
    assert.equal(f.server.clientCount, 1);
  });
});

describe('maxPending', () => {
  it('pending - reading from a client pauses beyond maxPending and resumes as requests finish', async (t) => {
    const gates: Deferred<void>[] = [];
    let started = 0;
    const f = await startServer(t, { maxPending: 2 }, (server) => {
      server.addRequest({
        name: 'wait',
        description: 'Wait for the test.',
        handler: () => {
          started++;
          const g = deferred<void>();
          gates.push(g);
          return g.promise;
        },
      });
    });
    const c = await f.connect();
    const other = await f.connect();
    await c.expect(/^#client-connected/);
    c.send('?wait[1]');
    c.send('?wait[2]');
    c.send('?wait[3]');
    c.send('?watchdog[4]');
    await until(() => started === 2, 'two requests to start');
    // Another client is not held up by this one's pending requests.
    await other.request('?watchdog[9]', ['!watchdog[9] ok']);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(started, 2, 'the third request waits for a free slot');
    gates[0]!.resolve();
    await c.expect('!wait[1] ok');
    await until(() => started === 3, 'the third request to start');
    // wait[2] and wait[3] fill both slots again: the watchdog waits its turn.
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(c.lines, []);
    gates[1]!.resolve();
    await c.expectLines(['!wait[2] ok', '!watchdog[4] ok']);
    gates[2]!.resolve();
    await c.expect('!wait[3] ok');
  });
});

describe('line length', () => {
  it('limit - an overlong line is reported with #log error and the next line still works', async (t) => {
    const f = await startServer(t, { maxLineLength: 64 });
    const c = await f.connect();
    c.send(`?watchdog ${'x'.repeat(200)}`);
    await c.expect(/^#log error \S+ katcp\.connection /);
    await c.request('?watchdog[1]', ['!watchdog[1] ok']);
  });
});

describe('regex filters cannot hang the server', () => {
  it('regex - a catastrophic-backtracking pattern over long names answers promptly', async (t) => {
    const long = 'a'.repeat(20_000);
    const f = await startServer(t, {}, (server) => {
      for (let i = 0; i < 20; i++) server.sensors.add(Sensor.float({ name: `${long}${i}x` }));
      server.sensors.add(Sensor.float({ name: `b${long}` }));
    });
    const c = await f.connect();
    // A backtracking engine needs ~2^20000 steps for each name; RE2 is linear.
    await c.request('?sensor-list /(a+)+$/', [new RegExp(`^#sensor-list b${long} `), '!sensor-list ok 1']);
    await c.request('?sensor-value /^(a|aa)+\\\\d$/', ['!sensor-value ok 0']);
    await c.request('?sensor-list /(a*)*b$/', ['!sensor-list ok 0']);
  });

  it('regex - backreferences and lookarounds are refused with the engine message', async (t) => {
    const f = await startServer(t);
    const c = await f.connect();
    await c.request('?sensor-list /(a)\\\\1/', [/^!sensor-list fail /]);
    await c.request('?sensor-list /a(?=b)/', [/^!sensor-list fail /]);
  });
});

describe('disconnect cleanup', () => {
  it('cleanup - a disconnected client leaves no observers, timers or requests behind', async (t) => {
    const clock = new VirtualClock();
    const sensors = Array.from({ length: 10 }, (_, i) => Sensor.float({ name: `c.${i}`, clock }));
    const gate = deferred<void>();
    let aborted = false;
    const f = await startServer(t, { clock }, (server) => {
      for (const s of sensors) server.sensors.add(s);
      server.addRequest({
        name: 'hang',
        description: 'Hang until cancelled.',
        handler: async (ctx) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
          });
          await gate.promise;
        },
      });
    });
    const baseline = clock.pending;
    const c = await f.connect();
    await c.request('?sensor-sampling c.0,c.1,c.2,c.3,c.4 period 1', Array.from({ length: 5 }, () => /^#sensor-status/).concat([/^!sensor-sampling ok/]));
    await c.request('?sensor-sampling c.5,c.6,c.7 event-rate 1 10', Array.from({ length: 3 }, () => /^#sensor-status/).concat([/^!sensor-sampling ok/]));
    await c.request('?sensor-sampling c.8,c.9 auto', [/^#sensor-status/, /^#sensor-status/, /^!sensor-sampling ok/]);
    c.send('?hang');
    await until(() => sensors.every((s) => s.observerCount === 1), 'samplers to attach');
    assert.ok(clock.pending > baseline, 'period samplers hold timers');
    c.destroy();
    await until(() => f.server.clientCount === 0, 'the server to notice the disconnect');
    assert.deepEqual(sensors.map((s) => s.observerCount), Array(10).fill(0));
    assert.equal(clock.pending, baseline, 'every sampler timer was cancelled');
    assert.equal(aborted, true, 'the request in flight saw its signal abort');
    gate.resolve();
    for (const s of sensors) s.setValue(1);
    await tick();
  });

  it('cleanup - thousands of period subscriptions, re-subscribed and then dropped mid-bulk, leave nothing behind', async (t) => {
    const clock = new VirtualClock();
    const n = 3000;
    const sensors = Array.from({ length: n }, (_, i) => Sensor.float({ name: `p.${String(i).padStart(4, '0')}`, clock }));
    const f = await startServer(t, { clock }, (server) => {
      for (const s of sensors) server.sensors.add(s);
    });
    const baseline = clock.pending;
    const names = sensors.map((s) => s.name).join(',');
    const a = await f.connect();
    a.send(`?sensor-sampling[1] ${names} period 0.5`);
    await a.waitFor(/^!sensor-sampling\[1\] ok /);
    assert.equal(clock.pending, baseline + n, 'one timer per period sampler');
    // Replacing every strategy closes the old samplers.
    a.send(`?sensor-sampling[2] ${names} event-rate 0.1 2`);
    await a.waitFor(/^!sensor-sampling\[2\] ok /);
    assert.equal(clock.pending, baseline + n);
    assert.ok(sensors.every((s) => s.observerCount === 1));
    await clock.advance(2000);
    a.destroy();
    await until(() => f.server.clientCount === 0 && sensors.every((s) => s.observerCount === 0), 'the first client to be dropped');
    assert.equal(clock.pending, baseline);
    // A second client starts a bulk subscription of them all and vanishes in the middle of it.
    const b = await f.connect();
    b.send(`?sensor-sampling[3] ${names} period 1`);
    await until(() => sensors[0]!.observerCount > 0, 'the bulk subscription to start');
    b.destroy();
    await until(() => f.server.clientCount === 0, 'the server to drop the second client');
    // The interrupted request finishes its current batch and stops; give it a few turns.
    for (let i = 0; i < 20; i++) await tick();
    assert.equal(sensors.filter((s) => s.observerCount !== 0).length, 0, 'no observer left');
    assert.equal(clock.pending, baseline, 'no sampler timer left');
    await clock.advance(10_000);
    assert.equal(clock.pending, baseline);
  });

  it('cleanup - a partial line at EOF is dropped and the connection closes', async (t) => {
    const f = await startServer(t);
    const c = await f.connect();
    c.sendRaw('?watchdog');
    c.socket.end();
    assert.deepEqual(await c.expectClose(), []);
    await until(() => f.server.clientCount === 0, 'the server to drop the client');
  });
});
