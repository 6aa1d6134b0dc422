import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { deadPort, runCli, startDemo } from './cli-harness.js';

describe('katcp sensors', () => {
  let server: DeviceServer;
  let addr: string;

  before(async () => {
    ({ server, addr } = await startDemo());
  });
  after(async () => {
    await server.stop();
  });

  it('sensors - a table with value, status, units, timestamp and description; substring filter; no colours off a terminal', async () => {
    const r = await runCli(['sensors', addr, 'type.']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+VALUE\s+STATUS\s+UNITS\s+TIMESTAMP\s+DESCRIPTION$/);
    assert.match(r.stdout, /\ntype\.float\s+3\.25\s+nominal\s+V\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+A float sensor\n/);
    assert.match(r.stdout, /\ntype\.string\s+hello world\s+nominal/);
    assert.ok(lines.slice(1).every((l) => l.startsWith('type.')), r.stdout);
    assert.ok(!r.stdout.includes('\u001b['), 'no escape sequences');
  });

  it('sensors - /regex/ filter and --ndjson', async () => {
    const r = await runCli(['sensors', addr, '/^type\\.(integer|float)$/', '--ndjson']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      rows.map((x) => [x.name, x.value, x.status, x.units, x.type]),
      [
        ['type.float', 3.25, 'nominal', 'V', 'float'],
        ['type.integer', 42, 'nominal', 'counts', 'integer'],
      ],
    );
  });

  it('sensors - --json --strategy period reads through a subscription', async () => {
    const r = await runCli(['sensors', addr, 'type.integer', '--json', '--strategy', 'period', '0.2']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; value: number; status: string }[];
    assert.deepEqual(rows.map((x) => [x.name, x.value, x.status]), [['type.integer', 42, 'nominal']]);
  });

  it('sensors - bad strategy exits 64, refused connection exits 1', async () => {
    assert.equal((await runCli(['sensors', addr, '--strategy', 'sometimes'])).code, 64);
    assert.equal((await runCli(['sensors', `127.0.0.1:${await deadPort()}`])).code, 1);
  });
});
