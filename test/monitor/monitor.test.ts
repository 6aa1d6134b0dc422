import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { KatcpError, KatcpRangeError, KatcpTypeError } from '../../lib/errors.js';
import { startMonitor } from '../../lib/monitor/monitor.js';
import type { Monitor } from '../../lib/monitor/monitor.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { EventReader, eventually, sensorOf, startDemo, startWatching } from './fixture.js';

/** The page's token, read from its meta tag as the page itself does. */
async function pageToken(monitor: Monitor): Promise<string> {
  const html = await (await fetch(monitor.url)).text();
  return /<meta name="katcp-token" content="([^"]*)">/.exec(html)?.[1] ?? '';
}

function post(monitor: Monitor, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${monitor.url}api/request`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('katcp monitor server', () => {
  let server: DeviceServer;
  before(async () => {
    server = await startDemo();
  });
  after(async () => {
    await server.stop();
  });

  describe('read-only (the default)', () => {
    let monitor: Monitor;
    before(async () => {
      monitor = await startWatching(server);
    });
    after(async () => {
      await monitor.close();
    });

    it('binds 127.0.0.1 and says what it exposes, requests included', () => {
      assert.equal(monitor.address.host, '127.0.0.1');
      const lines = monitor.describe();
      assert.match(lines[0]!, /^katcp monitor: watching demo \(127\.0\.0\.1:\d+\)$/);
      assert.ok(lines.includes(`live page: ${monitor.url}`));
      assert.ok(lines.includes(`Prometheus metrics: ${monitor.url}metrics`));
      assert.ok(lines.some((l) => /requests from the page: disabled/.test(l)));
    });

    it('/healthz answers with the device states', async () => {
      const res = await fetch(`${monitor.url}healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ok', devices: { demo: 'synced' }, sensors: server.sensors.size });
    });

    it('serves the page and its assets from the package, with no token in it', async () => {
      const res = await fetch(monitor.url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      const html = await res.text();
      assert.match(html, /<meta name="katcp-allow-requests" content="false">/);
      assert.equal(await pageToken(monitor), '');
      for (const asset of ['app.js', 'store.js', 'table.js', 'style.css', 'favicon.svg']) assert.equal((await fetch(`${monitor.url}${asset}`)).status, 200, asset);
      assert.equal((await fetch(`${monitor.url}../package.json`)).status, 404);
      assert.equal((await fetch(`${monitor.url}nothing.js`)).status, 404);
    });

    it('refuses page routes under a foreign host name (DNS rebinding), but not /metrics', async () => {
      const { request } = await import('node:http');
      const get = (path: string, host: string): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: monitor.address.port, path, headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      assert.equal(await get('/', 'evil.example:8080'), 403);
      assert.equal(await get('/events', 'evil.example'), 403);
      assert.equal(await get('/', `localhost:${monitor.address.port}`), 200);
      assert.equal(await get('/app.js', '[::1]'), 200);
      assert.equal(await get('/metrics', 'evil.example'), 200);
    });

    it('the request endpoint answers 403 whatever the caller sends', async () => {
      const res = await post(monitor, { device: 'demo', request: 'add', args: ['1', '2'] }, { origin: monitor.url.slice(0, -1) });
      assert.equal(res.status, 403);
      assert.match(((await res.json()) as { error: string }).error, /--allow-requests/);
      assert.equal((await fetch(`${monitor.url}api/request`)).status, 405);
    });

    it('the event stream starts with a snapshot and then sends readings as the device changes them', async () => {
      const res = await fetch(`${monitor.url}events`);
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const events = new EventReader(res);
      try {
        const [, snapshot] = (await events.next((e) => e === 'snapshot')) as [string, { devices: { name: string; state: string }[]; sensors: { id: number; name: string; value: unknown; status: string }[] }];
        assert.deepEqual(snapshot.devices.map((d) => [d.name, d.state]), [['demo', 'synced']]);
        const integer = snapshot.sensors.find((s) => s.name === 'type.integer')!;
        assert.deepEqual([integer.value, integer.status], [42, 'nominal']);
        assert.equal(snapshot.sensors.length, server.sensors.size);
        sensorOf(server, 'type.integer').setValue(43, { status: 'warn' });
        const [, rows] = (await events.next((e, d) => e === 'update' && (d as unknown[][]).some((r) => r[0] === integer.id))) as [string, [number, unknown, string, number][]];
        const row = rows.find((r) => r[0] === integer.id)!;
        assert.deepEqual([row[1], row[2]], [43, 'warn']);
      } finally {
        await events.cancel();
      }
    });

    it('a device restart shows disconnected (statuses unreachable) then synced again, with one reconnect', async () => {
      const port = server.address.port;
      const device = monitor.model.device('demo')!;
      await server.stop();
      await eventually(() => device.state === 'disconnected', 'disconnected');
      const metrics = await (await fetch(`${monitor.url}metrics`)).text();
      assert.match(metrics, /^katcp_device_connected\{device="demo"\} 0$/m);
      assert.match(metrics, /^katcp_sensor_status\{device="demo",sensor="type.integer",status="unreachable"\} 5$/m);
      server = await startDemo({ port });
      await eventually(() => device.state === 'synced', 'synced again');
      assert.equal(device.reconnects, 1);
      await eventually(() => device.resource.sensor.type_integer!.value === 42, 'readings again');
      assert.match(await (await fetch(`${monitor.url}metrics`)).text(), /^katcp_device_reconnects_total\{device="demo"\} 1$/m);
    });
  });

  describe('with allowRequests', () => {
    let monitor: Monitor;
    before(async () => {
      monitor = await startWatching(server, { allowRequests: true });
    });
    after(async () => {
      await monitor.close();
    });

    it('sends a request from the page origin with the page token and returns the reply', async () => {
      const token = await pageToken(monitor);
      assert.ok(token.length >= 20);
      const res = await post(monitor, { device: 'demo', request: 'add', args: ['3', '4'] }, { origin: monitor.url.slice(0, -1), 'x-katcp-token': token });
      assert.equal(res.status, 200);
      const answer = (await res.json()) as { succeeded: boolean; reply: string; informs: string[]; text: string };
      assert.equal(answer.succeeded, true);
      assert.match(answer.reply, /^!add\[\d+\] ok 7\.0$/);
      assert.equal(answer.text, '!add ok 7.0');
      const failed = await post(monitor, { device: 'demo', request: 'fail', args: ['no luck'] }, { origin: monitor.url.slice(0, -1), 'x-katcp-token': token });
      assert.deepEqual(await failed.json().then((a) => [(a as typeof answer).succeeded, (a as typeof answer).text]), [false, '!fail fail no luck']);
    });

    it('refuses other origins, a missing or wrong token, bad bodies, unknown devices and requests', async () => {
      const token = await pageToken(monitor);
      const origin = monitor.url.slice(0, -1);
      const call = { device: 'demo', request: 'add', args: ['1', '2'] };
      const cases: [unknown, Record<string, string>, number, RegExp][] = [
        [call, { origin: 'http://evil.example', 'x-katcp-token': token }, 403, /only accepted from the monitor page/],
        [call, { 'x-katcp-token': token }, 403, /only accepted from the monitor page/],
        [call, { origin }, 403, /token/],
        [call, { origin, 'x-katcp-token': 'guess' }, 403, /token/],
        ['not an object', { origin, 'x-katcp-token': token }, 400, /JSON object/],
        [{ device: 'demo', request: 'add', args: [1, 2] }, { origin, 'x-katcp-token': token }, 400, /array of at most 256 strings/],
        [{ ...call, device: 'other' }, { origin, 'x-katcp-token': token }, 404, /no device "other"/],
        [{ ...call, request: 'nope' }, { origin, 'x-katcp-token': token }, 404, /no request "nope"/],
      ];
      for (const [body, headers, status, error] of cases) {
        const res = await post(monitor, body, headers);
        assert.equal(res.status, status, JSON.stringify([body, headers]));
        assert.match(((await res.json()) as { error: string }).error, error);
      }
      const text = await fetch(`${monitor.url}api/request`, { method: 'POST', headers: { origin, 'x-katcp-token': token, 'content-type': 'text/plain' }, body: '{}' });
      assert.equal(text.status, 415);
    });
  });

  describe('--no-ui', () => {
    it('serves only /metrics and /healthz', async () => {
      const monitor = await startMonitor({ devices: [`demo=127.0.0.1:${server.address.port}`], port: 0, ui: false });
      try {
        assert.ok(!monitor.describe().some((l) => l.startsWith('live page')));
        for (const path of ['', 'events', 'app.js', 'api/request']) assert.equal((await fetch(`${monitor.url}${path}`)).status, 404, path);
        assert.equal((await fetch(`${monitor.url}metrics`)).status, 200);
        assert.equal((await fetch(`${monitor.url}healthz`)).status, 200);
      } finally {
        await monitor.close();
      }
    });
  });

  describe('options', () => {
    it('rejects unknown options, bad durations, bad devices and duplicate names with typed errors', async () => {
      const devices = ['127.0.0.1:7147'];
      await assert.rejects(startMonitor({ devices, portt: 1 } as never), (e) => e instanceof KatcpTypeError && /unknown option 'portt' \(did you mean 'port'\?\)/.test(e.message));
      await assert.rejects(startMonitor({ devices, flushInterval: -1 }), KatcpRangeError);
      await assert.rejects(startMonitor({ devices: [] }), /non-empty array/);
      await assert.rejects(startMonitor({ devices: ['nowhere'] }), (e) => e instanceof KatcpTypeError && /"nowhere"/.test(e.message));
      await assert.rejects(startMonitor({ devices: ['=127.0.0.1:1'] }), /empty name/);
      await assert.rejects(startMonitor({ devices: ['a=127.0.0.1:1', 'a=127.0.0.1:2'] }), /given twice/);
      await assert.rejects(startMonitor({ devices, port: 70000 }), /port must be an integer/);
    });

    it('says so when it cannot listen', async () => {
      const taken = createServer();
      taken.listen(0, '127.0.0.1');
      await once(taken, 'listening');
      const port = (taken.address() as { port: number }).port;
      try {
        await assert.rejects(startMonitor({ devices: ['127.0.0.1:7147'], port }), (e) => e instanceof KatcpError && /EADDRINUSE/.test(e.message) && (e.cause as { code?: string }).code === 'EADDRINUSE');
      } finally {
        taken.close();
      }
    });
  });
});
