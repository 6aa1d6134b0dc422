import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { cliEnv, deadPort, runCli, startDemo } from './cli-harness.js';

describe('katcp request', () => {
  let server: DeviceServer;
  let other: DeviceServer;
  let addr: string;
  let otherAddr: string;
  let dead: string;

  before(async () => {
    ({ server, addr } = await startDemo());
    ({ server: other, addr: otherAddr } = await startDemo());
    dead = `127.0.0.1:${await deadPort()}`;
  });
  after(async () => {
    await server.stop();
    await other.stop();
  });

  it('request - prints the informs and the reply readably and exits 0', async () => {
    const r = await runCli(['request', addr, '?help', 'add']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^#help add Add two numbers.*\n!help ok 1\n$/);
  });

  it('request - undoes escapes, and shows bytes that are not printable as \\xNN', async () => {
    const r = await runCli(['req', addr, 'sensor-value', 'type.bytes']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^#sensor-value [\d.]+ 1 type\.bytes nominal raw\\x00\\x1b bytes\\n\n!sensor-value ok 1\n$/);
  });

  it('request - a fail reply is printed and exits 2', async () => {
    const r = await runCli(['request', addr, 'fail', 'no luck']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '!fail fail no luck\n');
  });

  it('request - a timeout exits 3 (aiokatcp katcpcmd exits 0 here) with one line on stderr', async () => {
    const r = await runCli(['request', addr, 'slow', '30', '--timeout', '300ms']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^katcp request: .*\?slow.*timed out after 300 ms\n$/);
  });

  it('request - a refused connection exits 1 with one line and no stack trace', async () => {
    const r = await runCli(['request', dead, 'help']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^katcp request: cannot connect to ${dead.replace(/\./g, '\\.')}: .*ECONNREFUSED.*\n$`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('request - --debug shows the stack', async () => {
    const r = await runCli(['request', dead, 'help', '--debug']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\n\s+at /);
  });

  it('request - bad usage exits 64: unknown option, no name, bad address, bad timeout', async () => {
    for (const args of [['request', addr, 'help', '--bogus'], ['request', addr], ['request', 'help'], ['request', addr, 'help', '--timeout', '-1'], ['request', addr, 'not_a_name!']]) {
      const r = await runCli(args);
      assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /katcp request|error:/);
    }
  });

  it('request - several devices run in parallel, lines prefixed by device; exit code is the worst', async () => {
    const ok = await runCli(['request', `${addr},${otherAddr}`, 'add', '1', '2']);
    assert.equal(ok.code, 0, ok.stderr);
    const lines = ok.stdout.trim().split('\n').sort();
    assert.deepEqual(lines, [`${addr} !add ok 3.0`, `${otherAddr} !add ok 3.0`].sort());
    const mixed = await runCli(['request', '-s', addr, '-s', dead, 'add', '1', '2']);
    assert.equal(mixed.code, 1);
    assert.equal(mixed.stdout, `${addr} !add ok 3.0\n`);
    assert.match(mixed.stderr, /cannot connect to/);
  });

  it('request - --json gives one document; several devices give an array', async () => {
    const r = await runCli(['request', addr, '--json', 'echo', 'a', 'b c']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { device: addr, status: 'ok', arguments: ['a', 'b c'], informs: [] });
    const many = await runCli(['request', '--json', `${addr},${otherAddr}`, 'fail']);
    assert.equal(many.code, 2);
    const docs = JSON.parse(many.stdout) as { status: string; arguments: string[] }[];
    assert.equal(docs.length, 2);
    for (const d of docs) assert.deepEqual([d.status, d.arguments], ['fail', ['this request always fails']]);
    const help = await runCli(['request', addr, '--json', 'help', 'add']);
    assert.deepEqual((JSON.parse(help.stdout) as { informs: unknown[] }).informs.length, 1);
  });

  it('request - --raw prints wire lines, --hex/--auto-hex show hex, 0x arguments are sent as bytes', async () => {
    const raw = await runCli(['request', addr, '--raw', 'echo', 'b c']);
    assert.match(raw.stdout, /^!echo(\[\d+\])? ok b\\_c\n$/);
    const auto = await runCli(['request', addr, '--auto-hex', 'echo', '0x00ff', 'hi']);
    assert.equal(auto.stdout, '!echo ok 0x00ff hi\n');
    const hex = await runCli(['request', addr, '--hex', 'echo', 'hi']);
    assert.equal(hex.stdout, '!echo 0x6f6b 0x6869\n');
  });

  it('request - --arg N prints one argument, --no-informs drops informs', async () => {
    const r = await runCli(['request', addr, '--arg', '1', 'add', '20', '22']);
    assert.equal(r.stdout, '42.0\n');
    const quiet = await runCli(['request', addr, '--no-informs', 'help']);
    assert.match(quiet.stdout, /^!help ok \d+\n$/);
  });

  it('request - KATCP_SERVER gives the default device; negative numbers follow --', async () => {
    const r = await runCli(['request', 'add', '--', '-1', '2'], cliEnv({ KATCP_SERVER: addr }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '!add ok 1.0\n');
  });

  it('request - --help documents options, examples and exit codes', async () => {
    const r = await runCli(['request', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--timeout/);
    assert.match(r.stdout, /Examples:/);
    assert.match(r.stdout, /3 +timeout/);
    assert.match(r.stdout, /64 +usage error/);
  });
});
