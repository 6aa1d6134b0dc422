/**
 * The server's view of one client: its connection, an outgoing batch (messages queued in one
 * event-loop turn go out in one socket write), its sensor subscriptions (`subscriptions.ts`) and its requests in flight.
 * @module
 */
import type { Duplex } from 'node:stream';
import { Connection } from '../connection.js';
import type { ConnectionOwner } from '../connection.js';
import type { Message } from '../codec/message.js';
import type { Sensor } from '../sensor/sensor.js';
import type { SamplingStrategy } from '../sensor/strategy.js';
import type { LogLevel } from '../codec/log-level.js';
import type { KatcpSyntaxError } from '../errors.js';
import { ConnectionClosedError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { TrafficStats } from '../util/traffic-stats.js';
import type { TrafficSnapshot } from '../util/traffic-stats.js';
import type { RequestChannel, RequestContext } from './context.js';
import type { ServerDialect } from './dialect.js';
import { logInform } from './logging.js';
import { Outbox } from './outbox.js';
import { SamplingLock } from './sampling-lock.js';
import { Subscriptions } from './subscriptions.js';

/** What a {@link ClientConnection} needs from its server. */
export interface ClientOwner {
  readonly clock: Clock;
  /** The protocol the server speaks (wire forms of timestamps, statuses...). */
  readonly dialect: ServerDialect;
  /** Bytes of write backlog beyond which asynchronous messages disconnect the client. */
  readonly maxBacklog: number;
  /** The server's traffic totals; each client counts into these as well as its own. */
  readonly stats: TrafficStats;
  handleMessage(client: ClientConnection, msg: Message): void;
  handleSyntaxError(client: ClientConnection, err: KatcpSyntaxError): void;
  clientClosed(client: ClientConnection, err?: Error): void;
  /** The client's backlog passed `maxBacklog` after an asynchronous message. */
  clientTooSlow(client: ClientConnection, backlog: number): void;
  /** A sampler's timer-driven send failed. */
  samplerError(client: ClientConnection, err: unknown): void;
}

/** Backlog (bytes) above which `drain()` waits, like asyncio's default high-water mark. */
export const DRAIN_HIGH_WATER = 64 * 1024;

/**
 * Latency samples each client keeps (the server's totals keep 1000): a smaller window keeps a
 * client's statistics at about 4 KiB, for servers with thousands of clients.
 */
export const CLIENT_LATENCY_SAMPLES = 256;

/** One client's traffic: {@link TrafficSnapshot} plus who it is and its requests in flight. */
export interface ClientTrafficSnapshot extends TrafficSnapshot {
  /** The client's `host:port`. */
  readonly address: string;
  /** Requests being handled for this client now. */
  readonly requestsInFlight: number;
}

/** One connected client, as the server sees it. */
export class ClientConnection implements ConnectionOwner, RequestChannel {
  readonly #owner: ClientOwner;
  readonly #conn: Connection;
  readonly #outbox: Outbox;
  #flushQueued = false;
  readonly #subscriptions: Subscriptions;
  // Active while a ?sensor-sampling request is committing: its initial-value burst is drained in
  // batches, so the slow-client check is suspended meanwhile (as aiokatcp does).
  readonly #samplingLock = new SamplingLock();
  // Each request in flight, with the monotonic time its handling started (for the latency).
  readonly #requests = new Map<RequestContext, number>();
  readonly #stats: TrafficStats;
  // True while the socket's current chunk is parsed and delivered (see the constructor).
  #inChunk = false;
  // Reused for every flush, so writing a batch allocates nothing beyond its bytes.
  readonly #oneWrite: Buffer[] = [];
  // Requests read while `maxPending` were in flight, started in order as slots free up.
  readonly #parked: RequestContext[] = [];
  #parkedHead = 0;
  // Set by pause(), cleared by resume(): only the maxPending limit pauses the connection.
  #paused = false;
  /**
   * @param stream the accepted socket
   * @param owner the server
   * @param opts connection limits
   */
  constructor(stream: Duplex, owner: ClientOwner, opts: { maxLineLength?: number }) {
    this.#owner = owner;
    // The outbox's statusLine is the samplers' send: every update of every sampled sensor runs
    // it, so it asks the connection nothing. Lines queued after the connection closed are
    // dropped by the flush (see flush()); the outbox asks the sampling lock (initial values sent
    // as a ?sensor-sampling commits are exempt from the slow-client check) only until its batch
    // is asynchronous, and calls back to schedule the flush once per batch.
    this.#outbox = new Outbox(owner.dialect, this.#samplingLock, () => this.#scheduleFlush());
    this.#subscriptions = new Subscriptions(this.#outbox.statusLine, owner.clock, {
      onError: (err: unknown): void => {
        owner.samplerError(this, err);
      },
    });
    this.#stats = new TrafficStats(owner.clock, { latencySamples: CLIENT_LATENCY_SAMPLES });
    this.#conn = new Connection(stream, this, opts.maxLineLength === undefined ? {} : { maxLineLength: opts.maxLineLength });
    // Bytes are counted per chunk read from the socket (one clock reading), before the
    // connection's own listener parses and delivers its messages; messages are counted as they
    // are delivered, at that reading while inside the chunk's event (#inChunk, cleared by the
    // listener after the connection's), at a reading of their own otherwise (after a resume).
    stream.prependListener('data', (chunk: Buffer | string) => {
      const n = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      this.#stats.recordReceivedBatch(0, n);
      owner.stats.recordReceivedBatch(0, n);
      this.#inChunk = true;
    });
    stream.on('data', () => {
      this.#inChunk = false;
    });
  }

  /** This client's traffic so far: messages, bytes, latency, receive rate, requests in flight. */
  get stats(): ClientTrafficSnapshot {
    return { ...this.#stats.snapshot(), address: this.address, requestsInFlight: this.#requests.size };
  }

  /** The client's `host:port`. */
  get address(): string {
    return this.#conn.remoteAddress;
  }

  /** True once the connection is closed. */
  get isClosed(): boolean {
    return this.#conn.isClosed;
  }

  /** Bytes waiting to be written (queued batch not included). */
  get backlog(): number {
    return this.#conn.backlog;
  }

  /** Number of sensors this client samples. */
  get samplerCount(): number {
    return this.#subscriptions.size;
  }

  // ConnectionOwner

  /** @internal */
  onMessage(_conn: Connection, msg: Message): void {
    this.#countReceived();
    this.#owner.handleMessage(this, msg);
  }

  /** @internal */
  onSyntaxError(_conn: Connection, err: KatcpSyntaxError): void {
    this.#countReceived();
    this.#owner.handleSyntaxError(this, err);
  }

  #countReceived(): void {
    if (this.#inChunk) {
      this.#stats.recordReceivedWithLast(1);
      this.#owner.stats.recordReceivedWithLast(1);
    } else {
      this.#stats.recordReceivedBatch(1, 0);
      this.#owner.stats.recordReceivedBatch(1, 0);
    }
  }

  /** @internal */
  onClose(_conn: Connection, err?: Error): void {
    this.#outbox.clear();
    this.clearSamplers();
    this.cancelRequests(new ConnectionClosedError('client disconnected', err === undefined ? undefined : { cause: err }), false);
    this.#owner.clientClosed(this, err);
  }

  // Writing

  /**
   * Queues a message that answers a request (never counted against the backlog limit), or bytes
   * already in wire form (whole lines).
   */
  send(msg: Message | Buffer): void {
    if (this.#conn.isClosed) return;
    if (msg instanceof Uint8Array) this.#outbox.bytes(msg, false);
    else this.#outbox.message(msg, false);
    this.#scheduleFlush();
  }

  /**
   * Queues an asynchronous message (`#sensor-status`, `#log`, ...), or its lines already in wire
   * form, subject to the backlog limit.
   */
  sendAsync(msg: Message | Buffer): void {
    if (this.#conn.isClosed) return;
    if (msg instanceof Uint8Array) this.#outbox.bytes(msg, true);
    else this.#outbox.message(msg, true);
    this.#scheduleFlush();
  }

  /**
   * Queues `#log <level> <now> <logger> <text>` for this client only (a message about its own
   * traffic: a syntax error, a handler error after the reply), in the server's dialect.
   */
  sendLog(level: Exclude<LogLevel, 'all' | 'off'>, logger: string, text: string): void {
    this.send(logInform(level, this.#owner.clock.now(), logger, text, this.#owner.dialect));
  }

  /** Writes the queued batch now (one socket write). */
  flush(): void {
    const outbox = this.#outbox;
    if (outbox.isEmpty) return;
    const lines = outbox.lines;
    const checkBacklog = outbox.async && !this.#samplingLock.active;
    if (this.#conn.isClosed) {
      outbox.clear();
      return;
    }
    // Formatted here rather than in the connection, so the bytes and lines sent can be counted.
    const bytes = outbox.take()!;
    const one = this.#oneWrite;
    one[0] = bytes;
    const written = this.#conn.writeMany(one);
    one.length = 0;
    if (written) {
      this.#stats.recordSentBatch(lines, bytes.length);
      this.#owner.stats.recordSentBatch(lines, bytes.length);
    }
    if (checkBacklog) {
      const backlog = this.#conn.backlog;
      if (backlog > this.#owner.maxBacklog) this.#owner.clientTooSlow(this, backlog);
    }
  }

  /**
   * Flushes, then, when more than `highWater` bytes are waiting, waits for the socket to drain.
   * Resolves (does not reject) when the connection closes.
   */
  async drain(highWater = DRAIN_HIGH_WATER): Promise<void> {
    this.flush();
    if (this.#conn.isClosed || this.#conn.backlog <= highWater) return;
    try {
      await this.#conn.drain();
    } catch (err) {
      if (!(err instanceof ConnectionClosedError)) throw err;
    }
  }

  // At the end of the event-loop turn rather than in a microtask: requests whose replies come
  // out of promise chains (a pipelined run of ?sensor-sampling, each waiting for the sampling
  // lock) would otherwise each get a socket write of their own.
  #scheduleFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(this.#flushLater);
  }

  readonly #flushLater = (): void => {
    this.#flushQueued = false;
    this.flush();
  };

  // Requests

  /** Records a request in flight. */
  addRequest(ctx: RequestContext): void {
    this.#requests.set(ctx, this.#owner.clock.monotonic());
  }

  /**
   * Forgets a finished request and records its latency: from the start of its handling until
   * its reply was handed over (after the client took most of it, when its backlog was high).
   */
  removeRequest(ctx: RequestContext): void {
    const start = this.#requests.get(ctx);
    if (start === undefined) return;
    this.#requests.delete(ctx);
    const ms = this.#owner.clock.monotonic() - start;
    this.#stats.recordLatency(ms);
    this.#owner.stats.recordLatency(ms);
  }

  /** Number of requests being handled. */
  get inFlight(): number {
    return this.#requests.size;
  }

  /** Number of requests waiting for a free slot. */
  get parkedCount(): number {
    return this.#parked.length - this.#parkedHead;
  }

  /** Queues a request until a slot frees up. */
  park(ctx: RequestContext): void {
    this.#parked.push(ctx);
  }

  /** The oldest parked request, removed from the queue. */
  takeParked(): RequestContext | undefined {
    if (this.#parkedHead >= this.#parked.length) return undefined;
    const ctx = this.#parked[this.#parkedHead++];
    if (this.#parkedHead === this.#parked.length) {
      this.#parked.length = 0;
      this.#parkedHead = 0;
    }
    return ctx;
  }

  /** Cancels every request in flight and every parked one (see {@link RequestContext.cancel}). */
  cancelRequests(reason: Error, reply: boolean): void {
    // A cancelled request leaves the map at once, so walk a copy.
    for (const ctx of [...this.#requests.keys()]) ctx.cancel(reason, reply);
    for (let ctx = this.takeParked(); ctx !== undefined; ctx = this.takeParked()) ctx.cancel(reason, reply);
  }

  // Sampling

  /** The strategy this client uses for `sensor` (`none` when not sampled). */
  strategyOf(sensor: Sensor): SamplingStrategy {
    return this.#subscriptions.strategyOf(sensor);
  }

  /**
   * How many sensors the server has dropped (removed or replaced) so far while this client was
   * connected: unchanged since a lookup means the sensors looked up are still the server's.
   */
  get sensorDrops(): number {
    return this.#subscriptions.drops;
  }

  /**
   * Replaces the subscription of `sensor` (ending the old one). It sends the current reading at
   * once; `none` just removes the subscription.
   * @param keep false to send the initial reading but not keep the subscription (the sensor
   *   was removed from the server meanwhile)
   */
  setStrategy(sensor: Sensor, strategy: SamplingStrategy, keep = true): void {
    this.#subscriptions.set(sensor, strategy, keep && !this.#conn.isClosed);
  }

  /** Stops sampling `sensor` (it left the server). */
  dropSensor(sensor: Sensor): void {
    this.#subscriptions.drop(sensor);
  }

  /** Stops sampling every sensor. */
  clearSamplers(): void {
    this.#subscriptions.clear();
  }

  /**
   * Runs `fn` holding this client's sampling lock (one `?sensor-sampling` at a time per client),
   * with the slow-client check suspended. When the lock is free and `fn` is synchronous, so is
   * this (no promise per request); otherwise it returns a promise.
   */
  withSamplingLock<T>(fn: () => Promise<T> | T): Promise<T> | T {
    return this.#samplingLock.run(fn);
  }


  // Lifecycle

  /** Stops reading requests (the server's `maxPending` limit). */
  pause(): void {
    this.#paused = true;
    this.#conn.pause();
  }

  /** Resumes reading requests after {@link pause} (nothing to do otherwise: called as each request ends). */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#conn.resume();
  }

  /** Flushes what is queued, then closes gracefully. */
  async close(): Promise<void> {
    this.flush();
    await this.#conn.close();
  }

  /** Drops the connection at once (queued messages are lost). */
  abort(err?: Error): void {
    this.#outbox.clear();
    this.#conn.abort(err);
  }

  /** Resolves once the connection is closed. */
  get closed(): Promise<void> {
    return this.#conn.closed;
  }
}
