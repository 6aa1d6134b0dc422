import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceServer } from '../../lib/server/device-server.js';
import { sleep } from '../../lib/util/clock.js';
import { KatcpError } from '../../lib/errors.js';
import { deferred } from '../../lib/util/deferred.js';
import { RawClient } from '../helpers/raw-client.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { RecordingConsole, startServer } from './fixture.js';

describe('server lifecycle', () => {
  it('server - greets each client with three #version-connect informs', async (t) => {
    const f = await startServer(t);
    const c = await f.connect({ greeting: false });
    await c.expectLines([
      '#version-connect katcp-protocol 5.1-MIBT',
      /^#version-connect katcp-library katcp-ts-\d+\.\d+ katcp-ts-\d+\.\d+\.\d+/,
      '#version-connect katcp-device test-1.0 test-1.0.1',
    ]);
  });

  it('server - tells the other clients #client-connected with the new address', async (t) => {
    const f = await startServer(t);
    const first = await f.connect();
    const second = await f.connect();
    await first.expect(`#client-connected ${second.localAddress}`);
    await second.request('?watchdog', ['!watchdog ok']);
    await first.request('?watchdog', ['!watchdog ok']);
  });

  it('server - binds an ephemeral port; start twice and address before start are errors', async (t) => {
    const server = new DeviceServer({ console: new RecordingConsole() });
    assert.throws(() => server.address, KatcpError);
    assert.equal(server.state, 'created');
    await server.start();
    t.after(() => server.stop());
    assert.equal(server.state, 'running');
    assert.equal(server.address.host, '127.0.0.1');
    assert.ok(server.address.port > 0);
    await assert.rejects(server.start(), KatcpError);
  });

  it('server - a port already in use makes start() reject', async (t) => {
    const f = await startServer(t);
    const other = new DeviceServer({ port: f.port, console: new RecordingConsole() });
    await assert.rejects(other.start(), /EADDRINUSE/);
    assert.equal(other.state, 'stopped');
    await other.join();
  });

  it('server - invalid options are refused with a clear error', () => {
    assert.throws(() => new DeviceServer({ port: 70000 }), /invalid port/);
    assert.throws(() => new DeviceServer({ maxPending: 0 }), /maxPending/);
    assert.throws(() => new DeviceServer({ maxBacklog: -1 }), /maxBacklog/);
    assert.throws(() => new DeviceServer({ maxLineLength: 1 }), /maxLineLength/);
    assert.throws(() => new DeviceServer({ maxLineLength: Number.NaN }), /maxLineLength/);
    assert.throws(() => new DeviceServer({ version: '' }), /version/);
    // Sent in #version-connect to every client: text that cannot be UTF-8 would fail each connection.
    assert.throws(() => new DeviceServer({ version: 'dev\ud800' }), (err: unknown) => err instanceof KatcpError && /version .*lone UTF-16 surrogate/.test(err.message));
    assert.throws(() => new DeviceServer({ buildState: '\udfff' }), (err: unknown) => err instanceof KatcpError && /buildState .*lone UTF-16 surrogate/.test(err.message));
    assert.throws(() => new DeviceServer({ logLevel: 'loud' as never }), /log level/);
    const server = new DeviceServer();
    assert.throws(() => {
      server.logLevel = 'loud' as never;
    }, /log level/);
  });

  it('server - halt() before start stops at once; join resolves', async () => {
    const server = new DeviceServer({ console: new RecordingConsole() });
    server.halt();
    await server.join();
    assert.equal(server.state, 'stopped');
  });

  it('server - halt() while start() is still binding stops the server once it listens', async () => {
    const server = new DeviceServer({ console: new RecordingConsole() });
    const started = server.start();
    server.halt();
    await started;
    await server.join();
    assert.equal(server.state, 'stopped');
    await assert.rejects(RawClient.connect(server.address.port), /ECONNREFUSED/);
  });

  it('server - a CR line end works and replies keep the mid', async (t) => {
    const f = await startServer(t);
    const c = await f.connect();
    c.sendRaw('?watchdog[2]\r');
    await c.expect('!watchdog[2] ok');
    await c.request('?watchdog[2147483647]', ['!watchdog[2147483647] ok']);
  });

  it('server - replies and informs from a client are ignored', async (t) => {
    const f = await startServer(t);
    const c = await f.connect();
    c.send('!watchdog ok');
    c.send('#someinform 1 2');
    await c.request('?watchdog[5]', ['!watchdog[5] ok']);
  });

  it('server - ?halt replies ok, cancels requests in flight, sends #disconnect and closes', async (t) => {
    let signal: AbortSignal | undefined;
    const f = await startServer(t, {}, (server) => {
      server.addRequest({
        name: 'slow-request',
        description: 'Wait until cancelled.',
        handler: (ctx) =>
          new Promise<void>((resolve) => {
            signal = ctx.signal;
            ctx.signal.addEventListener('abort', () => resolve());
          }),
      });
    });
    const c = await f.connect();
    c.send('?slow-request[9]');
    c.send('?halt[10]');
    assert.deepEqual(await c.expectClose(), ['!halt[10] ok', '!slow-request[9] fail request\\_cancelled', '#disconnect server\\_shutting\\_down']);
    await f.server.join();
    assert.equal(f.server.state, 'stopped');
    assert.equal(signal?.aborted, true);
  });

  it('server - stop() disconnects every client with #disconnect server shutting down', async (t) => {
    const f = await startServer(t);
    const a = await f.connect();
    const b = await f.connect();
    await a.expect(/^#client-connected /);
    await f.server.stop();
    assert.deepEqual(await a.expectClose(), ['#disconnect server\\_shutting\\_down']);
    assert.deepEqual(await b.expectClose(), ['#disconnect server\\_shutting\\_down']);
    await assert.rejects(RawClient.connect(f.port), /ECONNREFUSED/);
  });

  it('server - messages arriving while stopping get no reply', async (t) => {
    const gate = deferred<void>();
    const f = await startServer(t, {}, (server) => {
      server.addRequest({ name: 'wait', description: 'Wait for the test.', handler: () => gate.promise });
    });
    const c = await f.connect();
    c.send('?wait[1]');
    await new Promise((r) => setTimeout(r, 20));
    f.server.halt();
    c.send('?watchdog[2]');
    const lines = await c.expectClose();
    assert.deepEqual(lines, ['!wait[1] fail request\\_cancelled', '#disconnect server\\_shutting\\_down']);
    gate.resolve();
  });
});

describe('server service tasks', () => {
  it('server - a service task runs from start until stop, then sees its signal abort', async (t) => {
    const clock = new VirtualClock();
    let ticks = 0;
    let ended = false;
    const f = await startServer(t, { clock }, (server) => {
      server.addServiceTask(async (signal) => {
        try {
          for (;;) {
            await sleep(clock, 1000, signal);
            ticks++;
          }
        } catch {
          ended = true;
        }
      });
    });
    assert.equal(f.server.serviceTaskCount, 1);
    await clock.advance(3500);
    assert.equal(ticks, 3);
    await f.server.stop();
    assert.equal(ended, true);
    assert.equal(f.server.serviceTaskCount, 0);
    assert.throws(() => f.server.addServiceTask(async () => undefined), /stopped/);
  });

  it('server - a task that returns is forgotten; the server keeps running', async (t) => {
    const f = await startServer(t);
    f.server.addServiceTask(async () => undefined);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(f.server.serviceTaskCount, 0);
    assert.equal(f.server.state, 'running');
  });

  it('server - a failing service task stops the server and join() rejects with its error', async (t) => {
    const f = await startServer(t);
    const c = await f.connect();
    f.server.addServiceTask(async () => {
      throw new Error('boom');
    });
    await assert.rejects(f.server.join(), /boom/);
    assert.deepEqual(await c.expectClose(), ['#disconnect server\\_shutting\\_down']);
    assert.match(f.console.errors.join('\n'), /service task failed/);
    await assert.rejects(f.server.stop(), /boom/);
  });
});
