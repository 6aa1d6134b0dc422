/**
 * Client benchmarks: sequential request round trips/s, requests/s with 100 in flight, time for a
 * SensorWatcher to mirror 10,000 and 100,000 sensors, and `#sensor-status` updates/s ingested
 * by a SensorWatcher. The device is the demo server in a child process (its own CPU), except
 * for ingestion, where a raw in-process peer writes pre-formatted lines so that the figure is
 * the client's alone. For scale, aiokatcp does about 2,700 sequential and 13,000 in-flight
 * requests/s, mirrors 10,000 sensors in about 1 s and ingests about 80,000 updates/s.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '../lib/client/client.js';
import { silentLogger } from '../lib/client/logger.js';
import { SensorWatcher } from '../lib/client/sensor-watcher.js';

const CLI = fileURLToPath(new URL('../lib/cli/main.ts', import.meta.url));

interface Device {
  host: string;
  port: number;
  stop: () => Promise<void>;
}

async function startDevice(sensors: number): Promise<Device> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLI, 'demo-server', '--port', '0', '--sensors', String(sensors)], {
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
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

async function sequential(client: Client, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) await client.request('watchdog');
    n += 100;
  }
  return n;
}

/** Baseline: the same round trips from a bare socket that only counts lines (no parsing). */
async function rawSequential(host: string, port: number, ms: number): Promise<number> {
  const sock = connect(port, host);
  sock.setNoDelay(true);
  let lines = 0;
  let want = 3; // the #version-connect banner
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
  const end = performance.now() + ms;
  let n = 0;
  const t = performance.now();
  while (performance.now() < end) {
    want = lines + 1;
    sock.write(`?watchdog[${++n}]\n`);
    await next();
  }
  const rate = n / ((performance.now() - t) / 1000);
  sock.destroy();
  return rate;
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

async function requestBenchmarks(): Promise<void> {
  const device = await startDevice(0);
  try {
    const client = await Client.connect(device.host, device.port, { logger: silentLogger });
    await sequential(client, 300); // warm up
    let t = performance.now();
    const n = await sequential(client, 3000);
    console.log(`sequential ?watchdog round trips: ${fmt(n / ((performance.now() - t) / 1000))} /s`);
    console.log(`  (bare-socket baseline against the same device: ${fmt(await rawSequential(device.host, device.port, 2000))} /s)`);
    await inFlight(client, 20_000, 100);
    const total = 200_000;
    t = performance.now();
    await inFlight(client, total, 100);
    console.log(`?watchdog with 100 in flight: ${fmt(total / ((performance.now() - t) / 1000))} requests/s`);
    await client.close();
  } finally {
    await device.stop();
  }
}

/** Mirror every sensor of a fresh device three times: the first run is cold (JIT, both sides). */
async function mirrorBenchmark(sensors: number): Promise<void> {
  const device = await startDevice(sensors);
  try {
    const times: number[] = [];
    let size = 0;
    for (let rep = 0; rep < 3; rep++) {
      const client = await Client.connect(device.host, device.port, { logger: silentLogger, requestTimeout: 120_000 });
      const t = performance.now();
      const watcher = new SensorWatcher(client);
      await watcher.untilSynced();
      times.push(performance.now() - t);
      size = watcher.sensors.size;
      await client.close();
    }
    console.log(`mirror ${fmt(size)} sensors (list + bulk subscribe + first readings): ${fmt(times[0]!)} ms cold, ${fmt(Math.min(...times.slice(1)))} ms warm`);
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

/** Runs every client benchmark and prints the figures (`KATCP_BENCH_ONLY=ingest|mirror|requests` for one group). */
export async function run(): Promise<void> {
  const only = process.env.KATCP_BENCH_ONLY;
  if (only === 'ingest') return ingestBenchmark(1000, 1_000_000);
  if (only === 'mirror') return mirrorBenchmark(10_000);
  if (only === 'requests') return requestBenchmarks();
  await requestBenchmarks();
  await mirrorBenchmark(10_000);
  await mirrorBenchmark(100_000);
  await ingestBenchmark(1000, 1_000_000);
}
