import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { RawClient } from '../helpers/raw-client.js';

const main = fileURLToPath(new URL('../../lib/cli/main.ts', import.meta.url));

function run(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', main, 'demo-server', ...args], { stdio: 'pipe' });
}

async function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  let out = '';
  for await (const chunk of child.stdout) {
    out += String(chunk);
    const nl = out.indexOf('\n');
    if (nl >= 0) return out.slice(0, nl);
  }
  throw new Error(`no output; stderr: ${child.stderr.read() as string}`);
}

async function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe('katcp demo-server', () => {
  it('cli - prints "listening HOST:PORT", serves the demo device and stops cleanly on SIGTERM', async () => {
    const child = run(['--host', '127.0.0.1', '--port', '0', '--sensors', '3']);
    try {
      const line = await firstLine(child);
      const m = /^listening 127\.0\.0\.1:(\d+)$/.exec(line);
      assert.ok(m, line);
      const c = await RawClient.connect(Number(m[1]), { greeting: false });
      await c.expectLines([/^#version-connect katcp-protocol/, /^#version-connect katcp-library/, /^#version-connect katcp-device katcp-demo/]);
      await c.request('?sensor-list /^extra/', [/extra\.00000/, /extra\.00001/, /extra\.00002/, '!sensor-list ok 3']);
      child.kill('SIGTERM');
      assert.deepEqual(await c.expectClose(), ['#disconnect server\\_shutting\\_down']);
      assert.equal(await exitCode(child), 0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('cli - --protocol 4.0-M serves a KATCP v4 device', async () => {
    const child = run(['--protocol', '4.0-M']);
    try {
      const m = /^listening 127\.0\.0\.1:(\d+)$/.exec(await firstLine(child));
      assert.ok(m);
      const c = await RawClient.connect(Number(m[1]), { greeting: false });
      await c.expectLines(['#version katcp-demo-1.0', '#build-state katcp-demo-1.0.0']);
      await c.request('?sensor-sampling type.integer period 1000', [/^#sensor-status \d{13} 1 type\.integer nominal 42$/, '!sensor-sampling ok type.integer period 1000']);
      child.kill('SIGTERM');
      assert.equal(await exitCode(child), 0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('cli - SIGINT stops it too', async () => {
    const child = run([]);
    try {
      assert.match(await firstLine(child), /^listening 127\.0\.0\.1:\d+$/);
      child.kill('SIGINT');
      assert.equal(await exitCode(child), 0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('cli - bad arguments exit with status 2 and a usage line', async () => {
    for (const args of [['--port', 'x'], ['--sensors', '-3'], ['--nonsense'], ['extra'], ['--protocol', '4.0-MI']]) {
      const child = run(args);
      let err = '';
      child.stderr.on('data', (d) => (err += String(d)));
      assert.equal(await exitCode(child), 2, args.join(' '));
      assert.match(err, /usage: katcp demo-server/);
    }
  });
});
