/**
 * Test fixture: a DeviceServer on 127.0.0.1 with an ephemeral port, raw clients, and a console
 * that records the server's diagnostics instead of printing them.
 */
import type { TestContext } from 'node:test';
import { DeviceServer } from '../../lib/server/device-server.js';
import type { DeviceServerOptions } from '../../lib/server/device-server.js';
import { RawClient } from '../helpers/raw-client.js';

/** Records `console.warn` / `console.error` calls of the server. */
export class RecordingConsole {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  warn(...args: unknown[]): void {
    this.warnings.push(args.map(String).join(' '));
  }
  error(...args: unknown[]): void {
    this.errors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  }
}

/** A started server plus helpers; everything is closed when the test ends. */
export interface Fixture {
  readonly server: DeviceServer;
  readonly port: number;
  readonly console: RecordingConsole;
  /** Connects a raw client (greeting consumed unless `greeting: false`). */
  connect(opts?: { greeting?: boolean }): Promise<RawClient>;
}

/**
 * Starts a new server built from `opts` and registers cleanup on `t`.
 * @param setup called before start, e.g. to add sensors and requests
 */
export async function startServer(
  t: TestContext,
  opts: DeviceServerOptions = {},
  setup?: (server: DeviceServer) => void,
): Promise<Fixture> {
  const rec = new RecordingConsole();
  const server = new DeviceServer({ version: 'test-1.0', buildState: 'test-1.0.1', console: rec, ...opts });
  setup?.(server);
  return serve(t, server, rec);
}

/**
 * Starts an already built `server` whose console is `rec`, and registers cleanup on `t`: the
 * raw clients are destroyed and the server stopped when the test ends.
 */
export async function serve(t: TestContext, server: DeviceServer, rec: RecordingConsole): Promise<Fixture> {
  await server.start();
  const clients: RawClient[] = [];
  t.after(async () => {
    for (const c of clients) c.destroy();
    await server.stop().catch(() => undefined);
  });
  return {
    server,
    port: server.address.port,
    console: rec,
    async connect(copts) {
      const c = await RawClient.connect(server.address.port, copts);
      clients.push(c);
      return c;
    },
  };
}
