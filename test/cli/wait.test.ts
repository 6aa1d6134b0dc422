import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../lib/client/client.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { Running, runCli, spawnCli, startDemo } from './cli-harness.js';

describe('katcp wait', () => {
  let server: DeviceServer;
  let addr: string;
  let port: number;

  before(async () => {
    ({ server, addr, port } = await startDemo());
  });
  after(async () => {
    await server.stop();
  });

  it('wait - exits 0 at once when the condition already holds, printing the reading', async () => {
    const r = await runCli(['wait', addr, 'type.discrete', '--value', 'observing']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d{4}-[\d-]+T[\d:.]+Z type\.discrete nominal observing\n$/);
  });

  it('wait - exits 0 once an update meets the condition', async () => {
    const w = new Running(spawnCli(['wait', addr, 'add.result', '--value', '42', '--timeout', '60']));
    const client = await Client.connect('127.0.0.1', port, { timeout: 10_000 });
    try {
      // Whenever the wait has subscribed, the next ?add gives it a 42 to see.
      let code: number | null = null;
      const exited = w.exit().then((c) => (code = c));
      while (code === null) {
        await client.request('add', 20, 22);
        await Promise.race([exited, new Promise((r) => setTimeout(r, 200))]);
      }
      assert.equal(code, 0, w.stderr);
      assert.match(w.stdout, / add\.result nominal 42\n$/);
    } finally {
      await client.close();
      w.child.kill();
    }
  });

  it('wait - a timeout exits 3 and names the last reading; an unknown sensor exits 2; a bad status 64', async () => {
    const t = await runCli(['wait', addr, 'type.integer', '--status', 'error', '--timeout', '0.3']);
    assert.equal(t.code, 3);
    assert.match(t.stderr, /type\.integer did not meet the condition within 0\.3 s; last reading: .* nominal 42/);
    const u = await runCli(['wait', addr, 'no.such.sensor', '--timeout', '5']);
    assert.equal(u.code, 2, u.stderr);
    assert.match(u.stderr, /^katcp wait: .*no\.such\.sensor/);
    assert.equal((await runCli(['wait', addr, 'type.integer', '--status', 'fine'])).code, 64);
  });
});
