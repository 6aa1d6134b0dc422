/**
 * Client benchmarks: sequential request round trips/s beside a bare socket doing the same
 * ping-pong, requests/s with 100 in flight (both against the trivial responder in a child
 * process); round trips with client and server in this process beside bare sockets
 * (`in-process-rtt.ts`); time and RSS for a SensorWatcher to mirror 10,000 and 100,000 sensors
 * of the demo server (in a child process), warm, cold and from a fresh client process
 * (`mirror-once.mjs`, on dist/); the retention floor under the 100,000-sensor row (`retention-floor.ts`);
 * and `#sensor-status` updates/s ingested by a SensorWatcher from a raw in-process peer writing
 * pre-formatted lines, so that the figure is the client's alone. For scale, aiokatcp does about
 * 2,700 sequential and 13,000 in-flight requests/s, mirrors 10,000 sensors in about 1 s and
 * ingests about 80,000 updates/s.
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
import { inProcessRoundTrips } from './in-process-rtt.js';
import { retentionFloor } from './retention-floor.js';
import { fmt } from './format.js';

const CLI = fileURLToPath(new URL('../lib/cli/main.ts', import.meta.url));
const RESPONDER = fileURLToPath(new URL('./trivial-responder.ts', import.meta.url));
const MIRROR_ONCE = fileURLToPath(new URL('./mirror-once.mjs', import.meta.url));

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

/** What `bench/mirror-once.mjs` prints. */
interface FreshMirror {
  ms: number;
  sensors: number;
  mainCpuMs: number | null;
  otherCpuMs: number | null;
}

/** One mirror by a client in a fresh plain Node process on the built package (its own JIT, nothing warmed). */
async function freshProcessMirror(device: Device): Promise<FreshMirror> {
  const child = spawn(process.execPath, [MIRROR_ONCE, device.host, String(device.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`mirror-once exited with ${String(code)}`);
  return JSON.parse(out) as FreshMirror;
}

/** Full collections until the heap gives back what it freed (V8 unmaps pages after a while). */
async function settle(gc: (() => void) | undefined): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One SensorWatcher mirror by a new client in this process; returns the ms to `synced` and the watcher. */
async function mirrorOnce(device: Device): Promise<{ ms: number; client: Client; watcher: SensorWatcher }> {
  const client = await Client.connect(device.host, device.port, { logger: silentLogger, requestTimeout: 120_000 });
  const t = performance.now();
  const watcher = new SensorWatcher(client);
  await watcher.untilSynced();
  return { ms: performance.now() - t, client, watcher };
}

/**
 * Mirror every sensor of a fresh device `runs` times, each with a new client in this process:
 * the first run is cold (JIT, both sides), the figure for warm is the best of the others. No
 * collection is forced between them: `gc()` is V8's memory-reducing collection, which also drops
 * the maps only optimised code refers to, and so discards that code (the "warm" runs were
 * recompiled, 100-140 ms of the second core per 10,000 sensors). Then the RSS cost: resident
 * memory with one more mirror alive minus before it, each after a full `gc()` when
 * `--expose-gc` is given. Last, three clients in fresh processes against the device, now warm:
 * the "fresh process" figure (median), with the CPU of the client's main thread and of its other
 * threads (V8's optimising compiler and GC helpers), which on two cores share them with the device.
 */
async function mirrorBenchmark(sensors: number, runs: number): Promise<void> {
  const device = await startDevice(sensors);
  const gc = (globalThis as { gc?: () => void }).gc;
  try {
    const times: number[] = [];
    for (let rep = 0; rep < runs; rep++) {
      const { ms, client } = await mirrorOnce(device);
      times.push(ms);
      await client.close();
    }
    await settle(gc);
    const before = process.memoryUsage.rss();
    const { client, watcher } = await mirrorOnce(device);
    await settle(gc);
    const mb = ((process.memoryUsage.rss() - before) / 2 ** 20).toFixed(0);
    const size = watcher.sensors.size;
    await client.close();
    const fresh: FreshMirror[] = [];
    for (let i = 0; i < 3; i++) fresh.push(await freshProcessMirror(device));
    fresh.sort((a, b) => a.ms - b.ms);
    const f = fresh[1]!;
    const cpu = f.mainCpuMs === null || f.otherCpuMs === null ? '' : ` (its main thread ${fmt(f.mainCpuMs)} ms CPU, other threads ${fmt(f.otherCpuMs)} ms)`;
    console.log(`mirror ${fmt(size)} sensors (list + bulk subscribe + first readings): ${fmt(Math.min(...times.slice(1)))} ms warm (best of ${runs - 1}), ${fmt(times[0]!)} ms cold (first run here, device cold too); RSS +${mb} MB${gc === undefined ? ' (no --expose-gc)' : ''}`);
    console.log(`  a client in a fresh process, device warm: ${fresh.map((x) => fmt(x.ms)).join(' / ')} ms, median ${fmt(f.ms)}${cpu}`);
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

/** Runs every client benchmark and prints the figures (`KATCP_BENCH_ONLY=ingest|mirror|mirror100k|floor|requests|inprocess` for one group). */
export async function run(): Promise<void> {
  const only = process.env.KATCP_BENCH_ONLY;
  if (only === 'ingest') return ingestBenchmark(1000, 1_000_000);
  if (only === 'mirror') return mirrorBenchmark(10_000, 8);
  if (only === 'mirror100k') return mirrorBenchmark(100_000, 4);
  if (only === 'floor') return retentionFloor(100_000);
  if (only === 'requests') return requestBenchmarks();
  if (only === 'inprocess') return inProcessRoundTrips();
  await requestBenchmarks();
  await inProcessRoundTrips();
  await mirrorBenchmark(10_000, 8);
  await mirrorBenchmark(100_000, 4);
  await retentionFloor(100_000);
  await ingestBenchmark(1000, 1_000_000);
}
