/**
 * The live page in a real browser: Debian's headless Chromium driven by playwright-core.
 * One browser for the file; every wait is for a selector or a text, with a generous limit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Monitor } from '../../lib/monitor/monitor.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import type { SensorStatus } from '../../lib/sensor/status.js';
import { chromiumAvailable, launchBrowser } from './browser.js';
import type { TestBrowser } from './browser.js';
import { sensorOf, startDemo, startWatching } from './fixture.js';

const LIMIT = { timeout: 30_000 };

/** What the tests use of the browser's DOM (the project compiles without the DOM library). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}
interface BrowserGlobals {
  getComputedStyle(el: unknown): { backgroundColor: string };
}

/** The row of a sensor (the filter first makes sure it is rendered). */
async function showOnly(page: Page, filter: string): Promise<void> {
  await page.fill('#filter', filter);
}

function row(page: Page, name: string): ReturnType<Page['locator']> {
  return page.locator(`.row[data-name="${name}"]:not([hidden])`);
}

// Skipped on a developer machine without Chromium; in CI (where .ci/run installs it) a missing browser fails.
describe('monitor page in Chromium', { skip: chromiumAvailable || process.env.CI === 'true' ? false : 'no /usr/bin/chromium (.ci/run installs it)' }, () => {
  let browser: TestBrowser;
  let server: DeviceServer;
  let monitor: Monitor;
  let page: Page;
  const errors: string[] = [];
  before(async () => {
    server = await startDemo({ sensors: 40 });
    monitor = await startWatching(server, { allowRequests: true });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(monitor.url);
    await page.locator('#link', { hasText: 'live' }).waitFor(LIMIT);
  });
  after(async () => {
    await browser?.close();
    await monitor?.close();
    await server?.stop();
    assert.deepEqual(errors, [], 'no errors in the page');
  });

  it("the table shows the demo device's sensors with values, units and statuses", async () => {
    await page.locator('#count', { hasText: `${server.sensors.size} of ${server.sensors.size} sensors` }).waitFor(LIMIT);
    await showOnly(page, 'type.');
    await row(page, 'type.integer').locator('.c-value', { hasText: '42 counts' }).waitFor(LIMIT);
    assert.equal(await row(page, 'type.float').locator('.c-value').textContent(), '3.25 V');
    assert.equal(await row(page, 'type.discrete').locator('.c-value').textContent(), 'observing');
    assert.equal(await row(page, 'type.integer').locator('.c-status').textContent(), 'nominal');
    assert.equal(await row(page, 'type.integer').locator('.c-name').getAttribute('title'), 'An integer sensor');
    assert.equal(await row(page, 'type.integer').locator('.c-device').textContent(), 'demo');
    await page.locator('li.device[data-device="demo"] .state', { hasText: 'synced' }).waitFor(LIMIT);
  });

  it('a value changes on screen after the device changes it, and its sparkline is drawn', async () => {
    await showOnly(page, 'type.float');
    for (const v of [7.5, 8.25, 9]) {
      sensorOf(server, 'type.float').setValue(v);
      await row(page, 'type.float').locator('.c-value', { hasText: `${v} V` }).waitFor(LIMIT);
    }
    const inked = await row(page, 'type.float')
      .locator('canvas.c-spark')
      .evaluate((c: CanvasLike) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).some((x) => x !== 0));
    assert.ok(inked, 'the sparkline has pixels');
  });

  it('status colours match statuses, and the status is written out too', async () => {
    const colours: Partial<Record<SensorStatus, string>> = {
      nominal: 'rgb(183, 228, 199)',
      warn: 'rgb(255, 209, 102)',
      error: 'rgb(239, 71, 111)',
      failure: 'rgb(157, 2, 8)',
      unknown: 'rgb(222, 226, 230)',
      unreachable: 'rgb(200, 182, 255)',
      inactive: 'rgb(241, 243, 245)',
    };
    await showOnly(page, 'type.integer');
    let v = 50;
    for (const [status, colour] of Object.entries(colours)) {
      sensorOf(server, 'type.integer').setValue(v++, { status: status as SensorStatus });
      const cell = row(page, 'type.integer').locator('.c-status', { hasText: status });
      await cell.waitFor(LIMIT);
      assert.equal(await cell.evaluate((el) => (globalThis as unknown as BrowserGlobals).getComputedStyle(el).backgroundColor), colour, status);
    }
  });

  it('the filter narrows the rows, by substring or /regex/', async () => {
    const total = server.sensors.size;
    await showOnly(page, 'extra.0001');
    await page.locator('#count', { hasText: `10 of ${total} sensors` }).waitFor(LIMIT);
    assert.equal(await page.locator('.row:not([hidden])').count(), 10);
    await showOnly(page, '/^type\\.(integer|float)$/');
    await page.locator('#count', { hasText: `2 of ${total} sensors` }).waitFor(LIMIT);
    assert.deepEqual((await page.locator('.row:not([hidden]) .c-name').allTextContents()).sort(), ['type.float', 'type.integer']);
    await showOnly(page, '/[unclosed/');
    await page.locator('#filter.invalid').waitFor(LIMIT);
    await showOnly(page, '');
    await page.locator('#count', { hasText: `${total} of ${total} sensors` }).waitFor(LIMIT);
  });

  it('sorts by a column, and reverses on a second click', async () => {
    await showOnly(page, 'extra.0000');
    await page.click('button[data-sort="name"]');
    await page.locator('button[data-sort="name"][aria-sort="descending"]').waitFor(LIMIT);
    await page.locator('.row:not([hidden]) .c-name').first().filter({ hasText: 'extra.00009' }).waitFor(LIMIT);
    await page.click('button[data-sort="name"]');
    await page.locator('.row:not([hidden]) .c-name').first().filter({ hasText: 'extra.00000' }).waitFor(LIMIT);
  });

  it('a device restart shows disconnected, then synced again', async () => {
    const port = server.address.port;
    await server.stop();
    await page.locator('li.device[data-device="demo"] .state', { hasText: 'disconnected' }).waitFor(LIMIT);
    server = await startDemo({ port, sensors: 40 });
    await page.locator('li.device[data-device="demo"] .state', { hasText: 'synced' }).waitFor(LIMIT);
    await page.locator('li.device[data-device="demo"] .counts', { hasText: '1 reconnects' }).waitFor(LIMIT);
  });

  it('with --allow-requests, a request sent from the panel gets its reply', async () => {
    await page.locator('#req-mode', { hasText: 'Requests are enabled' }).waitFor(LIMIT);
    await page.locator('#req-list li[data-request="add"] .help', { hasText: 'Add two numbers' }).waitFor(LIMIT);
    await page.click('#req-list li[data-request="add"] button');
    await page.fill('#req-args', '3 4');
    await page.click('#req-send');
    await page.locator('#req-reply', { hasText: '!add ok 7.0' }).waitFor(LIMIT);
    await showOnly(page, 'add.result');
    await row(page, 'add.result').locator('.c-value', { hasText: '7' }).waitFor(LIMIT);
    await page.screenshot({ path: join(tmpdir(), 'katcp-monitor-page.png') });
  });

  it('without --allow-requests, the panel is read-only and the endpoint refuses', async () => {
    const readOnly = await startWatching(server);
    const other = await browser.context.newPage();
    other.on('pageerror', (err) => errors.push(err.message));
    try {
      await other.goto(readOnly.url);
      await other.locator('#req-mode.read-only', { hasText: '--allow-requests' }).waitFor(LIMIT);
      await other.locator('#req-list li[data-request="add"]').waitFor(LIMIT);
      assert.equal(await other.locator('#req-send').isDisabled(), true);
      assert.equal(await other.locator('#req-args').isDisabled(), true);
      // The page's own fetch, from the page's origin: still refused.
      const status = await other.evaluate(`fetch('/api/request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device: 'demo', request: 'add', args: ['1', '1'] }) }).then((r) => r.status)`);
      assert.equal(status, 403);
    } finally {
      await other.close();
      await readOnly.close();
    }
  });

  // Last: it replaces the monitor the page is connected to.
  it('the sparklines keep their points when the server ends the event stream and the page reconnects', async () => {
    await showOnly(page, 'type.float');
    for (const v of [1.5, 4, 2.5, 6]) {
      sensorOf(server, 'type.float').setValue(v);
      await row(page, 'type.float').locator('.c-value', { hasText: `${v} V` }).waitFor(LIMIT);
    }
    const spark = row(page, 'type.float').locator('canvas.c-spark');
    await spark.and(page.locator('[data-points]')).waitFor(LIMIT);
    const before = Number(await spark.getAttribute('data-points'));
    assert.ok(before >= 4, `${before} points before`);
    // The monitor goes away (its server closes the stream) and comes back on the same port: new
    // process state, sensor ids assigned afresh, the page's EventSource reconnecting on its own.
    const port = monitor.address.port;
    await monitor.close();
    await page.locator('#link', { hasText: 'reconnecting' }).waitFor(LIMIT);
    monitor = await startWatching(server, { port, allowRequests: true });
    await page.locator('#link', { hasText: 'live' }).waitFor(LIMIT);
    sensorOf(server, 'type.float').setValue(7);
    await row(page, 'type.float').locator('.c-value', { hasText: '7 V' }).waitFor(LIMIT);
    // The earlier points and the new one; the snapshot's repeat of the last reading adds none.
    await row(page, 'type.float').locator(`canvas.c-spark[data-points="${Math.min(before + 1, 90)}"]`).waitFor(LIMIT);
  });
});
