import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseMonitorArgs } from '../../lib/monitor/command.js';
import { runCliListingModules } from '../cli/cli-harness.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { refusedPort } from '../helpers/ports.js';
import { startDemo } from './fixture.js';

const main = fileURLToPath(new URL('../../lib/cli/main.ts', import.meta.url));

const stderrOf = new WeakMap<ChildProcessWithoutNullStreams, string[]>();

function run(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'monitor', ...args], { stdio: 'pipe' });
  const err: string[] = [];
  stderrOf.set(child, err);
  child.stderr.on('data', (d: Buffer) => err.push(String(d)));
  return child;
}

/** The exit code, with what the process wrote on stderr in the message when it is not `expected`. */
async function assertExit(child: ChildProcessWithoutNullStreams, expected: number): Promise<void> {
  assert.equal(await exitCode(child), expected, stderrOf.get(child)?.join(''));
}

/** Lines of stdout until one matches `last` (stdout keeps being read afterwards: the process writes more on exit). */
function linesUntil(child: ChildProcessWithoutNullStreams, last: RegExp): Promise<string[]> {
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const lines = out.split('\n');
      if (lines.some((l) => last.test(l))) resolve(lines);
    });
    child.on('exit', () => reject(new Error(`no line ${String(last)} in ${JSON.stringify(out)}`)));
  });
}

async function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe('katcp monitor (command)', () => {
  let server: DeviceServer;
  before(async () => {
    server = await startDemo();
  });
  after(async () => {
    await server.stop();
  });

  it('says what it exposes, serves /healthz and /metrics, and stops cleanly on SIGTERM', async () => {
    const child = run([`demo=127.0.0.1:${server.address.port}`, '--port', '0']);
    try {
      const lines = await linesUntil(child, /^requests from the page/);
      assert.match(lines[0]!, /^katcp monitor: watching demo \(127\.0\.0\.1:\d+\)$/);
      const url = /^live page: (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(lines[1]!)?.[1];
      assert.ok(url, lines.join('\n'));
      assert.ok(lines.includes('requests from the page: disabled (read-only; --allow-requests enables them)'));
      assert.equal((await fetch(`${url}healthz`)).status, 200);
      assert.match(await (await fetch(`${url}metrics`)).text(), /katcp_device_connected\{device="demo"\}/);
      child.kill('SIGTERM');
      await assertExit(child, 0);
      await assert.rejects(fetch(`${url}healthz`), 'no longer serving');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('--no-ui mentions no page; bad arguments exit with status 64 (EX_USAGE) and the usage', async () => {
    const child = run([`127.0.0.1:${server.address.port}`, '--port', '0', '--no-ui', '--host', '127.0.0.1']);
    try {
      const lines = await linesUntil(child, /^liveness: /);
      assert.ok(!lines.some((l) => /live page|requests from the page/.test(l)), lines.join('\n'));
      child.kill('SIGINT');
      await assertExit(child, 0);
    } finally {
      child.kill('SIGKILL');
    }
    const bad = run(['--port', 'x', '127.0.0.1:1']);
    await assertExit(bad, 64);
    const err = stderrOf.get(bad)!.join('');
    assert.match(err, /--port must be a whole number/);
    assert.match(err, /usage: katcp monitor/);
  });

  it('checks its command line before loading the resource client, the HTTP server and prom-client', async () => {
    for (const args of [['--help'], ['--port', 'x', '127.0.0.1:1']]) {
      const r = await runCliListingModules(['monitor', ...args]);
      assert.equal(r.code, args[0] === '--help' ? 0 : 64, r.stderr);
      assert.match(r.stdout + r.stderr, /usage: katcp monitor/);
      assert.ok(r.modules.some((m) => m.endsWith('/lib/monitor/command.ts')), 'the hook saw the command load');
      for (const heavy of ['/node_modules/prom-client/', '/node_modules/commander/', '/lib/monitor/monitor.ts', '/lib/resource/container.ts', '/lib/client/client.ts']) {
        assert.ok(!r.modules.some((m) => m.includes(heavy)), `${args.join(' ')} loads ${heavy}`);
      }
    }
  });

  it('--telstate with no Redis behind it is a start-up failure: exit 1, saying so, no history claimed', async () => {
    const child = run([`demo=127.0.0.1:${server.address.port}`, '--port', '0', '--telstate', `redis://127.0.0.1:${await refusedPort()}/0`]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    try {
      await assertExit(child, 1);
      assert.match(stderrOf.get(child)!.join(''), /katcp monitor: cannot connect to Redis/);
      assert.doesNotMatch(out, /sparkline history/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('parses its arguments', () => {
    assert.deepEqual(parseMonitorArgs(['a=h:1', 'h2:2', '--allow-requests', '--port', '9090']), {
      devices: ['a=h:1', 'h2:2'],
      host: '127.0.0.1',
      port: 9090,
      allowRequests: true,
      ui: true,
      telstate: undefined,
      help: false,
    });
    assert.throws(() => parseMonitorArgs([]), /at least one device/);
    assert.throws(() => parseMonitorArgs(['nothing']), /"nothing"/);
    assert.throws(() => parseMonitorArgs(['h:1', '--bogus']), /bogus/);
    assert.equal(parseMonitorArgs(['--help']).help, true);
  });
});
