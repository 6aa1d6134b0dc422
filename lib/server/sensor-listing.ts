/**
 * The bytes of a `?sensor-list` / `?sensor-value` reply: one `#name[mid]` inform per sensor and,
 * with the last batch, `!name[mid] ok <n>`, written straight into one buffer per batch.
 * A `#sensor-list` inform copies the sensor's cached wire form; a `#sensor-value` inform is
 * formatted from the current reading into the buffer (measured and written by `wire.ts`), which
 * costs less than looking up, slicing and copying a cached line, and needs no reading to have
 * been formatted before (by a push to several clients, say).
 * @module
 */
import type { Sensor } from '../sensor/sensor.js';
import type { ServerDialect } from './dialect.js';
import { measureStatusLine, sensorListTail, writeStatusLine } from './wire.js';

/** Bytes of `#sensor-status` at the start of a status line; a `#sensor-value` inform's tail follows them. */
const STATUS_HEAD = '#sensor-status'.length;
const LF = 0x0a;

/** What a listing shows of each sensor. */
export type ListingKind = 'list' | 'value';

// A status line is formatted here and its tail copied out (building is synchronous).
let scratch = Buffer.allocUnsafe(256);
// The `#sensor-list` tails of the batch being built (emptied after each batch).
const tailScratch: Buffer[] = [];

/** Sensors in an array from which a listing remembers the tails, index-aligned. */
const MEMO_MIN = 1000;

/** The tails of a long sensor array in one wire form, filled as listings need them. */
interface TailMemo {
  readonly v4: boolean;
  readonly tails: (Buffer | undefined)[];
}

// Per long array listed (the server's sorted sensors, kept until the set changes; a large
// filtered selection): listing it again costs no lookup in wire.ts's cache per sensor. The
// tails are that cache's own buffers (a sensor's `#sensor-list` fields never change).
const memos = new WeakMap<readonly Sensor[], TailMemo>();

function memoOf(sensors: readonly Sensor[], dialect: ServerDialect): TailMemo {
  let memo = memos.get(sensors);
  if (memo === undefined || memo.v4 !== dialect.v4) {
    memo = { v4: dialect.v4, tails: new Array<Buffer | undefined>(sensors.length).fill(undefined) };
    memos.set(sensors, memo);
  }
  return memo;
}

/** Writes the characters of an ASCII string (a message name, mid or count) at `pos`. */
function writeAscii(out: Buffer, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

/** A buffer holding `out[0..used)` with room for `need` more bytes. */
function grow(out: Buffer, used: number, need: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, used + need));
  out.copy(bigger, 0, 0, used);
  return bigger;
}

/**
 * The informs `#<name>[mid] <fields of sensor>` for `sensors[from..to)`, back to back, followed
 * by `!<name>[mid] ok <total>` when `total` is given (the last batch). `name` must be a valid
 * message name and `mid` a valid message id.
 */
export function listingBytes(
  kind: ListingKind,
  name: string,
  mid: number | undefined,
  sensors: readonly Sensor[],
  from: number,
  to: number,
  dialect: ServerDialect,
  total?: number,
): Buffer {
  const tag = mid === undefined ? name : `${name}[${mid}]`;
  const head = tag.length + 1;
  const replyLen = total === undefined ? 0 : head + 5 + String(total).length;
  let out: Buffer;
  let pos = 0;
  if (kind === 'list') {
    // Each tail is looked up once at most (a lookup in the wire cache costs more than the copy).
    const memo = sensors.length >= MEMO_MIN ? memoOf(sensors, dialect).tails : undefined;
    const tails = tailScratch;
    let size = replyLen;
    for (let i = from; i < to; i++) {
      let tail = memo === undefined ? undefined : memo[i];
      if (tail === undefined) {
        tail = sensorListTail(sensors[i]!, dialect);
        if (memo !== undefined) memo[i] = tail;
      }
      tails[i - from] = tail;
      size += head + tail.length;
    }
    out = Buffer.allocUnsafe(size);
    for (let i = from; i < to; i++) {
      out[pos] = 0x23; // '#'
      pos = writeAscii(out, pos + 1, tag);
      const tail = tails[i - from]!;
      tail.copy(out, pos);
      pos += tail.length;
    }
    // The tails stay the cache's; the references are not kept here.
    tails.length = 0;
  } else {
    // A first guess at the size (an integer reading's tail is about 40 bytes); grown when short.
    out = Buffer.allocUnsafe((to - from) * (head + 48) + replyLen);
    for (let i = from; i < to; i++) {
      const sensor = sensors[i]!;
      const n = measureStatusLine(sensor, sensor.reading, dialect);
      if (n > scratch.length) scratch = Buffer.allocUnsafe(n * 2);
      writeStatusLine(scratch, 0);
      if (pos + head + n - STATUS_HEAD + replyLen > out.length) out = grow(out, pos, head + n + replyLen + (to - i) * (head + 48));
      out[pos] = 0x23;
      pos = writeAscii(out, pos + 1, tag);
      // A byte loop beats a native copy for a tail this short.
      for (let k = STATUS_HEAD; k < n; k++) out[pos++] = scratch[k]!;
    }
  }
  if (total !== undefined) {
    out[pos] = 0x21; // '!'
    pos = writeAscii(out, pos + 1, tag);
    pos = writeAscii(out, pos, ` ok ${total}`);
    out[pos++] = LF;
  }
  return pos === out.length ? out : out.subarray(0, pos);
}
