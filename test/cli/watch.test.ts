import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDemoServer } from '../../lib/demo/demo-server.js';
import { runCli, Running, spawnCli, startDemo } from './cli-harness.js';

describe('katcp watch', () => {
  it('watch - streams NDJSON updates, survives a device restart (says so on stderr) and stops on SIGINT with 0', async () => {
    const first0 = await startDemo();
    let server = first0.server;
    const { port, addr } = first0;
    const w = new Running(spawnCli(['watch', addr, 'fast.counter', '--json', '--strategy', 'event-rate', '0.05', '1']));
    try {
      await w.waitFor('stderr', /subscribed to 1 sensors of 127\.0\.0\.1:\d+ \(event-rate\)/);
      await w.waitFor('stdout', /(?:.*\n){2}/);
      const first = JSON.parse(w.stdout.split('\n')[0] ?? '') as Record<string, unknown>;
      assert.equal(first.name, 'fast.counter');
      assert.equal(first.status, 'nominal');
      assert.equal(typeof first.value, 'number');
      await server.stop();
      await w.waitFor('stderr', /lost 127\.0\.0\.1:\d+.*; reconnecting/);
      ({ server } = await startDemo(port));
      await w.waitFor('stderr', /reconnected to 127\.0\.0\.1:\d+; resubscribing\n(?:.*\n)*.*resubscribed to 1 sensors/);
      const seen = w.stdout.length;
      await w.waitFor('stdout', new RegExp(`^[\\s\\S]{${seen}}.*fast\\.counter.*\\n`));
      w.child.kill('SIGINT');
      assert.equal(await w.exit(), 0);
    } finally {
      w.child.kill('SIGKILL');
      await server.stop();
    }
  });

  it('watch - readable lines with ISO timestamps and units, plain when not on a terminal', async () => {
    const { server, addr } = await startDemo();
    const w = new Running(spawnCli(['watch', addr, '/^type\\.float$/']));
    try {
      const m = await w.waitFor('stdout', /^(\d{4}-\d\d-\d\dT[\d:.]+Z) type\.float nominal 3\.25 V\n/);
      assert.ok(m);
      assert.ok(!w.stdout.includes('\u001b['), 'no escape sequences');
      w.child.kill('SIGTERM');
      assert.equal(await w.exit(), 0);
    } finally {
      w.child.kill('SIGKILL');
      await server.stop();
    }
  });
});

describe('katcp watch (closed pipe)', () => {
  it('watch - a reader that closes the pipe (katcp watch | head) ends it quietly with 0, not an unhandled EPIPE crash', async () => {
    const { server, addr } = await startDemo();
    const w = new Running(spawnCli(['watch', addr, 'fast.counter']));
    try {
      await w.waitFor('stdout', /fast\.counter nominal \d+\n/);
      w.child.stdout.destroy();
      assert.equal(await w.exit(), 0);
      assert.doesNotMatch(w.stderr, /EPIPE|Unhandled|at /);
    } finally {
      w.child.kill('SIGKILL');
      await server.stop();
    }
  });
});

describe('katcp watch (v4 device)', () => {
  it('watch - a strategy KATCP v4 does not have fails with 2 and says why, instead of watching silence', async () => {
    const server = createDemoServer({ host: '127.0.0.1', port: 0, protocol: '4.0-M', timeSync: false });
    await server.start();
    try {
      const r = await runCli(['watch', `127.0.0.1:${server.address.port}`, 'fast.counter', '--strategy', 'event-rate', '0.1', '1']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /speaks KATCP v4, which has no event-rate strategy/);
    } finally {
      await server.stop();
    }
  });
});
