/**
 * The brokers CAPS is compared with, each started privately from the machine's binary (the Debian
 * packages `mosquitto` and `nats-server`; .ci/run installs them) on a free port, with a
 * configuration and a store of its own in a temporary directory that is removed afterwards. The
 * shared instances on 1883/4222 are never touched.
 *
 * - `mosquitto`: MQTT 5, persistence on in its directory (Mosquitto's default is off; on, it saves
 *   the in-memory database on shutdown and every `autosave_interval`, 30 minutes by default, and
 *   never per message, so it costs nothing per message); up to 500 QoS 1 messages in flight per
 *   client, Receive Maximum allowing (mqtt-ends.ts asks 100 for drivers, 500 for vendors, as CAPS
 *   grants), and no limit on messages queued per client, so none is ever dropped;
 * - `jetstream`: nats-server with JetStream on, its file store in the directory, every other
 *   setting at its default (among them a sync to disk every 2 minutes).
 *
 * docs/benchmarks.md sets out what each guarantees against CAPS.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HUB_CONFIG } from '../src/config';
import type { Cleanup } from './cleanup';
import { NativeServer } from './native-server';

export const PEERS = ['mosquitto', 'jetstream'] as const;
export type PeerName = (typeof PEERS)[number];

/**
 * What a peer's client may hold unacknowledged, as a CAPS hub grants by default: pickups per
 * driver (`PREFETCH`) and delivery notices per vendor (`VENDOR_PREFETCH`). mqtt-ends.ts asks them
 * as Receive Maximum, jetstream-ends.ts as pull batches and `max_ack_pending`.
 */
export const { prefetch: DRIVER_IN_FLIGHT, vendorPrefetch: VENDOR_IN_FLIGHT } = DEFAULT_HUB_CONFIG.delivery;

/** Where each peer's binary is expected. */
export const PEER_BINARIES: Record<PeerName, string> = {
  mosquitto: '/usr/sbin/mosquitto',
  jetstream: '/usr/sbin/nats-server',
};

export const isPeer = (system: string): system is PeerName => (PEERS as readonly string[]).includes(system);

/** Whether `peer`'s binary is on this machine. */
export const peerAvailable = (peer: PeerName) => existsSync(PEER_BINARIES[peer]);

/** Writes `peer`'s configuration into `dir` and starts it on `port`. */
export function startPeer(peer: PeerName, port: number, dir: string, cleanup: Cleanup): Promise<NativeServer> {
  const config = join(dir, peer === 'mosquitto' ? 'mosquitto.conf' : 'nats.conf');
  if (peer === 'mosquitto') {
    writeFileSync(
      config,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        // Run as whoever started the bench, so that the store directory stays writable.
        `user ${userInfo().username}`,
        'persistence true',
        `persistence_location ${dir}/`,
        `max_inflight_messages ${VENDOR_IN_FLIGHT}`,
        'max_queued_messages 0',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        '',
      ].join('\n'),
    );
    return NativeServer.start({ name: peer, command: PEER_BINARIES[peer], args: ['-c', config], port, url: `mqtt://127.0.0.1:${port}` }, cleanup);
  }
  writeFileSync(config, [`listen: "127.0.0.1:${port}"`, `jetstream { store_dir: ${JSON.stringify(join(dir, 'jetstream'))} }`, ''].join('\n'));
  return NativeServer.start({ name: peer, command: PEER_BINARIES[peer], args: ['-c', config], port, url: `nats://127.0.0.1:${port}` }, cleanup);
}
