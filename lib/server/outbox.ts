/**
 * {@link Outbox}: one client's outgoing batch for the current event-loop turn. Messages are kept
 * as they are; `#sensor-status` lines are written straight into a byte chunk of the client's own
 * (consecutive lines form one run of that chunk), so an update costs no Buffer of its own and a
 * batch of lines goes to the socket without being copied again.
 * @module
 */
import type { Message } from '../codec/message.js';
import { formatMessages } from '../codec/format.js';
import type { Sensor } from '../sensor/sensor.js';
import type { Reading } from '../sensor/status.js';
import type { ServerDialect } from './dialect.js';
import { measureStatusLine, writeStatusLine } from './wire.js';

const LF = 0x0a;
/** Size of a client's line chunk; a larger one is made for a large batch and dropped after it. */
const CHUNK = 16 * 1024;
const MAX_CHUNK = 256 * 1024;

/** Lines in formatted wire bytes: every message ends in exactly one raw LF (arguments escape theirs). */
function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) n++;
  return n;
}

// The line written last, for the next client sampling the same reading (a sensor's observers run
// one after the other): it is copied from there instead of being formatted again. Chunks are
// only ever appended to, so the bytes stay valid; this pins at most one chunk.
let lastReading: Reading<unknown> | undefined;
let lastV4 = false;
let lastChunk: Buffer | undefined;
let lastStart = 0;
let lastEnd = 0;

/** One client's outgoing batch: messages and wire-form lines, in the order queued. */
export class Outbox {
  #items: (Message | Buffer)[] = [];
  #lines = 0;
  #async = false;
  // The chunk lines are written into: bytes before #runStart are queued or sent, never rewritten.
  #chunk: Buffer | undefined;
  #pos = 0;
  #runStart = 0;

  /** True when nothing is queued. */
  get isEmpty(): boolean {
    return this.#items.length === 0 && this.#pos === this.#runStart;
  }

  /** Lines queued. */
  get lines(): number {
    return this.#lines;
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

  /** Queues the `#sensor-status` line of `reading`. */
  statusLine(sensor: Sensor, reading: Reading<unknown>, dialect: ServerDialect, async: boolean): void {
    this.#lines++;
    if (async) this.#async = true;
    if (lastReading === reading && lastV4 === dialect.v4) {
      const n = lastEnd - lastStart;
      const src = lastChunk!;
      const out = this.#room(n);
      let pos = this.#pos;
      // A byte loop beats a native copy for a line this short.
      for (let i = lastStart; i < lastEnd; i++) out[pos++] = src[i]!;
      this.#pos = pos;
      return;
    }
    const out = this.#room(measureStatusLine(sensor, reading, dialect));
    const start = this.#pos;
    this.#pos = writeStatusLine(out, start);
    lastReading = reading;
    lastV4 = dialect.v4;
    lastChunk = out;
    lastStart = start;
    lastEnd = this.#pos;
  }

  /** The queued batch as one buffer (emptying the outbox), or undefined when empty. */
  take(): Buffer | undefined {
    this.#closeRun();
    const items = this.#items;
    this.#lines = 0;
    this.#async = false;
    if (items.length === 0) return undefined;
    this.#items = [];
    // A chunk grown for a large batch is not kept by an idle client.
    if (this.#chunk !== undefined && this.#chunk.length > CHUNK) this.#dropChunk();
    return formatMessages(items);
  }

  /** Drops everything queued. */
  clear(): void {
    this.#items = [];
    this.#lines = 0;
    this.#async = false;
    this.#dropChunk();
  }

  #dropChunk(): void {
    // Dropped rather than rewound: queued lines and the last line (see above) may still point into it.
    this.#chunk = undefined;
    this.#pos = this.#runStart = 0;
  }

  #closeRun(): void {
    if (this.#pos === this.#runStart) return;
    this.#items.push(this.#chunk!.subarray(this.#runStart, this.#pos));
    this.#runStart = this.#pos;
  }

  /** The chunk, with room for `n` more bytes at `#pos`. */
  #room(n: number): Buffer {
    const chunk = this.#chunk;
    if (chunk !== undefined && this.#pos + n <= chunk.length) return chunk;
    // The run goes on in a new chunk, sized after the batch so far so a large batch takes few.
    const queued = this.#pos - this.#runStart;
    this.#closeRun();
    const size = Math.max(n, Math.min(MAX_CHUNK, Math.max(CHUNK, 2 * queued)));
    const fresh = Buffer.allocUnsafe(size);
    this.#chunk = fresh;
    this.#pos = this.#runStart = 0;
    return fresh;
  }
}
