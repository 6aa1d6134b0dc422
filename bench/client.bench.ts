/**
 * Client benchmarks: sequential request round trips/s beside a bare socket doing the same
 * ping-pong, requests/s with 100 in flight (both against the trivial responder in a child
 * process), time and RSS for a SensorWatcher to mirror 10,000 and 100,000 sensors of the demo
 * server (in a child process), and `#sensor-status` updates/s ingested by a SensorWatcher from a
 * raw in-process peer writing pre-formatted lines, so that the figure is the client's alone. For scale, aiokatcp does about 2,700 sequential and 13,000 in-flight
 * requests/s, mirrors 10,000 sensors in about 1 s and ingests about 80,000 updates/s.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '../lib/client/client.js';
import { silentLogger } from '../lib/client/logger.js';
import { SensorWatcher } from '../lib/client/sensor-watcher.js';

const CLI = fileURLToPath(new URL('../lib/cli/main.ts', import.meta.url));
const RESPONDER = fileURLToPath(new URL('./trivial-responder.ts', import.meta.url));

interface Device {
  host: string;
  port: number;
  /** CPU seconds the device process has used so far (Linux /proc; undefined elsewhere). */
  cpu: () => number | undefined;
  stop: () => Promise<void>;
}

/** The demo server with `sensors` extra sensors, or (undefined) the trivial responder. */
async function startDevice(sensors: number | undefined): Promise<Device> {
  const args = sensors === undefined ? [RESPONDER] : [CLI, 'demo-server', '--port', '0', '--sensors', String(sensors)];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\S+):(\d+)/.exec(out);
      if (m) resolve(`${m[1]}:${m[2]}`);
    });
    child.once('exit', (code) => reject(new Error(`demo server exited with ${String(code)}`)));
  });
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  return {
    host,
    port: Number(port),
    cpu: () => {
      try {
        // Fields 14 and 15 of /proc/PID/stat (after the command in parentheses): user and system clock ticks.
        const fields = readFileSync(`/proc/${String(child.pid)}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return undefined;
      }
    },
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

/** A rate per wall second and per CPU second of this process. */
interface Rate {
  wall: number;
  cpu: number;
}

async function measure(count: number, run: () => Promise<void>): Promise<Rate> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await run();
  const wall = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  return { wall: count / wall, cpu: count / ((used.user + used.system) / 1e6) };
}

const best = (rates: Rate[]): Rate => ({ wall: Math.max(...rates.map((r) => r.wall)), cpu: Math.max(...rates.map((r) => r.cpu)) });

async function sequential(client: Client, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await client.request('watchdog');
}

/** Baseline: the same round trips from a bare socket that only counts lines (no parsing). */
async function bareSocket(host: string, port: number): Promise<{ pingPong: (n: number) => Promise<void>; close: () => void }> {
  const sock = connect(port, host);
  sock.setNoDelay(true);
  let lines = 0;
  let want = 1; // the #version-connect banner
  let wake: (() => void) | undefined;
  sock.on('data', (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (lines >= want && wake !== undefined) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  const next = (): Promise<void> => new Promise<void>((resolve) => (lines >= want ? resolve() : (wake = resolve)));
  await next();
  let mid = 0;
  return {
    pingPong: async (n) => {
      for (let i = 0; i < n; i++) {
        want = lines + 1;
        sock.write(`?watchdog[${++mid}]\n`);
        await next();
      }
    },
    close: () => sock.destroy(),
  };
}

async function inFlight(client: Client, total: number, width: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      await client.request('watchdog');
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/**
 * Against the trivial responder in a child process: sequential round trips of ours and of a bare
 * socket, alternated in the same run (best of 3 each), then 100 requests in flight (best of 3).
 * Rates per wall second and per CPU second of this process (the machine may be shared).
 */
async function requestBenchmarks(): Promise<void> {
  const device = await startDevice(undefined);
  try {
    const client = await Client.connect(device.host, device.port, { logger: silentLogger });
    const bare = await bareSocket(device.host, device.port);
    await sequential(client, 2000); // warm up
    await bare.pingPong(2000);
    const ours: Rate[] = [];
    const base: Rate[] = [];
    const n = 10_000;
    for (let rep = 0; rep < 3; rep++) {
      ours.push(await measure(n, () => sequential(client, n)));
      base.push(await measure(n, () => bare.pingPong(n)));
    }
    bare.close();
    const o = best(ours);
    const b = best(base);
    console.log(`sequential ?watchdog round trips: ${fmt(o.wall)} /s (${fmt(o.cpu)} per client CPU second), best of 3`);
    console.log(`  bare socket, same responder, same run: ${fmt(b.wall)} /s (${fmt(b.cpu)} per CPU second); ours = ${((100 * o.wall) / b.wall).toFixed(0)} %`);
    await inFlight(client, 20_000, 100);
    const total = 200_000;
    const flights: Rate[] = [];
    let responder = 0;
    for (let rep = 0; rep < 3; rep++) {
      const before = device.cpu();
      flights.push(await measure(total, () => inFlight(client, total, 100)));
      const after = device.cpu();
      // Is the responder a bound? Its requests per CPU second (best round; /proc ticks are 10 ms).
      if (before !== undefined && after !== undefined && after > before) responder = Math.max(responder, total / (after - before));
    }
    const f = best(flights);
    const peer = responder > 0 ? `; the responder answers ${fmt(responder)} per responder CPU second` : '';
    console.log(`?watchdog with 100 in flight: ${fmt(f.wall)} requests/s (${fmt(f.cpu)} per client CPU second${peer}), best of 3`);
    await client.close();
  } finally {
    await device.stop();
  }
}

/**
 * Mirror every sensor of a fresh device `runs` times, each with a new client: the first run is
 * cold (JIT, both sides), the figure for warm is the best of the others.
 * The RSS cost is this process's resident memory with the last mirror alive minus before it
 * (after a major GC when `--expose-gc` is given).
 */
async function mirrorBenchmark(sensors: number, runs: number): Promise<void> {
  const device = await startDevice(sensors);
  // A plain major GC: with no argument V8 runs a memory-reducing one, which also drops the maps
  // only the JIT still refers to and so discards the optimised code (the warm runs went cold).
  const expose = (globalThis as { gc?: (o: { type: 'major'; execution: 'sync' }) => void }).gc;
  const gc = expose === undefined ? undefined : (): void => expose({ type: 'major', execution: 'sync' });
  try {
    const times: number[] = [];
    let size = 0;
    let rss = 0;
    for (let rep = 0; rep < runs; rep++) {
      gc?.();
      const before = process.memoryUsage.rss();
      const client = await Client.connect(device.host, device.port, { logger: silentLogger, requestTimeout: 120_000 });
      const t = performance.now();
      const watcher = new SensorWatcher(client);
      await watcher.untilSynced();
      times.push(performance.now() - t);
      size = watcher.sensors.size;
      gc?.();
      rss = Math.max(rss, process.memoryUsage.rss() - before);
      await client.close();
    }
    const mb = (rss / 2 ** 20).toFixed(0);
    console.log(`mirror ${fmt(size)} sensors (list + bulk subscribe + first readings): ${fmt(times[0]!)} ms cold, ${fmt(Math.min(...times.slice(1)))} ms warm (best of ${runs - 1}); RSS +${mb} MB${gc === undefined ? ' (no --expose-gc)' : ''}`);
  } finally {
    await device.stop();
  }
}

/** A raw peer: lists `count` integer sensors, accepts any sampling, then writes `updates` lines at once. */
async function ingestBenchmark(count: number, updates: number): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => `s.${String(i).padStart(5, '0')}`);
  const list = names.map((n) => `#sensor-list[1] ${n} A\\_sensor \\@ integer`).join('\n');
  const blast = Buffer.allocUnsafe(updates * 64);
  let used = 0;
  for (let i = 0; i < updates; i++) {
    used += blast.write(`#sensor-status 1700000000.${String(i % 1000).padStart(3, '0')} 1 ${names[i % count]} nominal ${i}\n`, used, 'latin1');
  }
  let socket: Socket | undefined;
  const server = createServer((s) => {
    socket = s;
    s.write('#version-connect katcp-protocol 5.1-MIB\n');
    let buf = '';
    s.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = /^\?(\S+?)\[(\d+)\]/.exec(line);
        if (m?.[1] === 'sensor-list') s.write(`${list.replaceAll('[1]', `[${m[2]}]`)}\n!sensor-list[${m[2]}] ok ${count}\n`);
        else if (m !== null) s.write(`!${m[1]}[${m[2]}] ok\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client = await Client.connect('127.0.0.1', port, { logger: silentLogger });
  const watcher = new SensorWatcher(client);
  await watcher.untilSynced();
  let seen = 0;
  watcher.on('batchStop', () => seen++);
  const last = watcher.sensors.get(names[(updates - 1) % count]!)!;
  const done = new Promise<void>((resolve) => {
    last.attach((_s, r) => {
      if (r.value === updates - 1) resolve();
    });
  });
  const t = performance.now();
  socket!.write(blast.subarray(0, used));
  await done;
  const ms = performance.now() - t;
  console.log(`#sensor-status ingested by a SensorWatcher (${fmt(count)} sensors): ${fmt(updates / (ms / 1000))} updates/s (${fmt(seen)} informs in ${fmt(ms)} ms)`);
  await client.close();
  await new Promise<void>((r) => server.close(() => r()));
}

/** Runs every client benchmark and prints the figures (`KATCP_BENCH_ONLY=ingest|mirror|mirror100k|requests` for one group). */
export async function run(): Promise<void> {
  const only = process.env.KATCP_BENCH_ONLY;
  if (only === 'ingest') return ingestBenchmark(1000, 1_000_000);
  if (only === 'mirror') return mirrorBenchmark(10_000, 8);
  if (only === 'mirror100k') return mirrorBenchmark(100_000, 4);
  if (only === 'requests') return requestBenchmarks();
  await requestBenchmarks();
  await mirrorBenchmark(10_000, 8);
  await mirrorBenchmark(100_000, 4);
  await ingestBenchmark(1000, 1_000_000);
}
