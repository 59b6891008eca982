/**
 * Headless Chromium for the dashboard tests, through playwright-core and Debian's chromium
 * (`apt-get install chromium`). Each call gets a fresh profile in a temporary directory.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';
import type { TestContext } from '../helpers/setup';

export const CHROMIUM = '/usr/bin/chromium';
/** Where screenshots go; git ignores it. */
export const SCREENSHOTS = `${__dirname}/../../test-results/dashboard`;

/** Launches Chromium with a fresh profile; `t.cleanup()` closes it. */
export async function launchBrowser(t: TestContext): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  const context = await chromium.launchPersistentContext(t.tempDir(), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server'],
  });
  t.defer(() => context.close());
  return context;
}
