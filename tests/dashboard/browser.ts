/**
 * Headless Chromium for the dashboard tests, through playwright-core and Debian's chromium
 * (`apt-get install chromium`). Each call gets a fresh profile in a temporary directory.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { TestContext } from '../helpers/setup';

export const CHROMIUM = '/usr/bin/chromium';
/** Where screenshots go; git ignores it. */
export const SCREENSHOTS = `${__dirname}/../../test-results/dashboard`;

/**
 * Launches Chromium with a fresh profile; `t.cleanup()` closes it. With `netns`, Chromium runs
 * inside that network namespace (tests/dashboard/network-namespace.ts), as a browser on another
 * machine: it then sees only that namespace's interfaces. A browser on this side sees every
 * interface that any process adds or removes here (another test's veth pair, say), takes each for
 * a new network, and aborts the page's requests with net::ERR_NETWORK_CHANGED.
 */
export async function launchBrowser(t: TestContext, options: { netns?: string } = {}): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  const profile = t.tempDir();
  let executablePath = CHROMIUM;
  if (options.netns !== undefined) {
    // Playwright drives Chromium over pipes, so the browser may live in another network namespace.
    executablePath = join(t.tempDir(), 'chromium-in-netns');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${options.netns} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  }
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server'],
  });
  t.defer(() => context.close());
  return context;
}
