/**
 * Device server benchmarks: with 20,000 sensors, a full `?sensor-list` and `?sensor-value`, a
 * bulk `?sensor-sampling` of every sensor, `#sensor-status` updates/s pushed to one client, and
 * pipelined `?watchdog` requests/s. The client is a raw socket in a worker thread (its own event
 * loop) that only counts lines, so the figures are the server's. Targets: 10x aiokatcp, which
 * lists 10,000 sensors in 150-200 ms and answers ~12,000 pipelined requests/s.
 */
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { DeviceServer } from '../lib/server/device-server.js';
import { Sensor } from '../lib/sensor/sensor.js';
import { fmt } from './format.js';

const SENSORS = 20_000;
const REPEAT = 5;

// The client: connects, skips the greeting, then for each command writes its text and reports
// the milliseconds until `expect` more lines have arrived.
const WORKER = `
const { parentPort } = require('node:worker_threads');
const net = require('node:net');
let sock, lines = 0, target = -1, start = 0, onDone;
parentPort.on('message', (m) => {
  if (m.cmd === 'connect') {
    sock = net.connect(m.port, '127.0.0.1');
    sock.setNoDelay(true);
    target = 3; start = performance.now(); onDone = () => parentPort.postMessage({ ok: true });
    sock.on('data', (chunk) => {
      let i = -1;
      while ((i = chunk.indexOf(10, i + 1)) !== -1) {
        lines++;
        if (lines === target) { target = -1; const ms = performance.now() - start; lines = 0; onDone(ms); }
      }
    });
  } else if (m.cmd === 'run') {
    lines = 0; target = m.expect; start = performance.now();
    onDone = (ms) => parentPort.postMessage({ ms });
    if (m.text) sock.write(m.text);
    else parentPort.postMessage({ ready: true });
  } else if (m.cmd === 'close') {
    sock.destroy(); parentPort.close();
  }
});
`;

class LineClient {
  readonly #worker = new Worker(WORKER, { eval: true });

  async connect(port: number): Promise<void> {
    this.#worker.postMessage({ cmd: 'connect', port });
    await once(this.#worker, 'message');
  }

  /** Sends `text` and resolves with the ms until `expect` lines arrived. */
  async run(text: string, expect: number): Promise<number> {
    this.#worker.postMessage({ cmd: 'run', text, expect });
    const [m] = (await once(this.#worker, 'message')) as [{ ms: number }];
    return m.ms;
  }

  /** Starts counting `expect` lines (resolves once counting is armed); `done` resolves with the ms. */
  async arm(expect: number): Promise<{ done: Promise<number> }> {
    this.#worker.postMessage({ cmd: 'run', text: '', expect });
    await once(this.#worker, 'message');
    return { done: once(this.#worker, 'message').then(([m]) => (m as { ms: number }).ms) };
  }

  async close(): Promise<void> {
    this.#worker.postMessage({ cmd: 'close' });
    await once(this.#worker, 'exit');
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}


/** Prints the server figures. */
export async function run(): Promise<void> {
  // A generous backlog limit: the producer below does not wait for the client.
  const server = new DeviceServer({ version: 'bench-1.0', maxBacklog: 1 << 30 });
  const sensors: Sensor<number>[] = [];
  for (let i = 0; i < SENSORS; i++) {
    const s = Sensor.float({ name: `extra.${String(i).padStart(5, '0')}`, description: `Extra float sensor ${i}`, units: 'arb', default: 0, initialStatus: 'nominal' });
    sensors.push(s);
    server.sensors.add(s);
  }
  await server.start();
  const client = new LineClient();
  await client.connect(server.address.port);
  try {
    // Warm-up (JIT), not counted.
    for (let i = 0; i < 3; i++) {
      await client.run('?sensor-list[1]\n', SENSORS + 1);
      await client.run('?sensor-value[2]\n', SENSORS + 1);
      await client.run('?watchdog\n'.repeat(10_000), 10_000);
    }
    const list: number[] = [];
    for (let i = 0; i < REPEAT; i++) list.push(await client.run('?sensor-list[1]\n', SENSORS + 1));
    console.log(`?sensor-list  ${SENSORS} sensors: median ${median(list).toFixed(1)} ms, best ${Math.min(...list).toFixed(1)} ms (${fmt((SENSORS / median(list)) * 1000)} informs/s)`);

    const value: number[] = [];
    for (let i = 0; i < REPEAT; i++) value.push(await client.run('?sensor-value[2]\n', SENSORS + 1));
    console.log(`?sensor-value ${SENSORS} sensors: median ${median(value).toFixed(1)} ms, best ${Math.min(...value).toFixed(1)} ms`);

    const regex: number[] = [];
    for (let i = 0; i < REPEAT; i++) regex.push(await client.run('?sensor-list[3] /1.3/\n', 1 + sensors.filter((s) => /1.3/.test(s.name)).length));
    console.log(`?sensor-list /1.3/ over ${SENSORS} names: median ${median(regex).toFixed(1)} ms`);

    const names = sensors.map((s) => s.name).join(',');
    const bulk: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      bulk.push(await client.run(`?sensor-sampling[4] ${names} auto\n`, SENSORS + 1));
      await client.run('?sensor-sampling-clear[5]\n', 1);
    }
    console.log(`bulk ?sensor-sampling of ${SENSORS} sensors (auto, initial values included): median ${median(bulk).toFixed(1)} ms`);

    await client.run(`?sensor-sampling[6] ${names} auto\n`, SENSORS + 1);
    const rounds = 20;
    const total = rounds * SENSORS;
    const { done } = await client.arm(total);
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < SENSORS; i++) sensors[i]!.setValue(r + i * 0.5);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const generated = performance.now() - t0;
    const received = await done;
    console.log(
      `#sensor-status to one client: ${fmt(total)} updates received in ${received.toFixed(0)} ms = ${fmt((total / received) * 1000)} updates/s ` +
        `(server side ${fmt((total / generated) * 1000)} updates/s)`,
    );
    await client.run('?sensor-sampling-clear[7]\n', 1);

    const N = 100_000;
    const pipe: number[] = [];
    const text = '?watchdog\n'.repeat(N);
    for (let i = 0; i < 3; i++) pipe.push(await client.run(text, N));
    console.log(`pipelined ?watchdog: ${fmt(N)} in ${median(pipe).toFixed(0)} ms = ${fmt((N / median(pipe)) * 1000)} requests/s`);

    const midText = Array.from({ length: N }, (_, i) => `?watchdog[${i + 1}]\n`).join('');
    const pipeMid = await client.run(midText, N);
    console.log(`pipelined ?watchdog[mid]: ${fmt((N / pipeMid) * 1000)} requests/s`);
  } finally {
    await client.close();
    await server.stop();
  }
}
