/**
 * {@link Outbox}: one client's outgoing batch for the current event-loop turn. Messages are kept
 * as they are; `#sensor-status` lines are written straight into a byte chunk of the client's own
 * when the batch is taken (consecutive lines form one run of that chunk), so an update costs no
 * Buffer of its own and a batch of lines goes to the socket without being copied again.
 * @module
 */
import type { Message } from '../codec/message.js';
import { formatMessages } from '../codec/format.js';
import type { Sensor } from '../sensor/sensor.js';
import type { Reading } from '../sensor/status.js';
import type { ServerDialect } from './dialect.js';
import { measureStatusLine, sensorStatusLine, writeStatusLine } from './wire.js';

const LF = 0x0a;
/** Size of a client's line chunk; a larger one is made for a large batch and dropped after it. */
const CHUNK = 16 * 1024;
const MAX_CHUNK = 256 * 1024;
const NEVER = Object.freeze({ active: false });
const NOTHING = (): void => undefined;

/** Lines in formatted wire bytes: every message ends in exactly one raw LF (arguments escape theirs). */
function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) n++;
  return n;
}

/** A run of `#sensor-status` lines queued between two other items: pairs `from..to` of the pending list. */
class LineRun {
  readonly from: number;
  readonly to: number;

  constructor(from: number, to: number) {
    this.from = from;
    this.to = to;
  }
}

/**
 * One client's outgoing batch: messages and wire-form lines, in the order queued.
 * `#sensor-status` lines are only recorded (sensor and reading) when queued and formatted when
 * the batch is taken (a reading is frozen, so the bytes are the same): a sensor update costs its
 * caller no formatting, and a batch's lines are formatted in one tight loop.
 */
export class Outbox {
  readonly #dialect: ServerDialect;
  readonly #exempt: { readonly active: boolean };
  readonly #onFirstLine: () => void;
  #items: (Message | Buffer | LineRun)[] = [];
  // Sensor, reading, sensor, reading... of the status lines queued; #runFrom starts the open run.
  #pending: (Sensor | Reading<unknown>)[] = [];
  #runFrom = 0;
  // Lines of the messages and bytes queued (each status line is a pair of #pending).
  #lines = 0;
  #async = false;
  // The chunk lines are written into: bytes before #pos are queued or sent, never rewritten.
  #chunk: Buffer | undefined;
  #pos = 0;

  /**
   * @param dialect the wire form of the lines (the server's)
   * @param exempt while `exempt.active`, status lines queued are not subject to the slow-client
   *   check (the client's sampling lock: initial values sent as a `?sensor-sampling` commits)
   * @param onFirstLine called when the first status line of a batch is queued (the owner
   *   schedules the flush; it may be called when one is already scheduled)
   */
  constructor(dialect: ServerDialect, exempt: { readonly active: boolean } = NEVER, onFirstLine: () => void = NOTHING) {
    this.#dialect = dialect;
    this.#exempt = exempt;
    this.#onFirstLine = onFirstLine;
  }

  /** True when nothing is queued. */
  get isEmpty(): boolean {
    return this.#items.length === 0 && this.#pending.length === this.#runFrom;
  }

  /** Lines queued. */
  get lines(): number {
    return this.#lines + (this.#pending.length >> 1);
  }

  /** True when something queued is asynchronous (subject to the slow-client check). */
  get async(): boolean {
    return this.#async;
  }

  /** Queues a message. */
  message(msg: Message, async: boolean): void {
    this.#closeRun();
    this.#items.push(msg);
    this.#lines++;
    if (async) this.#async = true;
  }

  /** Queues bytes already in wire form (whole lines). */
  bytes(bytes: Buffer, async: boolean): void {
    this.#closeRun();
    this.#items.push(bytes);
    this.#lines += countLines(bytes);
    if (async) this.#async = true;
  }

  /**
   * Queues the `#sensor-status` line of `reading` (a bound function: a sampler's send):
   * asynchronous unless queued while the exemption given to the constructor is active.
   */
  readonly statusLine = (sensor: Sensor, reading: Reading<unknown>): void => {
    // Bound, so that it is a sampler's send itself: every update of a sampled sensor runs
    // this, in a fresh process unoptimised, where each call costs as much as this body.
    const pending = this.#pending;
    pending.push(sensor, reading);
    // Asked only until the batch is asynchronous (the exemption's getter is a call).
    if (!this.#async && !this.#exempt.active) this.#async = true;
    // #pending is emptied only when a batch is taken or dropped.
    if (pending.length === 2) this.#onFirstLine();
  };

  /** The queued batch as one buffer (emptying the outbox), or undefined when empty. */
  take(): Buffer | undefined {
    this.#closeRun();
    const items = this.#items;
    this.#lines = 0;
    this.#async = false;
    if (items.length === 0) return undefined;
    this.#items = [];
    const out: (Message | Buffer)[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item instanceof LineRun) this.#format(item.from, item.to, out);
      else out.push(item);
    }
    this.#pending = [];
    this.#runFrom = 0;
    // A chunk grown for a large batch is not kept by an idle client.
    if (this.#chunk !== undefined && this.#chunk.length > CHUNK) this.#dropChunk();
    return formatMessages(out);
  }

  /** Drops everything queued. */
  clear(): void {
    this.#items = [];
    this.#pending = [];
    this.#runFrom = 0;
    this.#lines = 0;
    this.#async = false;
    this.#dropChunk();
  }

  #dropChunk(): void {
    // Dropped rather than rewound: lines taken earlier may still be waiting in the socket.
    this.#chunk = undefined;
    this.#pos = 0;
  }

  #closeRun(): void {
    const to = this.#pending.length;
    if (to === this.#runFrom) return;
    this.#items.push(new LineRun(this.#runFrom, to));
    this.#runFrom = to;
  }

  /** Formats the lines of pairs `from..to` into the chunk, pushing the bytes to `out`. */
  #format(from: number, to: number, out: (Message | Buffer)[]): void {
    const pending = this.#pending;
    const dialect = this.#dialect;
    let chunk = this.#chunk;
    let start = this.#pos;
    let pos = start;
    for (let i = from; i < to; i += 2) {
      const sensor = pending[i] as Sensor;
      const reading = pending[i + 1] as Reading<unknown>;
      // A sensor sampled by several clients is formatted once per reading (and copied).
      const shared = sensor.observerCount > 1 ? sensorStatusLine(sensor, reading, dialect) : undefined;
      const n = shared !== undefined ? shared.length : measureStatusLine(sensor, reading, dialect);
      if (chunk === undefined || pos + n > chunk.length) {
        if (pos > start) out.push(chunk!.subarray(start, pos));
        // Sized for the rest of the run, so a large batch takes few chunks.
        chunk = Buffer.allocUnsafe(Math.max(n, Math.min(MAX_CHUNK, Math.max(CHUNK, ((to - i) >> 1) * (n + 8)))));
        start = pos = 0;
      }
      if (shared === undefined) pos = writeStatusLine(chunk, pos);
      else {
        // A byte loop beats a native copy for a line this short.
        for (let k = 0; k < n; k++) chunk[pos + k] = shared[k]!;
        pos += n;
      }
    }
    if (pos > start) out.push(chunk!.subarray(start, pos));
    this.#chunk = chunk;
    this.#pos = pos;
  }
}
