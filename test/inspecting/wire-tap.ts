/**
 * A line-level TCP proxy for tests, on 127.0.0.1 port 0: records every line in both directions,
 * can rewrite or drop lines from the device, can cut connections and refuse new ones (a device
 * that went away), and can be pointed at another device (a device that restarted elsewhere).
 */
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** Rewrites one line from the device: return the line (changed or not), or null to drop it. */
export type LineTransform = (line: string) => string | null;

interface Pair {
  client: Socket;
  device: Socket;
}

export class WireTap {
  /** Lines sent by clients, in order, across all connections. */
  readonly fromClient: string[] = [];
  /** Lines sent by the device (before any transform). */
  readonly fromDevice: string[] = [];
  /** Applied to each device line before it is forwarded. */
  transform: LineTransform | undefined;
  /** When true, new connections are closed at once. */
  refuse = false;
  /** Where connections go. */
  target: { host: string; port: number };
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.target = target;
  }

  /** Start a tap in front of `target`. */
  static async start(target: { host: string; port: number }): Promise<WireTap> {
    // No Nagle: a lone late line (an #interface-changed) must not wait for a delayed ACK.
    const server = createServer({ noDelay: true });
    const tap = new WireTap(server, target);
    server.on('connection', (s) => tap.#accept(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return tap;
  }

  /** The port clients connect to. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Number of open proxied connections. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Client lines matching `re`. */
  sent(re: RegExp): string[] {
    return this.fromClient.filter((l) => re.test(l));
  }

  /** Send lines to every connected client as if the device had sent them. */
  inject(lines: readonly string[]): void {
    const out = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'latin1');
    for (const p of this.#pairs) if (!p.client.destroyed) p.client.write(out);
  }

  /** Cut every open connection. */
  dropAll(): void {
    for (const p of this.#pairs) {
      p.client.destroy();
      p.device.destroy();
    }
    this.#pairs.clear();
  }

  /** Stop listening and cut everything. */
  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.refuse) {
      client.destroy();
      return;
    }
    const device = connect({ port: this.target.port, host: this.target.host, noDelay: true });
    const pair: Pair = { client, device };
    this.#pairs.add(pair);
    const end = (): void => {
      client.destroy();
      device.destroy();
      this.#pairs.delete(pair);
    };
    client.on('error', end);
    device.on('error', end);
    client.on('close', end);
    device.on('close', end);
    pipeLines(client, (line) => {
      this.fromClient.push(line);
      return line;
    }, (out) => device.write(Buffer.from(out, 'latin1')));
    pipeLines(device, (line) => {
      this.fromDevice.push(line);
      return this.transform === undefined ? line : this.transform(line);
    }, (out) => {
      if (!client.destroyed) client.write(Buffer.from(out, 'latin1'));
    });
  }
}

function pipeLines(from: Socket, each: (line: string) => string | null, write: (out: string) => void): void {
  let partial = '';
  from.setEncoding('latin1');
  from.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    let out = '';
    for (const line of parts) {
      const l = each(line);
      if (l !== null) out += `${l}\n`;
    }
    if (out !== '') write(out);
  });
}
