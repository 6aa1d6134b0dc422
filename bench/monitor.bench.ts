/**
 * Monitor load benchmark (run by hand: `npm run bench monitor`; never part of `npm test`):
 * a demo device with 20 000 sensors updating 1 000 times a second, the monitor watching it,
 * and the live page open in headless Chromium. Measured in the browser: the latency from a
 * reading's device timestamp to the frame that shows it, the render time per frame, the gaps
 * between animation frames (a blocked page shows long gaps), and how long a filter keystroke
 * takes to reach the screen; and one `/metrics` scrape. The device and the monitor share this process.
 */
import { silentLogger } from '../lib/client/logger.js';
import { createDemoServer } from '../lib/demo/index.js';
import { startMonitor } from '../lib/monitor/monitor.js';
import { launchBrowser } from '../test/monitor/browser.js';

const SENSORS = Number(process.env.MONITOR_BENCH_SENSORS ?? 20_000);
const RATE = Number(process.env.MONITOR_BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.MONITOR_BENCH_SECONDS ?? 20);

interface PageStats {
  latencies: number[];
  arrivalToFrame: number[];
  renderTimes: number[];
  updates: number;
  frames: number;
}

function summary(xs: number[]): string {
  if (xs.length === 0) return 'no samples';
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): string => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1);
  return `p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, p99 ${q(0.99)} ms, max ${s.at(-1)!.toFixed(1)} ms (${s.length} samples)`;
}

export async function run(): Promise<void> {
  const server = createDemoServer({ host: '127.0.0.1', port: 0, sensors: SENSORS, counterPeriod: 0, timeSync: false });
  await server.start();
  const t0 = performance.now();
  const monitor = await startMonitor({
    devices: [`demo=127.0.0.1:${server.address.port}`],
    port: 0,
    resource: { syncTimeout: 600_000, client: { logger: silentLogger } },
  });
  const device = monitor.model.device('demo')!;
  await device.resource.untilSynced({ timeout: 600_000 });
  const total = server.sensors.size;
  while ([...monitor.model.sensors].some((e) => e.sensor.reading.receivedTimestamp === 0)) await new Promise((r) => setTimeout(r, 50));
  console.log(`monitor synced with ${total} sensors and has every first reading after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const browser = await launchBrowser({ width: 1600, height: 1000 });
  try {
    const page = await browser.context.newPage();
    const p0 = performance.now();
    await page.goto(monitor.url);
    await page.locator('#count', { hasText: `${total} of ${total} sensors` }).waitFor({ timeout: 120_000 });
    console.log(`page shows ${total} sensors ${((performance.now() - p0) / 1000).toFixed(2)} s after opening`);

    // The load: RATE updates a second, round robin over the extra sensors, paced by elapsed time.
    const extra = [...server.sensors].filter((s) => s.name.startsWith('extra.'));
    let sent = 0;
    const start = performance.now();
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * RATE);
      for (; sent < due; sent++) extra[sent % extra.length]!.setValue(sent);
    }, 5);
    // Sort by age so the rows on screen are the ones changing, and watch the frame rate.
    await page.click('button[data-sort="age"]');
    await page.evaluate(`(() => {
      window.benchGaps = [];
      let last = performance.now();
      const loop = (t) => { window.benchGaps.push(t - last); last = t; if (window.benchGaps.length < 100000) requestAnimationFrame(loop); };
      requestAnimationFrame(loop);
      window.katcpMonitorStats.reset();
    })()`);
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const stats = await page.evaluate<PageStats>('window.katcpMonitorStats');
    const gaps = await page.evaluate<number[]>('window.benchGaps');
    // A keystroke in the filter box, under load, until the count shows the result.
    const f0 = performance.now();
    await page.fill('#filter', 'extra.01');
    await page.locator('#count', { hasText: `1000 of ${total} sensors` }).waitFor({ timeout: 60_000 });
    const filterMs = performance.now() - f0;
    // A Prometheus scrape of every sensor, under the same load.
    const m0 = performance.now();
    const exposition = await (await fetch(`${monitor.url}metrics`)).text();
    const scrapeMs = performance.now() - m0;
    clearInterval(timer);
    const elapsed = (performance.now() - start) / 1000;
    console.log(`load: ${sent} updates in ${elapsed.toFixed(1)} s (${(sent / elapsed).toFixed(0)}/s) over ${extra.length} sensors; page applied ${stats.updates} (coalesced per 50 ms batch) in ${stats.frames} frames`);
    console.log(`update latency (device timestamp -> frame on screen): ${summary(stats.latencies)}`);
    console.log(`batch arrival -> frame:                            ${summary(stats.arrivalToFrame)}`);
    console.log(`render time per frame:                             ${summary(stats.renderTimes)}`);
    console.log(`animation-frame gaps (60 Hz = 16.7 ms):            ${summary(gaps)}`);
    console.log(`filter keystroke -> result on screen (incl. the driver's round trip): ${filterMs.toFixed(0)} ms`);
    console.log(`/metrics scrape: ${scrapeMs.toFixed(0)} ms for ${(exposition.length / 1e6).toFixed(1)} MB`);
  } finally {
    await browser.close();
    await monitor.close();
    await server.stop();
  }
}
