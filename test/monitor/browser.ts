/**
 * Headless Chromium for the monitor's page tests and benchmark: Debian's `/usr/bin/chromium`
 * driven by playwright-core (never a browser download), with a fresh profile and the flags
 * that keep it off the network.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

/** Where Debian installs Chromium (`.ci/run` installs it when missing); `CHROMIUM` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** True when the browser is installed (the page tests are skipped, saying so, otherwise). */
export const chromiumAvailable = existsSync(CHROMIUM_PATH);

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser with its own temporary profile; `close()` removes the profile. */
export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launch Chromium with a fresh temporary user-data-dir. */
export async function launchBrowser(viewport = { width: 1280, height: 720 }): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'katcp-monitor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: FLAGS, viewport });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
