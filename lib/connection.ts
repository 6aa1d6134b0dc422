/**
 * Connection framing: wraps a socket (or any duplex byte stream), parses incoming lines into
 * messages for an owner, and writes messages with back-pressure. No protocol semantics: the
 * client and the server implement {@link ConnectionOwner} and decide what messages mean.
 * @module
 */
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { ConnectionClosedError, KatcpSyntaxError } from './errors.js';
import { formatMessage, formatMessages } from './codec/format.js';
import type { Message } from './codec/message.js';
import { LineParser } from './codec/parser.js';
import { deferred } from './util/deferred.js';
import type { Deferred } from './util/deferred.js';
import type { TrafficStats } from './util/traffic-stats.js';

export type { LatencySummary, TrafficSnapshot, TrafficStats, TrafficStatsOptions } from './util/traffic-stats.js';

/** What a {@link Connection} reports to: the client or the server. Called synchronously, in stream order. */
export interface ConnectionOwner {
  /** A complete message arrived. */
  onMessage(conn: Connection, msg: Message): void;
  /**
   * A line could not be parsed (the connection stays open), or the peer closed the stream in the
   * middle of a line (`no-newline`; the partial line is dropped).
   */
  onSyntaxError(conn: Connection, err: KatcpSyntaxError): void;
  /** The connection is closed; called exactly once, with the stream error if there was one. */
  onClose(conn: Connection, err?: Error): void;
  /**
   * The write backlog passed `maxBacklog` bytes (the peer is not reading fast enough). Called
   * once per excursion: again only after the backlog has dropped back to the limit or below.
   */
  onBacklogExceeded?(conn: Connection, backlog: number): void;
  /**
   * One of the callbacks above threw. The connection carries on. Without this method the error
   * is reported with `process.emitWarning` rather than lost or allowed to crash the process.
   */
  onHandlerError?(conn: Connection, err: unknown): void;
}

/** Options of {@link Connection}. */
export interface ConnectionOptions {
  /** Maximum incoming line length in bytes, including the line end (default 16 MiB). */
  maxLineLength?: number;
  /** Parse leniently, for devices built on the C library (see `LineParser`). */
  lenient?: boolean;
  /** Write backlog in bytes above which `onBacklogExceeded` is called (default Infinity). */
  maxBacklog?: number;
  /** Counts the lines and bytes read and written (several connections may share one). */
  stats?: TrafficStats | undefined;
}

/**
 * Lifecycle: `open`; `ending` after the peer's end of stream (messages already received are
 * still delivered, nothing more can be written); `closing` after `close()` (flushing, nothing
 * more is delivered); `closed` once `abort()` was called or the stream has closed.
 */
const State = { Open: 'open', Ending: 'ending', Closing: 'closing', Closed: 'closed' } as const;
type State = (typeof State)[keyof typeof State];

type Item = Message | KatcpSyntaxError;

/**
 * A KATCP connection over a byte stream.
 *
 * ```ts
 * const conn = new Connection(socket, { onMessage, onSyntaxError, onClose });
 * conn.write(Message.inform('hello'));
 * await conn.drain();
 * await conn.close();
 * ```
 */
export class Connection {
  readonly #stream: Duplex;
  readonly #owner: ConnectionOwner;
  readonly #parser: LineParser;
  readonly #maxBacklog: number;
  readonly #stats: TrafficStats | undefined;
  #state: State = State.Open;
  #error: Error | undefined;
  #remote = '';
  // True from the write that took the backlog past maxBacklog until it is back within it.
  #overBacklog = false;
  #paused = false;
  // Parsed items not yet delivered (while paused, or during delivery); #head is the next one.
  #queue: Item[] = [];
  #head = 0;
  #deliveryScheduled = false;
  #drainWaiters: Deferred<void>[] = [];
  // Messages passed to send() in this tick, written together on the next one.
  #batch: Message[] = [];
  readonly #closed = deferred<void>();

  /**
   * Start reading `stream` at once.
   * @param stream a connected `net.Socket` or any duplex byte stream
   * @param owner receives messages, syntax errors and the close
   * @param opts line limit, lenient parsing, write backlog limit
   */
  constructor(stream: Duplex, owner: ConnectionOwner, opts: ConnectionOptions = {}) {
    this.#stream = stream;
    this.#owner = owner;
    this.#parser = new LineParser({ maxLineLength: opts.maxLineLength, lenient: opts.lenient });
    this.#maxBacklog = opts.maxBacklog ?? Infinity;
    this.#stats = opts.stats;
    void this.remoteAddress;
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('error', this.#onError);
    stream.on('drain', this.#onDrain);
    stream.on('finish', this.#onFinish);
    stream.on('close', this.#onClose);
    if (stream.destroyed) queueMicrotask(this.#onClose);
  }

  /** The peer as `host:port` (`[::1]:7147` for IPv6), or `''` when the stream is not a socket. */
  get remoteAddress(): string {
    if (this.#remote === '') {
      const s = this.#stream as Partial<Socket>;
      const host = s.remoteAddress;
      const port = s.remotePort;
      if (typeof host === 'string' && typeof port === 'number') {
        this.#remote = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      }
    }
    return this.#remote;
  }

  /** Resolves once the connection is closed and `onClose` has run. Never rejects. */
  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  /** True once the connection can no longer be written to (closing, peer ended, or closed). */
  get isClosed(): boolean {
    return this.#state !== State.Open;
  }

  /** Bytes queued for writing, not yet taken by the operating system. */
  get backlog(): number {
    return this.#stream.writableLength;
  }

  /**
   * Send one message. Returns false, and drops the message, when the connection is closed or
   * closing; true otherwise (watch `backlog`, `drain()` and `onBacklogExceeded` for flow control).
   */
  write(msg: Message): boolean {
    if (!this.#writable) return false;
    this.#send(formatMessage(msg), 1);
    return true;
  }

  /**
   * Queue `msg` and write it, with every other message queued in this turn of the event loop, in
   * one socket write on the next tick: that runs once the microtask queue is empty, so the
   * messages sent by the promise continuations of one batch of replies go out together (a
   * microtask flush would go out before the continuations queued after it). What is queued when
   * the connection closes or starts closing is dropped.
   */
  send(msg: Message): void {
    if (this.#batch.push(msg) === 1) process.nextTick(this.#flushBatch);
  }

  readonly #flushBatch = (): void => {
    const out = this.#batch;
    this.#batch = [];
    if (out.length === 1) this.write(out[0] as Message);
    else this.writeMany(out);
  };

  /**
   * Send several messages as one write; an item that is bytes is an already formatted line (or
   * lines) and is written as it is. Returns false (all dropped) when closed, like {@link write}.
   */
  writeMany(msgs: readonly (Message | Uint8Array)[]): boolean {
    if (!this.#writable) return false;
    // A bytes item may hold several lines; it is counted as one message.
    if (msgs.length > 0) this.#send(formatMessages(msgs), msgs.length);
    return true;
  }

  /**
   * Resolves when the write buffer has drained below the stream's high-water mark (at once if it
   * is not above it).
   * @throws ConnectionClosedError (rejects) when the connection is or becomes closed before that
   */
  drain(): Promise<void> {
    const s = this.#stream;
    if (this.#state === State.Closed || s.destroyed) {
      return Promise.reject(new ConnectionClosedError('connection closed', { cause: this.#error }));
    }
    if (!s.writableNeedDrain) return Promise.resolve();
    const d = deferred<void>();
    this.#drainWaiters.push(d);
    return d.promise;
  }

  /** Stop reading and delivering messages (e.g. too many requests pending). */
  pause(): void {
    this.#paused = true;
    this.#stream.pause();
  }

  /** Restart reading; messages parsed while paused are delivered first, in a microtask. */
  resume(): void {
    this.#paused = false;
    this.#stream.resume();
    if (this.#head < this.#queue.length && !this.#deliveryScheduled) {
      this.#deliveryScheduled = true;
      queueMicrotask(this.#deliverLater);
    }
  }

  /**
   * Close gracefully: stop delivering, flush what was written, end the stream, then close it.
   * Resolves when closed. A peer that never reads can hold this up; use {@link abort} then.
   */
  close(): Promise<void> {
    if (this.#state === State.Open || this.#state === State.Ending) {
      this.#state = State.Closing;
      // Keep reading (and discarding) so the peer's data does not pile up unread.
      this.#paused = false;
      this.#stream.resume();
      this.#endWriting();
    }
    return this.#closed.promise;
  }

  /** Close at once, dropping unsent data. `err` is passed to `onClose`. */
  abort(err?: Error): void {
    if (this.#state === State.Closed) return;
    this.#state = State.Closed;
    if (err !== undefined) this.#error ??= err;
    this.#stream.destroy();
  }

  // Ends our side after flushing; once already flushed, only closing the stream is left to do.
  #endWriting(): void {
    const s = this.#stream;
    if (s.writableFinished) s.destroy();
    else if (!s.writableEnded) s.end();
  }

  get #writable(): boolean {
    const s = this.#stream;
    return this.#state === State.Open && !s.destroyed && !s.writableEnded;
  }

  #send(bytes: Buffer, messages: number): void {
    const s = this.#stream;
    this.#stats?.recordSentBatch(messages, bytes.length);
    const max = this.#maxBacklog;
    if (this.#overBacklog && s.writableLength <= max) this.#overBacklog = false;
    s.write(bytes);
    if (!this.#overBacklog && s.writableLength > max) {
      this.#overBacklog = true;
      const owner = this.#owner;
      if (owner.onBacklogExceeded !== undefined) {
        try {
          owner.onBacklogExceeded(this, s.writableLength);
        } catch (err) {
          this.#handlerError(err);
        }
      }
    }
  }

  #canDeliver(): boolean {
    return !this.#paused && (this.#state === State.Open || this.#state === State.Ending);
  }

  #enqueue(items: Item[]): void {
    if (this.#head >= this.#queue.length) {
      this.#queue = items;
      this.#head = 0;
    } else {
      for (const item of items) this.#queue.push(item);
    }
  }

  // Reads #queue and #head afresh each time round: an owner callback may pause, abort, or
  // (with a synchronous stream) cause more data to be fed and delivered re-entrantly.
  #deliver(): void {
    while (this.#head < this.#queue.length && this.#canDeliver()) {
      const item = this.#queue[this.#head++]!;
      try {
        if (item instanceof KatcpSyntaxError) this.#owner.onSyntaxError(this, item);
        else this.#owner.onMessage(this, item);
      } catch (err) {
        this.#handlerError(err);
      }
    }
    if (this.#head >= this.#queue.length && this.#queue.length > 0) {
      this.#queue = [];
      this.#head = 0;
    }
  }

  #handlerError(err: unknown): void {
    const owner = this.#owner;
    if (owner.onHandlerError !== undefined) {
      try {
        owner.onHandlerError(this, err);
        return;
      } catch (again) {
        err = again;
      }
    }
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.emitWarning(`exception in a KATCP connection handler (${this.remoteAddress}): ${text}`, 'KatcpWarning');
  }

  readonly #deliverLater = (): void => {
    this.#deliveryScheduled = false;
    this.#deliver();
  };

  readonly #onData = (chunk: Buffer | string): void => {
    if (this.#state === State.Closing || this.#state === State.Closed) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const items = this.#parser.feed(bytes);
    this.#stats?.recordReceivedBatch(items.length, bytes.length);
    if (items.length === 0) return;
    this.#enqueue(items);
    this.#deliver();
  };

  readonly #onEnd = (): void => {
    const partial = this.#parser.end();
    if (this.#state !== State.Open) return;
    this.#state = State.Ending;
    if (partial !== undefined) this.#enqueue([partial]);
    this.#deliver();
    // The protocol has no half-open connections: answer the peer's end with ours.
    this.#endWriting();
  };

  readonly #onError = (err: Error): void => {
    this.#error ??= err;
  };

  readonly #onDrain = (): void => {
    if (this.#stream.writableLength <= this.#maxBacklog) this.#overBacklog = false;
    this.#settleDrainWaiters();
  };

  readonly #onFinish = (): void => {
    // Everything written has been flushed.
    this.#settleDrainWaiters();
    if (this.#state !== State.Open) this.#stream.destroy();
  };

  #settleDrainWaiters(err?: Error): void {
    const waiters = this.#drainWaiters;
    if (waiters.length === 0) return;
    this.#drainWaiters = [];
    for (const d of waiters) {
      if (err === undefined) d.resolve();
      else d.reject(err);
    }
  }

  readonly #onClose = (): void => {
    if (this.#closed.settled) return;
    this.#state = State.Closed;
    this.#queue = [];
    this.#head = 0;
    this.#settleDrainWaiters(new ConnectionClosedError('connection closed', { cause: this.#error }));
    try {
      if (this.#error === undefined) this.#owner.onClose(this);
      else this.#owner.onClose(this, this.#error);
    } catch (err) {
      this.#handlerError(err);
    }
    this.#closed.resolve();
  };
}
