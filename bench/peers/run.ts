/**
 * `npm run bench:peers [-- --out FILE] [--no-issue-rows]`: runs the cross-library suite on our
 * library, aiokatcp 1.9.0 and katcp-python 0.9.3 (each library's client against its own server,
 * one process each, one after the other) and prints the side-by-side table of
 * docs/benchmarks.md, with the machine, versions and load, and the katcp-rust published ratios
 * beside ours. Then (unless `--no-issue-rows`) the issue-12 rows: the shared aiokatcp baseline
 * client against the shared aiokatcp device with 10,000 sensors, and our `npm run bench` codec,
 * client and server figures, both verbatim. The Python peers come from ../shared/peers (see the
 * message printed when they are missing). Never part of `npm test` or CI.
 */
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Results } from './workload.js';
import { renderTable } from './table.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

function findEnv(): string | undefined {
  const candidates = [process.env.KATCP_PEERS_ENV, join(tmpdir(), 'katcp-peers', 'env.sh')];
  return candidates.find((p): p is string => p !== undefined && p !== '' && statSync(p, { throwIfNoEntry: false })?.isFile() === true);
}

const HOW_TO = `The Python peers are not set up. To get them:
  1. put git snapshots of github.com/ska-sa/aiokatcp, github.com/ska-sa/katcp-python and
     github.com/tornadoweb/tornado under one folder MIRROR, as MIRROR/<owner>+<name>/repo
     (e.g. git clone --mirror https://github.com/ska-sa/aiokatcp MIRROR/ska-sa+aiokatcp/repo);
  2. run ../shared/peers/setup.sh MIRROR (it prints the path of an env file; Debian's
     /usr/bin/python3 is used, and a few python3-* packages are installed with apt-get);
  3. KATCP_PEERS_ENV=<that path> npm run bench:peers
The default env file is ${join(tmpdir(), 'katcp-peers', 'env.sh')}.`;

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** Runs one suite; resolves with its JSON figures and the load average before and after. */
async function suite(label: string, command: string): Promise<{ results: Results; loadBefore: string; loadAfter: string; seconds: number }> {
  const loadBefore = load();
  const t0 = performance.now();
  console.error(`== ${label} (load ${loadBefore})`);
  const child = spawn('bash', ['-c', command], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${label} suite exited with ${String(code)}`);
  const last = out.trim().split('\n').pop() ?? '';
  return { results: JSON.parse(last) as Results, loadBefore, loadAfter: load(), seconds: (performance.now() - t0) / 1000 };
}

/** Output of `command` (stdout and stderr), run from the project root. */
async function capture(command: string): Promise<string> {
  const child = spawn('bash', ['-c', command], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  return out.trim();
}

/**
 * The aiokatcp side of the issue-12 rows: its device (10,000 extra sensors) in one process and
 * the shared baseline client in another, as the shared peers' README describes.
 */
async function aiokatcpBaselines(env: string, q: (s: string) => string): Promise<string> {
  // ../shared/peers from the main checkout, ../../shared/peers from a worktree under wt/.
  const dirs = [process.env.KATCP_PEERS_DIR, join(root, '..', 'shared', 'peers'), join(root, '..', '..', 'shared', 'peers')];
  const dir = dirs.find((d) => d !== undefined && statSync(join(d, 'aiokatcp_server.py'), { throwIfNoEntry: false }) !== undefined);
  if (dir === undefined) return 'aiokatcp_server.py not found: set KATCP_PEERS_DIR to the shared peers folder';
  const server = spawn('bash', ['-c', `. ${q(env)} && exec $AIOKATCP_PY ${q(join(dir, 'aiokatcp_server.py'))} --port 0 --sensors 10000`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on [^:]+:(\d+)/.exec(out);
        if (m !== null) resolve(m[1]!);
      });
      server.once('close', () => reject(new Error(`the aiokatcp device exited: ${out}`)));
    });
    const tests = 'seq,inflight,sensor-list,updates,watcher,raw-pipeline,parse,client-ingest';
    return await capture(`. ${q(env)} && $AIOKATCP_PY ${q(join(dir, 'aiokatcp_bench_client.py'))} --port ${port} --tests ${tests} --duration 3`);
  } finally {
    server.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const outIdx = process.argv.indexOf('--out');
  const outFile = outIdx > 0 ? process.argv[outIdx + 1] : undefined;
  const env = findEnv();
  if (env === undefined) {
    console.error(HOW_TO);
    process.exitCode = 2;
    return;
  }
  const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  const ours = await suite('katcp (TypeScript)', `node --import tsx ${q(join(here, 'ts-suite.ts'))}`);
  const aio = await suite('aiokatcp', `. ${q(env)} && $AIOKATCP_PY ${q(join(here, 'aiokatcp_suite.py'))}`);
  const kp = await suite('katcp-python', `. ${q(env)} && $KATCP_PY ${q(join(here, 'katcp_python_suite.py'))}`);
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}`;
  const md = renderTable({
    date: new Date().toISOString().slice(0, 16).replace('T', ' '),
    machine,
    runs: [ours, aio, kp],
  });
  let report = md;
  if (!process.argv.includes('--no-issue-rows')) {
    console.error(`== issue-12 rows: aiokatcp baselines (load ${load()})`);
    const base = await aiokatcpBaselines(env, q);
    console.error(`== issue-12 rows: npm run bench -- codec client server (load ${load()})`);
    const ourBench = await capture(`node --expose-gc --import tsx ${q(join(root, 'bench', 'run.ts'))} codec client server`);
    report += `\n\n### Issue-12 rows: aiokatcp 1.9.0 baselines (shared client against the shared device, 10,000 sensors)\n\n\`\`\`text\n${base}\n\`\`\`\n`;
    report += `\n### Issue-12 rows: ours (\`npm run bench -- codec client server\`, which also runs server-paths)\n\n\`\`\`text\n${ourBench}\n\`\`\`\n`;
  }
  console.log(report);
  if (outFile !== undefined) writeFileSync(outFile, report);
}

await main();
