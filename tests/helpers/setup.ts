/**
 * Test fixtures: a real hub on port 0 and real clients, all closed by `cleanup`.
 *
 * @example
 *   let t: TestContext;
 *   beforeEach(async () => (t = await setup()));
 *   afterEach(() => t.cleanup());
 *   it('…', async () => { const hub = await t.hub(); const driver = t.driver(hub, 'driver-1'); … });
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { io, type Socket } from 'socket.io-client';
import { DEFAULT_HUB_CONFIG, type DeliveryPolicy, type HubConfig } from '../../src/config';
import type { Logger } from '../../src/logger';
import { Driver, type DriverOptions } from '../../src/driver/driver';
import { startHub, type Hub, type StartHubOptions } from '../../src/hub/hub';
import { issueToken } from '../../src/auth/token';
import type { Credential } from '../../src/client/connect';
import { CAPS_NAMESPACE } from '../../src/protocol/events';
import { Vendor, type VendorOptions } from '../../src/vendor/vendor';
import { waitFor } from './wait-for';

export type LogLine = { level: number; msg: string; [key: string]: unknown };

/** A logger that keeps its lines, and emits `line` for each, so tests can wait for a warning. */
export class CapturingLogger extends EventEmitter<{ line: [line: LogLine] }> {
  readonly lines: LogLine[] = [];
  readonly logger: Logger = pino(
    { level: 'debug' },
    new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        const line = JSON.parse(chunk.toString()) as LogLine;
        this.lines.push(line);
        this.emit('line', line);
        callback();
      },
    }),
  );

  /** Resolves with the first line, past or future, whose message matches `pattern`. */
  async line(pattern: RegExp): Promise<LogLine> {
    const match = (line: LogLine) => pattern.test(line.msg);
    return this.lines.find(match) ?? (await waitFor<[LogLine]>(this, 'line', match))[0];
  }
}

export const silentLogger: Logger = pino({ level: 'silent' });

/** The secret test hubs sign tokens with, so that tests never create the real one in the home directory. */
export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** Signs tokens with {@link TEST_SECRET}: what our clients' credential does with the hub's secret. */
export const testCredential: Credential = (claims) => issueToken(new TextEncoder().encode(TEST_SECRET), claims);

export type HubOverrides = Partial<Omit<HubConfig, 'delivery'>> & { delivery?: Partial<DeliveryPolicy> };

export interface TestContext {
  /** Starts a hub on port 0 (memory store unless `store` says otherwise), with `startHub`'s `options`. */
  hub(overrides?: HubOverrides, logger?: Logger, options?: StartHubOptions): Promise<Hub>;
  vendor(hub: Hub | string, store: string, options?: Partial<VendorOptions>): Vendor;
  driver(hub: Hub | string, name: string, options?: Partial<DriverOptions>): Driver;
  /** A raw Socket.IO client with no handshake, as the classroom clients connect. */
  labClient(hub: Hub | string): Socket;
  /** A fresh temporary directory, removed by `cleanup`. */
  tempDir(): string;
  /** Registers something else to close. */
  defer(close: () => unknown): void;
  cleanup(): Promise<void>;
}

const urlOf = (hub: Hub | string) => (typeof hub === 'string' ? hub : hub.url);

export async function setup(): Promise<TestContext> {
  const closers: (() => unknown)[] = [];
  const defer = (close: () => unknown) => void closers.push(close);
  // The hub must leave no promise rejected and unhandled (src/hub/main.ts logs them as bugs): any
  // that appears while the test runs fails it in `cleanup`.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  return {
    async hub(overrides = {}, logger = silentLogger, options = {}) {
      const config: HubConfig = {
        ...DEFAULT_HUB_CONFIG,
        port: 0,
        log: { format: 'json', level: 'silent' },
        trust: { ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET },
        ...overrides,
        delivery: { ...DEFAULT_HUB_CONFIG.delivery, ...overrides.delivery },
      };
      const hub = await startHub(config, logger, options);
      defer(() => hub.close());
      return hub;
    },
    vendor(hub, store, options = {}) {
      const vendor = new Vendor({ hubUrls: [urlOf(hub)], store, credential: testCredential, logger: silentLogger, ...options });
      defer(() => vendor.stop());
      return vendor;
    },
    driver(hub, name, options = {}) {
      const driver = new Driver({ hubUrls: [urlOf(hub)], name, credential: testCredential, delayMs: 0, logger: silentLogger, ...options });
      defer(() => driver.stop());
      return driver;
    },
    labClient(hub) {
      const socket = io(`${urlOf(hub)}${CAPS_NAMESPACE}`, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 });
      defer(() => socket.disconnect());
      return socket;
    },
    tempDir() {
      const dir = mkdtempSync(join(tmpdir(), 'caps-test-'));
      defer(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    defer,
    async cleanup() {
      // Clients first, then hubs, then directories: the reverse of the order they were made in.
      for (const close of closers.reverse()) await close();
      closers.length = 0;
      process.off('unhandledRejection', onUnhandled);
      if (unhandled.length > 0) throw new Error(`unhandled rejections during the test: ${unhandled.map(String).join('; ')}`);
    },
  };
}
