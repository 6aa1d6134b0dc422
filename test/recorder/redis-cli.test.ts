/**
 * The recorder and `katcp monitor --telstate` against a real redis-server, end to end: readings
 * recorded into Redis are read back by another connection and by the monitor's history route.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SensorRecorder } from '../../lib/recorder/index.js';
import { KATCPClientResource } from '../../lib/resource/resource.js';
import { RedisBackend, TelescopeState } from '../../lib/telstate/index.js';
import { Running, spawnCli } from '../cli/cli-harness.js';
import { quietClient } from '../inspecting/fixtures.js';
import { sensorOf, startDemo } from '../monitor/fixture.js';
import { RedisServer, SKIP_REDIS, freePort } from '../telstate/redis-server.js';

describe('recorder into Redis, read back by katcp monitor --telstate', { skip: SKIP_REDIS }, () => {
  it('a recorder stores a demo sensor in Redis; the store and the monitor started with --telstate redis://... read the same samples back', async (t) => {
    const redis = await RedisServer.start({ port: await freePort() });
    const url = `redis://127.0.0.1:${redis.port!}/3`;
    const server = await startDemo();
    const resource = new KATCPClientResource({ name: 'demo', address: `127.0.0.1:${server.address.port}`, controlled: true, client: quietClient });
    const store = new TelescopeState(new RedisBackend(url));
    const recorder = new SensorRecorder(resource, store, { sensors: ['type.float'] });
    const errors: Error[] = [];
    recorder.on('error', (e) => errors.push(e));
    t.after(async () => {
      await recorder.stop();
      await resource.stop();
      await store.close();
      await server.stop();
      await redis.cleanup();
    });
    resource.start();
    await resource.untilSynced({ timeout: 20_000 });
    await recorder.start();
    const float = sensorOf(server, 'type.float');
    const now = Date.now() / 1000;
    for (const [i, v] of [1.5, 4, 2.5].entries()) float.setValue(v, { timestamp: now + i });
    await store.waitKey('demo_type_float', (_v, ts) => ts === now + 2, { timeout: 20_000 });
    await recorder.flush();
    assert.deepEqual(errors, []);

    // Read back through another Redis connection, as another process would.
    const reader = new TelescopeState(new RedisBackend(url));
    let samples: [number, number][];
    try {
      samples = (await reader.getRange('demo_type_float', { st: 0 })).map(([v, ts]) => [ts, Number(v)]);
    } finally {
      await reader.close();
    }
    assert.deepEqual(samples.slice(-3), [
      [now, 1.5],
      [now + 1, 4],
      [now + 2, 2.5],
    ]);

    const monitor = new Running(spawnCli(['monitor', `demo=127.0.0.1:${server.address.port}`, '--port', '0', '--telstate', url]));
    try {
      await monitor.waitFor('stdout', /^sparkline history from the telescope state at redis:\/\/127\.0\.0\.1:\d+\/3$/m);
      const page = (await monitor.waitFor('stdout', /^live page: (http:\S+)$/m))[1]!;
      assert.match(await (await fetch(page)).text(), /<meta name="katcp-history" content="true">/);
      const res = await fetch(`${page}api/history?device=demo&sensor=type.float&seconds=3600`);
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as { samples: [number, number][] }).samples, samples);
      monitor.child.kill('SIGTERM');
      assert.equal(await monitor.exit(), 0, monitor.stderr);
    } finally {
      monitor.child.kill('SIGKILL');
    }
  });
});
