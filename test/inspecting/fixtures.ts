/**
 * Shared fixtures for the inspecting-client and resource tests: the demo device behind a wire
 * tap, quiet fast-reconnecting client options, and state recorders.
 */
import { createDemoServer } from '../../lib/demo/index.js';
import type { DemoServerOptions } from '../../lib/demo/index.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { silentLogger } from '../../lib/client/logger.js';
import type { InspectingClient } from '../../lib/inspecting/inspecting-client.js';
import type { ModelChanges } from '../../lib/inspecting/model.js';
import type { SensorTarget } from '../../lib/inspecting/inspecting-client.js';
import { WireTap } from './wire-tap.js';

/** Client options for tests: no console noise, reconnect after 20 ms. */
export const quietClient = { logger: silentLogger, reconnect: (): number => 20 } as const;

/** A demo device (no background sensor updates) reached through a wire tap. */
export class Device {
  server: DeviceServer;
  readonly tap: WireTap;
  readonly opts: DemoServerOptions;

  private constructor(server: DeviceServer, tap: WireTap, opts: DemoServerOptions) {
    this.server = server;
    this.tap = tap;
    this.opts = opts;
  }

  static async start(opts: DemoServerOptions = {}): Promise<Device> {
    // A fixed random source: the demo tree is otherwise bare ("No fruit") one pick in six.
    const full: DemoServerOptions = { port: 0, counterPeriod: 0, timeSync: false, fruitDelay: 20, random: () => 0.1, ...opts };
    const server = createDemoServer(full);
    await server.start();
    const tap = await WireTap.start(server.address);
    return new Device(server, tap, full);
  }

  /** The address clients use (the tap's). */
  get port(): number {
    return this.tap.port;
  }

  get address(): string {
    return `127.0.0.1:${this.tap.port}`;
  }

  /** The device goes away: connections cut, new ones refused, server stopped. */
  async down(): Promise<void> {
    this.tap.refuse = true;
    this.tap.dropAll();
    await this.server.stop();
  }

  /** A fresh device process comes back (new server, reached through the same tap address). */
  async up(configure?: (server: DeviceServer) => void): Promise<void> {
    const server = createDemoServer({ ...this.opts, port: 0 });
    configure?.(server);
    await server.start();
    this.server = server;
    this.tap.target = server.address;
    this.tap.refuse = false;
  }

  async stop(): Promise<void> {
    await this.tap.close();
    await this.server.stop();
  }
}

/** One recorded state change. */
export interface Recorded {
  name: string;
  changes: ModelChanges | undefined;
}

/** Record an inspecting client's state changes (by name, with changes). */
export function recordStates<S extends SensorTarget, R>(ic: InspectingClient<S, R>): Recorded[] {
  const out: Recorded[] = [];
  ic.on('stateChange', (s, changes) => out.push({ name: s.name, changes }));
  return out;
}

/** Sorted array from a set. */
export function sorted(s: Iterable<string>): string[] {
  return [...s].sort();
}
