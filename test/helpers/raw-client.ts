/**
 * A raw-socket KATCP test client: sends lines exactly as given and waits for expected lines
 * (exact text or a RegExp), so tests can assert on the bytes the server writes.
 *
 * Lines are compared without their final '\n' and decoded as latin1 so every byte maps to one
 * character (binary arguments stay comparable).
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';

/** What a test waits for: an exact line or a pattern the line must match. */
export type LineMatcher = string | RegExp;

interface Waiter {
  resolve(line: string): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A line-oriented raw TCP client for server tests. */
export class RawClient {
  readonly socket: Socket;
  /** Every line received so far that no `expect`/`waitFor` consumed yet, in order. */
  readonly lines: string[] = [];
  #partial = '';
  #waiter: Waiter | undefined;
  #ended = false;
  #endWaiters: (() => void)[] = [];
  /** Default wait in ms for expectations (generous: tests run on loaded machines). */
  timeout = 10_000;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('close', () => this.#onEnd());
    socket.on('error', () => this.#onEnd());
  }

  /** Connect to 127.0.0.1:`port`. When `greeting` is true, consume the three `#version-connect` lines. */
  static async connect(port: number, opts: { greeting?: boolean; host?: string } = {}): Promise<RawClient> {
    const socket = connect(port, opts.host ?? '127.0.0.1');
    await once(socket, 'connect');
    const client = new RawClient(socket);
    if (opts.greeting ?? true) {
      for (let i = 0; i < 3; i++) await client.expect(/^#version-connect /);
    }
    return client;
  }

  /** Our local `host:port`, as the server sees it. */
  get localAddress(): string {
    return `${this.socket.localAddress}:${this.socket.localPort}`;
  }

  /** True once the server closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Send raw text (add the line end yourself, or use `send`). */
  sendRaw(data: string | Uint8Array): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Send one line; a '\n' is appended. */
  send(line: string): void {
    this.sendRaw(`${line}\n`);
  }

  /**
   * Wait for the next line and check it matches. Lines are consumed in order: the next
   * unconsumed line must match, otherwise the promise rejects with both texts.
   */
  async expect(matcher: LineMatcher, timeout = this.timeout): Promise<string> {
    const line = await this.nextLine(timeout);
    if (!lineMatches(matcher, line)) {
      throw new Error(`expected ${String(matcher)} but received ${JSON.stringify(line)}`);
    }
    return line;
  }

  /** Expect several lines in order. */
  async expectLines(matchers: readonly LineMatcher[], timeout = this.timeout): Promise<string[]> {
    const out: string[] = [];
    for (const m of matchers) out.push(await this.expect(m, timeout));
    return out;
  }

  /** Send a line and expect the given lines in order. */
  async request(line: string, matchers: readonly LineMatcher[], timeout = this.timeout): Promise<string[]> {
    this.send(line);
    return this.expectLines(matchers, timeout);
  }

  /** Skip lines until one matches; returns it (the skipped lines are dropped). */
  async waitFor(matcher: LineMatcher, timeout = this.timeout): Promise<string> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const line = await this.nextLine(Math.max(1, deadline - Date.now()));
      if (lineMatches(matcher, line)) return line;
    }
  }

  /** Take the next line (waiting up to `timeout` ms). Rejects when the connection ends first. */
  nextLine(timeout = this.timeout): Promise<string> {
    const first = this.lines.shift();
    if (first !== undefined) return Promise.resolve(first);
    if (this.#ended) return Promise.reject(new Error('connection closed while waiting for a line'));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`timed out after ${timeout} ms waiting for a line`));
      }, timeout);
      this.#waiter = { resolve, reject, timer };
    });
  }

  /**
   * Assert that nothing arrives within `ms` milliseconds (use sparingly: only to check that a
   * message is *not* sent, after a later-sent sentinel has proven ordering where possible).
   */
  async expectSilence(ms = 100): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (this.lines.length > 0) throw new Error(`expected no lines but received ${JSON.stringify(this.lines)}`);
  }

  /** Wait until the server closes the connection; returns the lines received meanwhile. */
  async expectClose(timeout = this.timeout): Promise<string[]> {
    if (!this.#ended) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`connection still open after ${timeout} ms`)), timeout);
        this.#endWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.lines.splice(0);
  }

  /** Close our side and wait for the socket to be fully closed. */
  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    const closed = once(this.socket, 'close');
    this.socket.end();
    this.socket.destroySoon();
    await closed;
  }

  /** Destroy the socket at once. */
  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) this.#push(line);
  }

  #push(line: string): void {
    const w = this.#waiter;
    if (w !== undefined && this.lines.length === 0) {
      this.#waiter = undefined;
      clearTimeout(w.timer);
      w.resolve(line);
      return;
    }
    this.lines.push(line);
  }

  #onEnd(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#partial !== '') this.#push(this.#partial);
    this.#partial = '';
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      clearTimeout(w.timer);
      w.reject(new Error('connection closed while waiting for a line'));
    }
    for (const fn of this.#endWaiters.splice(0)) fn();
  }
}

function lineMatches(matcher: LineMatcher, line: string): boolean {
  return typeof matcher === 'string' ? matcher === line : matcher.test(line);
}
