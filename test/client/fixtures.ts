/**
 * Shared fixtures for client tests: a capturing logger and a client connected to a fake peer.
 */
import type { ClientLogger } from '../../lib/client/logger.js';
import { Client } from '../../lib/client/client.js';
import type { ClientOptions } from '../../lib/client/client.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { FakePeer } from '../helpers/fake-peer.js';
import type { PeerConnection } from '../helpers/fake-peer.js';

/** A logger that records `level message` lines. */
export function captureLogger(): ClientLogger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

/** A fake peer plus a client connected to it over a real socket, with a virtual clock. */
export async function connectedClient(opts: ClientOptions & { banner?: string } = {}): Promise<{
  peer: FakePeer;
  conn: PeerConnection;
  client: Client;
  clock: VirtualClock;
  logger: ReturnType<typeof captureLogger>;
  cleanup: () => Promise<void>;
}> {
  const peer = await FakePeer.start();
  const clock = (opts.clock as VirtualClock | undefined) ?? new VirtualClock();
  const logger = captureLogger();
  const { banner, ...clientOpts } = opts;
  const client = new Client(peer.host, peer.port, { clock, logger, ...clientOpts });
  const conn = await peer.accept();
  conn.sendBanner(banner ?? '5.1-MIB');
  await client.waitConnected();
  return {
    peer,
    conn,
    client,
    clock,
    logger,
    cleanup: async () => {
      await client.close();
      await peer.close();
    },
  };
}
