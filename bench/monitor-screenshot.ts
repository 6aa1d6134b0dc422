/**
 * Makes the README's screenshot of the monitor page (`docs/monitor.png`), by hand:
 * `node --import tsx bench/monitor-screenshot.ts [out.png]`. The demo device runs in-process
 * with a few sensors in each status and a request answered in the panel.
 */
import { createDemoServer } from '../lib/demo/index.js';
import { startMonitor } from '../lib/monitor/monitor.js';
import type { SensorStatus } from '../lib/sensor/status.js';
import { launchBrowser } from '../test/monitor/browser.js';

const out = process.argv[2] ?? 'docs/monitor.png';
const server = createDemoServer({ host: '127.0.0.1', port: 0, sensors: 200, timeSync: false, random: () => 0.1 });
await server.start();
const monitor = await startMonitor({ devices: [`demo=127.0.0.1:${server.address.port}`], port: 0, allowRequests: true });
await monitor.model.device('demo')!.resource.untilSynced({ timeout: 30_000 });
const browser = await launchBrowser({ width: 1180, height: 560 });
try {
  const page = await browser.context.newPage();
  await page.goto(monitor.url);
  await page.locator('#link', { hasText: 'live' }).waitFor({ timeout: 30_000 });
  // Some movement for the sparklines, and a few statuses.
  const statuses: SensorStatus[] = ['nominal', 'warn', 'error', 'nominal', 'failure', 'unknown'];
  for (let step = 0; step < 40; step++) {
    for (let i = 0; i < 12; i++) {
      const s = server.sensors.get(`extra.${String(i).padStart(5, '0')}`)!;
      s.setValue(Math.sin(step / 5 + i) * 10 + i, { status: statuses[i % statuses.length] });
    }
    server.sensors.get('type.float')!.setValue(3 + Math.cos(step / 4));
    await new Promise((r) => setTimeout(r, 60));
  }
  await page.fill('#filter', '/^(fast|type\\.(float|integer|discrete|boolean|string)|extra\\.0000)/');
  await page.click('#req-list li[data-request="pick-fruit"] button');
  await page.click('#req-send');
  await page.locator('#req-reply', { hasText: '!pick-fruit' }).waitFor({ timeout: 30_000 });
  await new Promise((r) => setTimeout(r, 300));
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await monitor.close();
  await server.stop();
}
