import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, runCliListingModules, startDemo } from './cli-harness.js';

describe('katcp (dispatch)', () => {
  it('main - --help lists every command and the exit codes; no command or an unknown one exits 64', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const name of ['request', 'req', 'sensors', 'watch', 'wait', 'log', 'shell', 'top', 'demo-server', 'demo']) assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
    assert.match(help.stdout, /64 usage error/);
    assert.equal((await runCli([])).code, 64);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });

  it('main - every command answers --help with examples and exit codes', async () => {
    for (const name of ['sensors', 'watch', 'wait', 'log', 'shell', 'top']) {
      const r = await runCli([name, '--help']);
      assert.equal(r.code, 0, name);
      assert.match(r.stdout, new RegExp(`Usage: katcp ${name} `), name);
      assert.match(r.stdout, /Examples:\n {2}katcp /, name);
      assert.match(r.stdout, /Exit codes:/, name);
    }
  });

  it('main - top refuses to run without a terminal (exit 64, a hint to use watch)', async () => {
    const r = await runCli(['top', '127.0.0.1:7147']);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /needs a terminal; use katcp watch/);
  });

  it('main - katcp request loads the client and commander only: no colours, terminal UI, tables, monitor, server or store', async (t) => {
    const { server, addr } = await startDemo();
    t.after(() => server.stop());
    const r = await runCliListingModules(['request', addr, 'watchdog']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '!watchdog ok\n');
    assert.ok(r.modules.some((m) => m.endsWith('/lib/client/client.ts')), 'the hook saw the client load');
    const packages = new Set(r.modules.flatMap((m) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m)?.[1] ?? []));
    for (const heavy of ['picocolors', 'ink', 'react', 'cli-table3', 'cli-progress', 'prom-client', 'redis', '@redis/client', 're2js', 'koffi']) assert.ok(!packages.has(heavy), `loads ${heavy}`);
    const folders = new Set(r.modules.flatMap((m) => /\/lib\/([a-z-]+)\//.exec(m)?.[1] ?? []));
    for (const upper of ['server', 'inspecting', 'resource', 'monitor', 'recorder', 'telstate', 'demo']) assert.ok(!folders.has(upper), `loads lib/${upper}`);
  });
});
