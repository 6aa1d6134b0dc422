import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../lib/client/client.js';
import { deadPort, Running, runCli, spawnCli, startDemo } from './cli-harness.js';

async function until(cond: () => boolean, poke: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) {
    await poke();
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(cond(), 'condition not reached');
}

describe('katcp log', () => {
  it('log - sets the level, writes #log lines with timestamps to --output, reopens the file on SIGHUP', async () => {
    const { server, port, addr } = await startDemo();
    const dir = mkdtempSync(join(tmpdir(), 'katcp-log-'));
    const file = join(dir, 'device.log');
    const w = new Running(spawnCli(['log', addr, '--level', 'debug', '--output', file]));
    const client = await Client.connect('127.0.0.1', port, { timeout: 10_000 });
    try {
      await w.waitFor('stderr', /log level of 127\.0\.0\.1:\d+ set to debug/);
      await client.request('log-message', 'debug', 'first message');
      await until(() => existsSync(file) && readFileSync(file, 'utf8').includes('first message'), async () => undefined);
      assert.match(readFileSync(file, 'utf8'), /^\d{4}-\d\d-\d\dT[\d:.]+Z DEBUG \S+: first message$/m);
      renameSync(file, `${file}.1`);
      w.child.kill('SIGHUP');
      // Once the file is back (reopened), the next message lands in it.
      await until(() => existsSync(file), async () => undefined);
      await until(() => readFileSync(file, 'utf8').includes('second message'), () => client.request('log-message', 'warn', 'second message'));
      assert.match(readFileSync(file, 'utf8'), /WARN .*: second message/);
      assert.doesNotMatch(readFileSync(`${file}.1`, 'utf8'), /second message/);
      w.child.kill('SIGTERM');
      assert.equal(await w.exit(), 0);
    } finally {
      w.child.kill('SIGKILL');
      await client.close();
      await server.stop();
    }
  });

  it('log - keeps retrying a device that is down, and gives up after --attempts with exit 1', async () => {
    const r = await runCli(['log', `127.0.0.1:${await deadPort()}`, '--attempts', '1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot connect to .*; retrying/);
  });

  it('log - a bad level is a usage error', async () => {
    assert.equal((await runCli(['log', '127.0.0.1:7147', '--level', 'loud'])).code, 64);
  });
});
