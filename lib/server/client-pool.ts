/**
 * The connection side of a `DeviceServer`: the listening socket, accepting and greeting
 * clients, the slow-client cut-off, and disconnecting every client when the server stops.
 * @module
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Message } from '../codec/message.js';
import { ConnectionClosedError, KatcpError } from '../errors.js';
import type { KatcpSyntaxError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { TrafficStats } from '../util/traffic-stats.js';
import type { TrafficSnapshot } from '../util/traffic-stats.js';
import { ClientConnection } from './client-connection.js';
import type { ClientOwner, ClientTrafficSnapshot } from './client-connection.js';
import type { ServerDialect } from './dialect.js';
import { errorText } from './logging.js';
import type { ConsoleLike } from './logging.js';

const CLOSE_GRACE_MS = 2000;

/** What a {@link ClientPool} needs from its server. */
export interface ClientPoolOptions {
  /** The server's time source. */
  readonly clock: Clock;
  /** Unread bytes after which an asynchronous message disconnects a client. */
  readonly maxBacklog: number;
  /** Longest request line accepted, in bytes including the line end. */
  readonly maxLineLength: number;
  /** Where diagnostics go. */
  readonly console: ConsoleLike;
  /** The protocol the server speaks. */
  readonly dialect: ServerDialect;
  /** True while the server runs: only then are connections kept and requests handled. */
  isRunning(): boolean;
  /** The informs every new client gets first (`#version-connect` x3, or v4's `#version` and `#build-state`). */
  greeting(): readonly Message[];
  /** Handle a request from a client (only called while running). */
  handleMessage(client: ClientConnection, msg: Message): void;
}

/**
 * A device server's traffic (`server.stats`): the totals over every client since the server was
 * built, plus connections, requests in flight and each connected client's own figures.
 */
export interface ServerTrafficSnapshot extends TrafficSnapshot {
  /** Connections accepted so far. */
  readonly connections: number;
  /** Requests being handled now, over all clients. */
  readonly requestsInFlight: number;
  /** Each connected client's traffic. */
  readonly clients: readonly ClientTrafficSnapshot[];
}

/** The listening socket and the connected clients of a device server. */
export class ClientPool {
  readonly #opts: ClientPoolOptions;
  readonly #clients = new Set<ClientConnection>();
  readonly #owner: ClientOwner;
  readonly #stats: TrafficStats;
  #connections = 0;
  #net: Server | undefined;

  constructor(opts: ClientPoolOptions) {
    this.#opts = opts;
    this.#stats = new TrafficStats(opts.clock);
    this.#owner = {
      clock: opts.clock,
      stats: this.#stats,
      dialect: opts.dialect,
      maxBacklog: opts.maxBacklog,
      handleMessage: (client, msg) => {
        if (!opts.isRunning() || msg.mtype !== '?') return;
        if (msg.mid !== undefined && !opts.dialect.flags.messageIds) {
          // Without message ids `name[mid]` does not match the grammar's name: the request is an
          // unparsable message, which a device answers with #log error and nothing else.
          client.sendLog('error', 'katcp.connection', `message ids are not supported by KATCP ${String(opts.dialect.flags)}: ?${msg.name}[${msg.mid}] ignored`);
          return;
        }
        opts.handleMessage(client, msg);
      },
      handleSyntaxError: (client, err) => this.#handleSyntaxError(client, err),
      clientClosed: (client) => this.#clients.delete(client),
      clientTooSlow: (client, backlog) => this.#clientTooSlow(client, backlog),
      samplerError: (client, err) => opts.console.error(`katcp server: sampler error for ${client.address}: ${errorText(err)}`),
    };
  }

  /** Number of connected clients. */
  get size(): number {
    return this.#clients.size;
  }

  /** The connected clients. */
  [Symbol.iterator](): IterableIterator<ClientConnection> {
    return this.#clients.values();
  }

  /** Traffic totals, connections, requests in flight and every client's figures, at this instant. */
  get stats(): ServerTrafficSnapshot {
    const clients = [...this.#clients].map((c) => c.stats);
    let inFlight = 0;
    for (const c of clients) inFlight += c.requestsInFlight;
    return { ...this.#stats.snapshot(), connections: this.#connections, requestsInFlight: inFlight, clients };
  }

  /** The connected clients' addresses. */
  addresses(): string[] {
    return [...this.#clients].map((c) => c.address);
  }

  /**
   * Starts listening; resolves with the bound address once connections are accepted.
   * @throws the listen error (e.g. EADDRINUSE)
   */
  async listen(port: number, host: string): Promise<{ host: string; port: number }> {
    const net = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#net = net;
    await new Promise<void>((resolve, reject) => {
      net.once('error', reject);
      net.listen(port, host, () => {
        net.off('error', reject);
        resolve();
      });
    });
    net.on('error', (err) => this.#opts.console.error(`katcp server: listening socket error: ${errorText(err)}`));
    const addr = net.address() as AddressInfo;
    return { host: addr.address, port: addr.port };
  }

  /** Stops accepting connections; resolves once the listening socket is closed (at once if there is none). */
  closeListener(): Promise<void> {
    const net = this.#net;
    return new Promise<void>((resolve) => {
      if (net === undefined) resolve();
      else net.close(() => resolve());
    });
  }

  /** Cancels every client's requests with `cancelled`, says goodbye and closes every connection. */
  async disconnectAll(cancelled: KatcpError): Promise<void> {
    const clients = [...this.#clients];
    for (const client of clients) {
      client.cancelRequests(cancelled, true);
      client.send(Message.inform('disconnect', 'server shutting down'));
    }
    await Promise.all(clients.map((c) => this.#closeClient(c)));
  }

  #accept(socket: Socket): void {
    if (!this.#opts.isRunning()) {
      socket.destroy();
      return;
    }
    const client = new ClientConnection(socket, this.#owner, { maxLineLength: this.#opts.maxLineLength });
    const others = [...this.#clients];
    this.#clients.add(client);
    this.#connections++;
    for (const msg of this.#opts.greeting()) client.send(msg);
    if (this.#opts.dialect.flags.multiClient) {
      const hello = Message.inform('client-connected', client.address);
      for (const other of others) other.sendAsync(hello);
      return;
    }
    // A single-client device (no M flag): the newcomer replaces whoever was connected.
    for (const other of others) {
      this.#clients.delete(other);
      other.cancelRequests(new ConnectionClosedError('replaced by a new client'), true);
      other.send(Message.inform('disconnect', `New client connected from ${client.address}`));
      void this.#closeClient(other);
    }
  }

  #clientTooSlow(client: ClientConnection, backlog: number): void {
    if (!this.#clients.has(client)) return;
    this.#opts.console.warn(`katcp server: disconnecting client ${client.address} because it is too slow (${backlog} bytes unread)`);
    this.#clients.delete(client);
    // Queued behind megabytes of unread data this is rarely seen, but it says why.
    client.send(Message.inform('disconnect', 'client too slow: disconnected'));
    client.flush();
    client.abort(new KatcpError('client too slow'));
  }

  #handleSyntaxError(client: ClientConnection, err: KatcpSyntaxError): void {
    if (!this.#opts.isRunning()) return;
    client.sendLog('error', 'katcp.connection', err.message);
  }

  async #closeClient(client: ClientConnection): Promise<void> {
    // A client that does not read would hold close() up forever: give it a grace period.
    const timer = setTimeout(() => client.abort(), CLOSE_GRACE_MS);
    try {
      await client.close();
    } finally {
      clearTimeout(timer);
    }
  }
}
