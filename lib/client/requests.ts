/**
 * Correlates requests with their replies and informs.
 *
 * With message ids (server flag `I`) every request gets a fresh id in 1..2^31-1 (wrapping, and
 * skipping ids still in use) and any number may be in flight. Without ids, replies and informs
 * can only be matched by name, so requests are serialised **per name**: requests with different
 * names run concurrently (their replies carry different names), while a second request with the
 * same name waits until the first is answered. A reply or inform without an id whose name
 * matches the in-flight request of that name belongs to it (an asynchronous inform that happens
 * to share the name is therefore collected too: the protocol cannot tell them apart).
 *
 * A request that times out or is aborted is removed at once. With an id, its late reply is
 * simply unknown and dropped. Without ids, the timed-out request stays at the head of its name's
 * queue as a *stale* entry that swallows the late reply (or expires after a grace period), so
 * that reply cannot be mistaken for the answer to the next request of the same name.
 * @module
 */
import type { Message } from '../codec/message.js';
import { KatcpAbortError, KatcpRangeError, KatcpTimeoutError } from '../errors.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { TrafficStats } from '../util/traffic-stats.js';
import { DeadlineQueue } from './deadline-queue.js';

/** Largest message id KATCP allows. */
export const MAX_MID = 2 ** 31 - 1;

/** Throw `KatcpRangeError` unless `mid` is an integer in 1..2^31-1. */
export function checkMid(mid: unknown, where: string): asserts mid is number {
  if (typeof mid !== 'number' || !Number.isInteger(mid) || mid < 1 || mid > MAX_MID) {
    throw new KatcpRangeError('mids', `${where}: message id ${String(mid)} is outside 1..${MAX_MID}`);
  }
}

/** Where message ids come from: the first id (then counting up, wrapping), or a generator of the next one. */
export type MidSource = number | ((previous: number | undefined) => number);

/** How often a generator may return ids still in use before allocation fails. */
const GENERATOR_TRIES = 1000;

/** Receives the outcome of one request. */
export interface RequestListener {
  /** Each inform of the request as it arrives (when absent, informs are collected). */
  onInform?: ((msg: Message) => void) | undefined;
  /** Called exactly once: with the reply and collected informs, or with an error. */
  onDone(err: Error | undefined, reply: Message | undefined, informs: Message[]): void;
}

/** Per-request settings. */
export interface StartOptions {
  /** Send with a message id. */
  useMid: boolean;
  /** Milliseconds until the request fails with `KatcpTimeoutError` (Infinity: never). */
  timeout: number;
  signal?: AbortSignal | undefined;
}

const QUEUED = 0;
const SENT = 1;
const STALE = 2;

class Pending {
  readonly request: Message;
  readonly listener: RequestListener;
  readonly timeout: number;
  readonly informs: Message[] = [];
  mid: number | undefined = undefined;
  phase: number = QUEUED;
  /** Monotonic ms of the timeout (Infinity: none); timed by the tracker's DeadlineQueue. */
  deadline = Infinity;
  queued = false;
  /** The grace timer of a stale entry. */
  timer: TimerHandle | undefined = undefined;
  /** Monotonic ms when the request went out (for the latency statistics). */
  sentAt = 0;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined = undefined;

  constructor(request: Message, listener: RequestListener, timeout: number, signal: AbortSignal | undefined) {
    this.request = request;
    this.listener = listener;
    this.timeout = timeout;
    this.signal = signal;
  }
}

/** Grace for a stale mid-less request whose timeout was infinite (aborted by a signal). */
const DEFAULT_STALE_GRACE = 10_000;

/**
 * The table of outstanding requests of one client. Survives reconnects (the message id counter
 * continues), but {@link RequestTracker.failAll} empties it when a connection ends.
 */
export class RequestTracker {
  readonly #clock: Clock;
  readonly #send: (msg: Message) => void;
  readonly #byMid = new Map<number, Pending>();
  readonly #byName = new Map<string, Pending[]>();
  readonly #stats: TrafficStats | undefined;
  readonly #generator: ((previous: number | undefined) => number) | undefined;
  readonly #deadlines: DeadlineQueue<Pending>;
  #nextMid = 1;
  #lastMid: number | undefined;
  #count = 0;

  /**
   * @param clock for timeouts
   * @param send writes a request to the current connection
   * @param mids the first message id to hand out (default 1), or a generator of ids
   * @param stats gets the latency of every answered request (from sending to the reply)
   */
  constructor(clock: Clock, send: (msg: Message) => void, mids: MidSource = 1, stats?: TrafficStats) {
    this.#clock = clock;
    this.#send = send;
    this.#stats = stats;
    this.#deadlines = new DeadlineQueue<Pending>(clock, (p) => this.#cancel(p, new KatcpTimeoutError(`request ?${p.request.name} timed out after ${p.timeout} ms`)));
    if (typeof mids === 'function') this.#generator = mids;
    else this.nextMid = mids;
  }

  /** The id given to the latest request sent with an id (m2com's `last_sequence_id`); undefined before. */
  get lastMid(): number | undefined {
    return this.#lastMid;
  }

  /** Number of requests awaiting a reply or waiting for their turn (stale entries excluded). */
  get size(): number {
    return this.#count;
  }

  /** The id the next request will try first (ids still in use are skipped). */
  get nextMid(): number {
    return this.#nextMid;
  }

  set nextMid(mid: number) {
    checkMid(mid, 'nextMid');
    this.#nextMid = mid;
  }

  /** Mids currently in use (for tests and diagnostics). */
  get midsInUse(): number {
    return this.#byMid.size;
  }

  /** Start a request. The listener's onDone runs exactly once, never synchronously from here. */
  start(request: Message, listener: RequestListener, opts: StartOptions): void {
    const p = new Pending(request, listener, opts.timeout, opts.signal);
    const signal = opts.signal;
    if (signal?.aborted) {
      queueMicrotask(() => listener.onDone(new KatcpAbortError(`request ?${request.name} aborted`, { cause: signal.reason }), undefined, []));
      return;
    }
    this.#count++;
    const now = this.#clock.monotonic();
    if (Number.isFinite(opts.timeout)) {
      p.deadline = now + opts.timeout;
      this.#deadlines.add(p);
    }
    if (signal !== undefined) {
      p.onAbort = () => this.#cancel(p, new KatcpAbortError(`request ?${request.name} aborted`, { cause: signal.reason }));
      signal.addEventListener('abort', p.onAbort, { once: true });
    }
    if (opts.useMid) {
      let mid: number;
      try {
        mid = this.#allocateMid();
      } catch (err) {
        this.#detach(p);
        this.#count--;
        queueMicrotask(() => listener.onDone(err as Error, undefined, []));
        return;
      }
      p.mid = mid;
      p.phase = SENT;
      p.sentAt = now;
      this.#byMid.set(mid, p);
      this.#send(request.withMid(mid));
      return;
    }
    const queue = this.#byName.get(request.name);
    if (queue === undefined) {
      this.#byName.set(request.name, [p]);
      p.phase = SENT;
      p.sentAt = now;
      this.#send(request.mid === undefined ? request : request.withMid(undefined));
    } else {
      queue.push(p);
    }
  }

  #allocateMid(): number {
    const generator = this.#generator;
    if (generator !== undefined) {
      for (let tries = 0; tries < GENERATOR_TRIES; tries++) {
        const mid = generator(this.#lastMid);
        checkMid(mid, 'the mids generator');
        if (!this.#byMid.has(mid)) return (this.#lastMid = mid);
      }
      throw new KatcpRangeError('mids', `the mids generator returned only ids still in use (${GENERATOR_TRIES} tries)`);
    }
    for (let tries = 0; tries < MAX_MID; tries++) {
      const mid = this.#nextMid;
      this.#nextMid = mid >= MAX_MID ? 1 : mid + 1;
      if (!this.#byMid.has(mid)) return (this.#lastMid = mid);
    }
    /* c8 ignore next */
    throw new RangeError('every message id is in use');
  }

  /**
   * Offer an incoming reply or inform. Returns true when it belonged to a request (or to a stale
   * one, and was dropped); false when the caller should treat it as unsolicited.
   * `onUnknownMid` is told about replies and informs carrying an id nobody waits for.
   */
  route(msg: Message, onUnknownMid?: (msg: Message) => void): boolean {
    const isReply = msg.mtype === '!';
    if (msg.mid !== undefined) {
      const p = this.#byMid.get(msg.mid);
      if (p === undefined) {
        onUnknownMid?.(msg);
        return true;
      }
      if (isReply) {
        this.#byMid.delete(msg.mid);
        this.#finish(p, undefined, msg);
      } else this.#inform(p, msg);
      return true;
    }
    const queue = this.#byName.get(msg.name);
    const head = queue?.[0];
    if (queue === undefined || head === undefined) return false;
    if (head.phase === STALE) {
      if (isReply) this.#advance(queue, head);
      return true;
    }
    if (isReply) {
      this.#finish(head, undefined, msg);
      this.#advance(queue, head);
    } else this.#inform(head, msg);
    return true;
  }

  #inform(p: Pending, msg: Message): void {
    const onInform = p.listener.onInform;
    if (onInform === undefined) p.informs.push(msg);
    else onInform(msg);
  }

  /** Drop the head of a name queue and send the next waiting request of that name. */
  #advance(queue: Pending[], head: Pending): void {
    if (head.phase === STALE) this.#clock.clearTimer(head.timer);
    queue.shift();
    const next = queue[0];
    if (next === undefined) {
      this.#byName.delete(head.request.name);
      return;
    }
    next.phase = SENT;
    next.sentAt = this.#clock.monotonic();
    this.#send(next.request.mid === undefined ? next.request : next.request.withMid(undefined));
  }

  #detach(p: Pending): void {
    this.#deadlines.remove(p);
    this.#clock.clearTimer(p.timer);
    p.timer = undefined;
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort);
    p.onAbort = undefined;
    p.signal = undefined;
  }

  #finish(p: Pending, err: Error | undefined, reply: Message | undefined): void {
    this.#detach(p);
    if (reply !== undefined) this.#stats?.recordLatency(this.#clock.monotonic() - p.sentAt);
    this.#count--;
    p.listener.onDone(err, reply, p.informs);
  }

  /** Timeout or abort of one request. */
  #cancel(p: Pending, err: Error): void {
    if (p.mid !== undefined) {
      if (this.#byMid.get(p.mid) !== p) return;
      this.#byMid.delete(p.mid);
      this.#finish(p, err, undefined);
      return;
    }
    const queue = this.#byName.get(p.request.name);
    const index = queue?.indexOf(p) ?? -1;
    if (queue === undefined || index < 0 || p.phase === STALE) return;
    if (p.phase === QUEUED) {
      queue.splice(index, 1);
      this.#finish(p, err, undefined);
      return;
    }
    // In flight without an id: keep a stale placeholder until the late reply arrives.
    this.#finish(p, err, undefined);
    p.phase = STALE;
    const grace = Number.isFinite(p.timeout) ? Math.max(1000, p.timeout) : DEFAULT_STALE_GRACE;
    p.timer = this.#clock.setTimer(() => {
      if (queue[0] === p) this.#advance(queue, p);
    }, grace);
  }

  /** Fail every outstanding request (the connection ended) and forget stale entries. */
  failAll(makeError: (request: Message) => Error): void {
    const all: Pending[] = [...this.#byMid.values()];
    for (const queue of this.#byName.values()) all.push(...queue);
    this.#byMid.clear();
    this.#byName.clear();
    for (const p of all) {
      if (p.phase === STALE) this.#clock.clearTimer(p.timer);
      else this.#finish(p, makeError(p.request), undefined);
    }
    this.#deadlines.clear();
  }
}
