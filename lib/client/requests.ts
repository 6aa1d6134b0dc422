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
import { MAX_MID } from '../codec/scan.js';
import { KatcpAbortError, KatcpTimeoutError } from '../errors.js';
import type { CallOptions } from '../util/abort.js';
import type { Clock } from '../util/clock.js';
import type { TrafficStats } from '../util/traffic-stats.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { ClientLogger } from './logger.js';
import { MidAllocator, MidTable } from './mids.js';
import type { ClientSettings, RequestOptions } from './options.js';
import { PendingRequest as Pending, QUEUED, SENT, STALE, promiseOf } from './pending-request.js';
import type { RequestListener, RequestSink, Settlement } from './pending-request.js';
import { interpretReply } from './reply.js';
import type { RawRequestResult, RequestResult } from './reply.js';

export { MAX_MID };
export type { RequestListener, RequestSink } from './pending-request.js';

/** What the tracker takes from the client's settings (`requestTimeout` and `hintMargin` give default timeouts). */
export type TrackerSettings = Pick<ClientSettings, 'clock' | 'logger' | 'mids' | 'requestTimeout' | 'hintMargin'>;

const NO_HINTS: ReadonlyMap<string, number> = new Map();
const SETTLED = Promise.resolve();

/** Grace for a stale mid-less request whose timeout was infinite (aborted by a signal). */
const DEFAULT_STALE_GRACE = 10_000;

/**
 * The table of outstanding requests of one client, and the one place a request's defaults are
 * worked out: the message id mode and the timeout-hint table of the connection (set by the
 * negotiator when the protocol is decided, not looked up per request) and the default timeout.
 * Survives reconnects (the message id counter continues), but {@link RequestTracker.failAll}
 * empties it when a connection ends.
 */
export class RequestTracker {
  readonly #clock: Clock;
  readonly #logger: ClientLogger;
  readonly #requestTimeout: number;
  readonly #hintMargin: number;
  readonly #byMid = new MidTable<Pending>();
  readonly #byName = new Map<string, Pending[]>();
  readonly #stats: TrafficStats | undefined;
  readonly #mids: MidAllocator;
  readonly #deadlines: DeadlineQueue<Pending>;
  // The connection requests go to while the client is connected (its single writer: the client's state machine).
  #target: RequestSink | undefined;
  #useMid = false;
  #hints: ReadonlyMap<string, number> = NO_HINTS;
  #count = 0;
  // The clock's time for this turn (see #now), while #timeValid.
  #time = 0;
  #timeValid = false;

  /**
   * @param settings clock, logger, message ids, default timeout and hint margin
   * @param stats gets the latency of every answered request (from sending to the reply)
   */
  constructor(settings: TrackerSettings, stats?: TrafficStats) {
    this.#clock = settings.clock;
    this.#logger = settings.logger;
    this.#requestTimeout = settings.requestTimeout;
    this.#hintMargin = settings.hintMargin;
    this.#stats = stats;
    this.#deadlines = new DeadlineQueue<Pending>(this.#clock, (p) => this.#cancel(p, new KatcpTimeoutError(`request ?${p.name} timed out after ${p.timeout} ms`)));
    this.#mids = new MidAllocator(settings.mids);
  }

  /** The id given to the latest request sent with an id (m2com's `last_sequence_id`); undefined before. */
  get lastMid(): number | undefined {
    return this.#mids.last;
  }

  /** Number of requests awaiting a reply or waiting for their turn (stale entries excluded). */
  get size(): number {
    return this.#count;
  }

  /** The id the next request will try first (ids still in use are skipped). */
  get nextMid(): number {
    return this.#mids.next;
  }

  set nextMid(mid: number) {
    this.#mids.next = mid;
  }

  /** Mids currently in use (for tests and diagnostics). */
  get midsInUse(): number {
    return this.#byMid.size;
  }

  /**
   * The names with a request in flight or waiting without a message id (a live view, the same
   * map for the tracker's life): a mid-less reply or inform of any other name is not a request's.
   */
  get namesInFlight(): ReadonlyMap<string, unknown> {
    return this.#byName;
  }

  /** True while requests are accepted (see {@link open}). */
  get isOpen(): boolean {
    return this.#target !== undefined;
  }

  /** The connection's protocol is decided: send with message ids or not; default timeouts from `hints` (seconds). */
  setProtocol(useMid: boolean, hints: ReadonlyMap<string, number>): void {
    this.#useMid = useMid;
    this.#hints = hints;
  }

  /** The client is connected: requests are accepted and go to `target` until {@link failAll}. */
  open(target: RequestSink): void {
    this.#target = target;
  }

  /**
   * Start a request whose outcome goes to `listener` (onDone runs exactly once, never
   * synchronously from here). Returns false, doing nothing, when not {@link open} and no `via`.
   * @param via the connection to write to before the client is open (negotiation's requests)
   */
  start(request: Message, listener: RequestListener, opts: CallOptions, via?: RequestSink): boolean {
    const sink = via ?? this.#target;
    if (sink === undefined) return false;
    this.#begin(new Pending(request.name, request.arguments, listener, listener.onInform, this.#timeout(request.name, opts.timeout), opts.signal, sink));
    return true;
  }

  /**
   * Start the request `?name args...` (`args` already encoded, `name` checked) and return a
   * promise of its reply and informs (`opts.onInform`, if given, gets the informs instead; its
   * exceptions are logged). With `settlement` `'interpreted'`, the reply is interpreted as
   * `interpretReply` does (a `fail` reply rejects): one promise and one result object per request
   * instead of two of each. The message is built once its id is known. Undefined when not
   * {@link open}.
   */
  request(name: string, args: Buffer[], opts: RequestOptions, settlement: Settlement = 'raw'): Promise<RawRequestResult | RequestResult> | undefined {
    const sink = this.#target;
    if (sink === undefined) return undefined;
    const p = new Pending(name, args, undefined, opts.onInform, this.#timeout(name, opts.timeout), opts.signal, sink);
    p.interpret = settlement === 'interpreted';
    const promise = promiseOf(p);
    this.#begin(p);
    return promise;
  }

  /** The timeout given, else the hint for `name` plus the margin, else the client's default. */
  #timeout(name: string, timeout: number | undefined): number {
    if (timeout !== undefined) return timeout;
    const hint = this.#hints.get(name);
    return hint === undefined ? this.#requestTimeout : hint * 1000 + this.#hintMargin;
  }

  /**
   * The clock's monotonic time for routing replies, read once per turn: the first read is kept
   * until the microtasks queued so far have run. A chunk of 100 replies at 100 in flight shared
   * 100 reads of `performance.now()` at ~80 ns each. Starting a request reads the clock itself:
   * a reading kept across the caller's synchronous work would make its deadline early.
   */
  #now(): number {
    if (this.#timeValid) return this.#time;
    this.#timeValid = true;
    void SETTLED.then(this.#endTurn);
    return (this.#time = this.#clock.monotonic());
  }

  readonly #endTurn = (): void => {
    this.#timeValid = false;
  };

  #begin(p: Pending): void {
    const signal = p.signal;
    if (signal?.aborted) {
      const err = new KatcpAbortError(`request ?${p.name} aborted`, { cause: signal.reason });
      queueMicrotask(() => this.#settle(p, err, undefined));
      return;
    }
    this.#count++;
    const now = this.#clock.monotonic();
    if (Number.isFinite(p.timeout)) {
      p.deadline = now + p.timeout;
      this.#deadlines.add(p);
    }
    if (signal !== undefined) {
      p.onAbort = () => this.#cancel(p, new KatcpAbortError(`request ?${p.name} aborted`, { cause: signal.reason }));
      signal.addEventListener('abort', p.onAbort, { once: true });
    }
    if (this.#useMid) {
      let mid: number;
      try {
        mid = this.#mids.allocate(this.#byMid);
      } catch (err) {
        this.#detach(p);
        this.#count--;
        queueMicrotask(() => this.#settle(p, err as Error, undefined));
        return;
      }
      p.mid = mid;
      p.phase = SENT;
      p.sentAt = now;
      this.#byMid.set(mid, p);
      p.send(mid);
      return;
    }
    const queue = this.#byName.get(p.name);
    if (queue === undefined) {
      this.#byName.set(p.name, [p]);
      p.phase = SENT;
      p.sentAt = now;
      p.send(undefined);
    } else {
      queue.push(p);
    }
  }

  /**
   * Offer an incoming reply or inform. Returns true when it belonged to a request (or to a stale
   * one, and was dropped); false when the caller should treat it as unsolicited.
   * `onUnknownMid` is told about replies and informs carrying an id nobody waits for.
   */
  route(msg: Message, onUnknownMid?: (msg: Message) => void): boolean {
    const isReply = msg.mtype === '!';
    // Read once: a parsed message's getters decode from its line's table each time.
    const mid = msg.mid;
    if (mid !== undefined) {
      const p = this.#byMid.get(mid);
      if (p === undefined) {
        onUnknownMid?.(msg);
        return true;
      }
      if (isReply) {
        this.#byMid.delete(mid);
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
    const onInform = p.onInform;
    if (onInform === undefined) {
      p.informs.push(msg);
      return;
    }
    try {
      onInform(msg);
    } catch (err) {
      this.#logger.error(`the onInform callback of ?${p.name} threw`, err);
    }
  }

  /** Drop the head of a name queue and send the next waiting request of that name. */
  #advance(queue: Pending[], head: Pending): void {
    if (head.phase === STALE) this.#clock.clearTimer(head.timer);
    queue.shift();
    const next = queue[0];
    if (next === undefined) {
      this.#byName.delete(head.name);
      return;
    }
    next.phase = SENT;
    next.sentAt = this.#now();
    next.send(undefined);
  }

  #detach(p: Pending): void {
    if (p.queued) this.#deadlines.remove(p);
    if (p.timer !== undefined) {
      this.#clock.clearTimer(p.timer);
      p.timer = undefined;
    }
    if (p.onAbort !== undefined) {
      p.signal?.removeEventListener('abort', p.onAbort);
      p.onAbort = undefined;
    }
    p.signal = undefined;
  }

  #finish(p: Pending, err: Error | undefined, reply: Message | undefined): void {
    this.#detach(p);
    if (reply !== undefined) this.#stats?.recordLatency(this.#now() - p.sentAt);
    this.#count--;
    this.#settle(p, err, reply);
  }

  #settle(p: Pending, err: Error | undefined, reply: Message | undefined): void {
    const listener = p.listener;
    if (listener !== undefined) {
      listener.onDone(err, reply, p.informs);
      return;
    }
    const { resolve, reject } = p;
    // Settled once: the entry no longer holds the promise (nor, through it, the reply).
    p.resolve = undefined;
    p.reject = undefined;
    if (err !== undefined) reject?.(err);
    else if (!p.interpret) resolve?.({ reply: reply as Message, informs: p.informs });
    else {
      let result: RequestResult;
      try {
        result = interpretReply(p.name, reply as Message, p.informs);
      } catch (failed) {
        reject?.(failed as Error);
        return;
      }
      resolve?.(result);
    }
  }

  /** Timeout or abort of one request. */
  #cancel(p: Pending, err: Error): void {
    if (p.mid !== undefined) {
      if (this.#byMid.get(p.mid) !== p) return;
      this.#byMid.delete(p.mid);
      this.#finish(p, err, undefined);
      return;
    }
    const queue = this.#byName.get(p.name);
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

  /**
   * The connection ended: stop accepting requests (until the next {@link open}), fail every
   * outstanding request and forget stale entries.
   */
  failAll(makeError: (request: { readonly name: string }) => Error): void {
    this.#target = undefined;
    const all: Pending[] = this.#byMid.values();
    for (const queue of this.#byName.values()) all.push(...queue);
    this.#byMid.clear();
    this.#byName.clear();
    for (const p of all) {
      if (p.phase === STALE) this.#clock.clearTimer(p.timer);
      else this.#finish(p, makeError(p), undefined);
    }
    this.#deadlines.clear();
  }
}
