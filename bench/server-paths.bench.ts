/**
 * The server's hot paths (issue 12), each against bare `net` readers in a child process (its own
 * CPU, counting lines only), so the figures are the server's: `?sensor-list` of 10,000
 * sensors, `#sensor-status` fan-out to one reader, 10 k updates of one sensor and of 50 sensors
 * to an `auto` subscriber, 10 clients doing `?watchdog` round trips, 20,000 sensors subscribed
 * one request each, `?sensor-value` of one of 1,000 sensors, `?sensor-value` of 20,000 sensors
 * right after a push of each, the server's CPU with 100
 * clients subscribed to 1,000 sensors each updated 10 times a second, and the device's side of a
 * mirror of 100,000 sensors (its listing and bulk `auto` subscriptions, server CPU per sensor). Run alone with
 * `npx tsx bench/server-paths.bench.ts [row...]`; prints figures, never asserts on speed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { DeviceServer } from '../lib/server/device-server.js';
import { Sensor } from '../lib/sensor/sensor.js';
import { fmt } from './format.js';

// Sockets, each counting the lines it receives and the reply lines ('!') among them.
const WORKER = `
const parentPort = { postMessage: (m) => process.send(m), on: (e, f) => process.on(e, f), close: () => process.disconnect() };
const net = require('node:net');
const socks = [];
let lines = 0, target = -1, start = 0, onDone = null;
function hit() {
  if (lines === target) { target = -1; const ms = performance.now() - start; const f = onDone; onDone = null; f(ms); }
}
function open(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    // first: the first byte of a line that began in an earlier chunk (mid: one did).
    s.st = { greet: 3, onReply: null, first: 0, mid: false };
    s.on('data', (chunk) => {
      const st = s.st;
      let p = 0, i;
      while ((i = chunk.indexOf(10, p)) !== -1) {
        const first = st.mid ? st.first : chunk[p];
        st.mid = false;
        p = i + 1;
        if (st.greet > 0) { if (--st.greet === 0) resolve(s); continue; }
        lines++;
        if (first === 33 && st.onReply !== null) st.onReply();
        hit();
      }
      if (p < chunk.length && !st.mid) { st.first = chunk[p]; st.mid = true; }
    });
  });
}
parentPort.on('message', async (m) => {
  if (m.cmd === 'connect') {
    for (let i = 0; i < m.n; i++) socks.push(await open(m.port));
    parentPort.postMessage({ ok: true });
  } else if (m.cmd === 'run') {
    lines = 0; target = m.expect; start = performance.now();
    onDone = (ms) => parentPort.postMessage({ ms });
    if (m.text) socks[m.sock ?? 0].write(m.text);
    else parentPort.postMessage({ ready: true });
  } else if (m.cmd === 'rtt') {
    // m.n round trips of m.text on each of the first m.clients sockets, all clients at once.
    let left = m.clients;
    const t0 = performance.now();
    for (let c = 0; c < m.clients; c++) {
      const s = socks[c];
      let k = 0;
      s.st.onReply = () => {
        if (++k < m.n) s.write(m.text);
        else { s.st.onReply = null; if (--left === 0) parentPort.postMessage({ ms: performance.now() - t0 }); }
      };
      s.write(m.text);
    }
  } else if (m.cmd === 'close') {
    for (const s of socks) s.destroy();
    parentPort.close();
  }
});
`;

class Readers {
  readonly #worker: ChildProcess = spawn(process.execPath, ['-e', WORKER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

  async connect(port: number, n = 1): Promise<void> {
    this.#worker.send({ cmd: 'connect', port, n });
    await once(this.#worker, 'message');
  }

  async #ask(msg: object): Promise<number> {
    this.#worker.send(msg);
    const [m] = (await once(this.#worker, 'message')) as [{ ms: number }];
    return m.ms;
  }

  /** Sends `text` on socket `sock`; resolves with the ms until `expect` lines arrived. */
  run(text: string, expect: number, sock = 0): Promise<number> {
    return this.#ask({ cmd: 'run', text, expect, sock });
  }

  /** `n` sequential round trips of `text` on each of `clients` sockets at once; resolves with the ms. */
  rtt(text: string, n: number, clients: number): Promise<number> {
    return this.#ask({ cmd: 'rtt', text, n, clients });
  }

  /** Starts counting `expect` lines; `done` resolves with the ms. */
  async arm(expect: number): Promise<{ done: Promise<number> }> {
    this.#worker.send({ cmd: 'run', text: '', expect });
    await once(this.#worker, 'message');
    return { done: once(this.#worker, 'message').then(([m]) => (m as { ms: number }).ms) };
  }

  async close(): Promise<void> {
    this.#worker.send({ cmd: 'close' });
    await once(this.#worker, 'exit');
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function floats(n: number, prefix = 'extra'): Sensor<number>[] {
  return Array.from({ length: n }, (_, i) =>
    Sensor.float({ name: `${prefix}.${String(i).padStart(5, '0')}`, description: `Extra float sensor ${i}`, units: 'arb', default: 0, initialStatus: 'nominal' }),
  );
}

async function withServer(sensors: readonly Sensor[], clients: number, fn: (r: Readers, server: DeviceServer) => Promise<void>): Promise<void> {
  const server = new DeviceServer({ version: 'bench-1.0', maxBacklog: 1 << 30 });
  for (const s of sensors) server.sensors.add(s);
  await server.start();
  const readers = new Readers();
  await readers.connect(server.address.port, clients);
  try {
    await fn(readers, server);
  } finally {
    await readers.close();
    await server.stop();
  }
}

async function best(n: number, fn: () => Promise<number>): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < n; i++) b = Math.min(b, await fn());
  return b;
}

const rows: Record<string, () => Promise<void>> = {
  async list() {
    const N = 10_000;
    await withServer(floats(N), 1, async (r) => {
      for (let i = 0; i < 5; i++) await r.run('?sensor-list\n', N + 1);
      const ms = await best(7, () => r.run('?sensor-list\n', N + 1));
      console.log(`?sensor-list of ${fmt(N)} sensors to a bare reader: best ${ms.toFixed(1)} ms (target <= 5 ms)`);
    });
  },

  async fanout() {
    const N = 20_000;
    const sensors = floats(N);
    await withServer(sensors, 1, async (r) => {
      const names = sensors.map((s) => s.name).join(',');
      await r.run(`?sensor-sampling ${names} auto\n`, N + 1);
      let bestRate = 0;
      let bestServer = 0;
      let bestCpu = 0;
      for (let round = 0; round < 4; round++) {
        const rounds = 20;
        const total = rounds * N;
        const { done } = await r.arm(total);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        for (let k = 0; k < rounds; k++) {
          for (let i = 0; i < N; i++) sensors[i]!.setValue(k + i * 0.5 + round);
          await tick();
        }
        const generated = performance.now() - t0;
        const received = await done;
        const cpu = process.cpuUsage(cpu0);
        if (round === 0) continue; // warm-up
        bestCpu = Math.max(bestCpu, total / ((cpu.user + cpu.system) / 1e6));
        bestRate = Math.max(bestRate, (total / received) * 1000);
        bestServer = Math.max(bestServer, (total / generated) * 1000);
      }
      console.log(`#sensor-status fan-out to one bare reader: best ${fmt(bestRate)} lines/s received (server side ${fmt(bestServer)}/s, ${fmt(bestCpu)} per second of server CPU; target >= 1,500,000)`);
    });
  },

  async push() {
    for (const count of [1, 50]) {
      const sensors = floats(count, 'push');
      await withServer(sensors, 1, async (r) => {
        await r.run(`?sensor-sampling ${sensors.map((s) => s.name).join(',')} event\n`, count + 1);
        const U = 10_000;
        let bestPush = 0;
        let bestRecv = 0;
        // The first round runs the path unoptimised (the cross-library suites measure only that).
        let firstPush = 0;
        for (let round = 0; round < 4; round++) {
          const { done } = await r.arm(U);
          const t0 = performance.now();
          // As the cross-library suites do: one update at a time, yielding after each.
          for (let i = 0; i < U; i++) {
            sensors[i % count]!.setValue(round * U + i + 1);
            if (i % 100 === 99) await tick();
          }
          const push = performance.now() - t0;
          const recv = await done;
          if (round === 0) {
            firstPush = (U / push) * 1000;
            continue;
          }
          bestPush = Math.max(bestPush, (U / push) * 1000);
          bestRecv = Math.max(bestRecv, (U / recv) * 1000);
        }
        console.log(
          `push 10 k updates over ${count} sensor(s), event: server side best ${fmt(bestPush)}/s (first round ${fmt(firstPush)}/s), received best ${fmt(bestRecv)}/s`,
        );
      });
    }
  },

  async clients() {
    await withServer([], 10, async (r) => {
      await r.rtt('?watchdog\n', 200, 10);
      const ms = await best(3, () => r.rtt('?watchdog\n', 500, 10));
      const one = await best(3, () => r.rtt('?watchdog\n', 5000, 1));
      console.log(`10 clients x 500 ?watchdog round trips: best ${fmt((5000 / ms) * 1000)}/s (one client alone ${fmt((5000 / one) * 1000)}/s)`);
    });
  },

  async subscribe() {
    const N = 20_000;
    const sensors = floats(N);
    await withServer(sensors, 1, async (r) => {
      const text = sensors.map((s) => `?sensor-sampling ${s.name} event\n`).join('');
      const clear = async (): Promise<void> => void (await r.run('?sensor-sampling-clear\n', 1));
      await r.run(text, 2 * N);
      await clear();
      let b = Infinity;
      for (let i = 0; i < 3; i++) {
        b = Math.min(b, await r.run(text, 2 * N));
        await clear();
      }
      console.log(`subscribe ${fmt(N)} sensors one request each (pipelined): best ${b.toFixed(0)} ms = ${fmt((N / b) * 1000)} requests/s`);
    });
  },

  async value() {
    const sensors = floats(1000);
    await withServer(sensors, 1, async (r) => {
      await r.rtt('?sensor-value extra.00500\n', 500, 1);
      const ms = await best(3, () => r.rtt('?sensor-value extra.00500\n', 2000, 1));
      console.log(`?sensor-value of one of 1,000 sensors, sequential: best ${fmt((2000 / ms) * 1000)}/s`);
    });
  },

  async valuesAfterPush() {
    const N = 20_000;
    const sensors = floats(N);
    await withServer(sensors, 1, async (r) => {
      await r.run(sensors.map((s) => `?sensor-sampling ${s.name} event\n`).join(''), 2 * N);
      let b = Infinity;
      for (let round = 0; round < 4; round++) {
        // Every reading is new and pushed to the subscriber before the listing is asked for.
        const { done } = await r.arm(N);
        for (let i = 0; i < N; i++) sensors[i]!.setValue(round * N + i + 1);
        await done;
        const ms = await r.run('?sensor-value\n', N + 1);
        if (round > 0) b = Math.min(b, ms);
      }
      console.log(`?sensor-value of ${fmt(N)} sensors right after a push of each: best ${b.toFixed(1)} ms`);
    });
  },

  async cpu() {
    const N = 1000;
    const C = 100;
    const sensors = floats(N);
    await withServer(sensors, C, async (r) => {
      const names = sensors.map((s) => s.name).join(',');
      for (let c = 0; c < C; c++) await r.run(`?sensor-sampling ${names} auto\n`, N + 1, c);
      // 1,000 sensors x 10 updates/s: 100 updates every 10 ms, for 5 s.
      const seconds = 5;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let k = 0;
      for (let step = 0; step < seconds * 100; step++) {
        for (let i = 0; i < 100; i++) sensors[(step * 100 + i) % N]!.setValue(k++);
        const due = t0 + (step + 1) * 10;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        else await tick();
      }
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const sec = (cpu.user + cpu.system) / 1e6;
      // On a loaded machine the producer falls behind the 10 ms steps, so the CPU is also given
      // per second of the nominal load (its CPU seconds over the `seconds` the updates stand for).
      console.log(
        `100 clients x 1,000 sensors x 10 updates/s (${fmt((k * C) / wall)} lines/s sent): server CPU ${((sec / seconds) * 100).toFixed(0)} % of a core ` +
          `at the nominal 1,000,000 lines/s (${((sec / wall) * 100).toFixed(0)} % over the ${wall.toFixed(2)} s it took; user ${(cpu.user / 1e6).toFixed(2)} s, system ${(cpu.system / 1e6).toFixed(2)} s)`,
      );
    });
  },

  async mirror() {
    // What a SensorWatcher asks of a device: the listing, and bulk auto subscriptions of 1,000
    // names each (sent at once here; the client sends them while the listing arrives).
    const N = 100_000;
    const sensors = floats(N);
    await withServer(sensors, 1, async (r) => {
      let text = '?sensor-list\n';
      let requests = 0;
      for (let i = 0; i < N; i += 1000, requests++) text += `?sensor-sampling ${sensors.slice(i, i + 1000).map((s) => s.name).join(',')} auto\n`;
      let best = Infinity;
      let bestClear = Infinity;
      for (let round = 0; round < 6; round++) {
        const cpu0 = process.cpuUsage();
        await r.run(text, N + 1 + N + requests);
        const cpu = process.cpuUsage(cpu0);
        const clear0 = process.cpuUsage();
        await r.run('?sensor-sampling-clear\n', 1);
        const clear = process.cpuUsage(clear0);
        if (round === 0) continue;
        best = Math.min(best, (cpu.user + cpu.system) / N);
        bestClear = Math.min(bestClear, (clear.user + clear.system) / N);
      }
      console.log(
        `device side of a ${fmt(N)}-sensor mirror (list + bulk auto subscriptions): best ${best.toFixed(2)} us of server CPU per sensor (target well under 3), ` +
          `then clearing them ${bestClear.toFixed(2)} us`,
      );
    });
  },
};

/** Prints the hot-path figures (all rows, or those named on the command line when run alone). */
export async function run(only: readonly string[] = []): Promise<void> {
  for (const [name, row] of Object.entries(rows)) {
    if (only.length === 0 || only.includes(name)) await row();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv.slice(2));
