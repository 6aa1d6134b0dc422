/**
 * A scripted raw-socket KATCP peer for client tests: a TCP server on 127.0.0.1, port 0, that
 * hands each accepted connection to the test, which then reads lines with expectLine() and
 * writes raw lines with send(). It knows nothing about KATCP, so it can send anything.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** Real-time guard for waits in the fake peer (a hung test fails instead of stalling). */
const GUARD_MS = 10_000;

function guard<T>(p: Promise<T>, what: string, ms = GUARD_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fake peer: timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** One accepted client connection, seen from the peer's side. */
export class PeerConnection {
  readonly socket: Socket;
  /** Every complete line received so far (without '\n'), including ones already consumed. */
  readonly received: string[] = [];
  #partial = '';
  #queue: string[] = [];
  #waiters: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  #ended = false;
  /** Resolves once the client side has closed the socket (EOF or reset). */
  readonly closed: Promise<void>;
  /** Total bytes received from the client. */
  bytesReceived = 0;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise<void>((resolve) => {
      socket.once('close', () => {
        this.#ended = true;
        for (const w of this.#waiters.splice(0)) w.reject(new Error('fake peer: connection closed while waiting for a line'));
        resolve();
      });
    });
    // The client may end its side while the test still writes; keep the socket open until told.
    socket.on('end', () => {
      this.#ended = true;
      for (const w of this.#waiters.splice(0)) w.reject(new Error('fake peer: client closed while waiting for a line'));
    });
  }

  #onData(chunk: string): void {
    this.bytesReceived += chunk.length;
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) {
      this.received.push(line);
      const w = this.#waiters.shift();
      if (w) w.resolve(line);
      else this.#queue.push(line);
    }
  }

  /** Lines received but not yet consumed by expectLine(). */
  get unread(): readonly string[] {
    return this.#queue;
  }

  /** The next line from the client (without '\n'); with `expected`, asserts it matches. */
  async expectLine(expected?: string | RegExp, timeoutMs = GUARD_MS): Promise<string> {
    let line: string;
    const queued = this.#queue.shift();
    if (queued !== undefined) line = queued;
    else {
      if (this.#ended) throw new Error('fake peer: connection already closed');
      line = await guard(
        new Promise<string>((resolve, reject) => this.#waiters.push({ resolve, reject })),
        `a line${expected === undefined ? '' : ` matching ${String(expected)}`}`,
        timeoutMs,
      );
    }
    if (expected !== undefined) {
      const ok = typeof expected === 'string' ? line === expected : expected.test(line);
      if (!ok) throw new Error(`fake peer: expected ${String(expected)}, got ${JSON.stringify(line)}`);
    }
    return line;
  }

  /** The next `n` lines. */
  async expectLines(n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await this.expectLine());
    return out;
  }

  /** Write raw lines (a '\n' is added to each string that lacks one). */
  send(...lines: (string | Buffer)[]): void {
    for (const line of lines) {
      if (typeof line === 'string') this.socket.write(line.endsWith('\n') ? line : `${line}\n`, 'latin1');
      else this.socket.write(line);
    }
  }

  /** Answer every line the client sends with `reply` until the connection ends (runs in the background). */
  serve(reply: (line: string) => void): void {
    void (async () => {
      for (;;) {
        let line: string;
        try {
          line = await this.expectLine(undefined, 60_000);
        } catch {
          return;
        }
        reply(line);
      }
    })();
  }

  /** Send the standard aiokatcp v5 banner with the given flags (default `5.1-MIB`). */
  sendBanner(version = '5.1-MIB'): void {
    this.send(`#version-connect katcp-protocol ${version}`, '#version-connect katcp-library fake-1.0 fake-1.0.0', '#version-connect katcp-device fake-1.0 fake-1.0.0');
  }

  /** Close our side gracefully (FIN). */
  end(): void {
    this.socket.end();
  }

  /** Drop the connection abruptly (RST). */
  drop(): void {
    this.socket.resetAndDestroy();
  }

  /** True once the client closed the socket. */
  get isClosed(): boolean {
    return this.socket.destroyed || this.#ended;
  }
}

/** A TCP server on 127.0.0.1:0 that queues accepted connections for the test. */
export class FakePeer {
  readonly server: Server;
  readonly connections: PeerConnection[] = [];
  #pending: PeerConnection[] = [];
  #waiters: ((c: PeerConnection) => void)[] = [];

  private constructor(server: Server) {
    this.server = server;
    server.on('connection', (socket) => {
      const conn = new PeerConnection(socket);
      this.connections.push(conn);
      const w = this.#waiters.shift();
      if (w) w(conn);
      else this.#pending.push(conn);
    });
  }

  /** Start listening on 127.0.0.1 with an ephemeral port. */
  static async start(): Promise<FakePeer> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new FakePeer(server);
  }

  /** The port the peer listens on. */
  get port(): number {
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('fake peer: not listening');
    return addr.port;
  }

  /** The host to connect to. */
  readonly host = '127.0.0.1';

  /** The next accepted connection. */
  accept(timeoutMs = GUARD_MS): Promise<PeerConnection> {
    const c = this.#pending.shift();
    if (c) return Promise.resolve(c);
    return guard(new Promise<PeerConnection>((resolve) => this.#waiters.push(resolve)), 'a connection', timeoutMs);
  }

  /** Accept the next connection and send it a v5 banner. */
  async acceptWithBanner(version = '5.1-MIB'): Promise<PeerConnection> {
    const c = await this.accept();
    c.sendBanner(version);
    return c;
  }

  /** Stop listening and drop every connection. */
  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
