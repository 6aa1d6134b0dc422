/**
 * Resource client benchmark: time from `start()` to `synced` for a demo device with 10 000 and
 * 100 000 sensors (katcp-python 0.9.3 needs several seconds for 20 000). The device runs in the
 * same process, so its own `?sensor-list` work is included in the figures.
 */
import { createDemoServer } from '../lib/demo/index.js';
import { silentLogger } from '../lib/client/logger.js';
import { InspectingClient } from '../lib/inspecting/inspecting-client.js';
import { KATCPClientResource } from '../lib/resource/resource.js';

async function timeResource(port: number): Promise<{ ms: number; sensors: number }> {
  const res = new KATCPClientResource({ name: 'bench', address: ['127.0.0.1', port], controlled: true, syncTimeout: 600_000, client: { logger: silentLogger } });
  const t0 = performance.now();
  res.start();
  await res.untilSynced({ timeout: 600_000 });
  const ms = performance.now() - t0;
  const sensors = Object.keys(res.sensor).length;
  await res.stop();
  return { ms, sensors };
}

async function timeInspecting(port: number): Promise<number> {
  const ic = new InspectingClient('127.0.0.1', port, { syncTimeout: 600_000, client: { logger: silentLogger } });
  const t0 = performance.now();
  ic.start();
  await ic.untilSynced({ timeout: 600_000 });
  const ms = performance.now() - t0;
  await ic.close();
  return ms;
}

async function timeReapply(port: number, count: number): Promise<number> {
  const res = new KATCPClientResource({ name: 'bench', address: ['127.0.0.1', port], controlled: true, syncTimeout: 600_000, client: { logger: silentLogger } });
  res.start();
  await res.untilSynced({ timeout: 600_000 });
  const t0 = performance.now();
  await res.setSamplingStrategies('^extra_', 'event');
  const ms = performance.now() - t0;
  if ((await res.listSensors('', { strategy: true })).length < count) throw new Error('strategies missing');
  await res.stop();
  return ms;
}

/** Print the figures. */
export async function run(): Promise<void> {
  for (const n of [10_000, 100_000]) {
    const server = createDemoServer({ port: 0, sensors: n, counterPeriod: 0, timeSync: false });
    await server.start();
    const port = server.address.port;
    // One warm-up sync, then the measured ones.
    await timeResource(port);
    const runs: number[] = [];
    let listed = 0;
    for (let i = 0; i < 3; i++) {
      const r = await timeResource(port);
      runs.push(r.ms);
      listed = r.sensors;
    }
    const ic = await timeInspecting(port);
    const best = Math.min(...runs);
    console.log(
      `resource start() -> synced, ${listed} sensors: best ${best.toFixed(0)} ms, runs ${runs.map((x) => x.toFixed(0)).join('/')} ms ` +
        `(${((listed / best) * 1000).toFixed(0)} sensors/s); inspecting client alone ${ic.toFixed(0)} ms`,
    );
    if (n === 10_000) {
      const ms = await timeReapply(port, n);
      console.log(`setSamplingStrategies('^extra_', 'event') on ${n} sensors: ${ms.toFixed(0)} ms`);
    }
    await server.stop();
  }
}
