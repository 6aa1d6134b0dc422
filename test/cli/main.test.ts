import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-harness.js';

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
});
