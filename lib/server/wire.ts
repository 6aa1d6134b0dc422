/**
 * Pre-encoded wire pieces of sensors. A sensor's `#sensor-list` arguments are formatted once, and
 * each reading once (the first time a client needs it), so `?sensor-list`, `?sensor-value` and
 * `#sensor-status` are copies of cached bytes behind a per-request `#name[mid]` prefix, shared by
 * every client, instead of messages formatted again for each request and client.
 * @module
 */
import { ESCAPE_LETTER, escapedLength, writeEscaped } from '../codec/escape.js';
import { formatFloat } from '../codec/float.js';
import { formatInteger } from '../codec/integer.js';
import { floatType, integerType } from '../codec/scalar-types.js';
import type { IntegerValue, TypeCodec } from '../codec/types.js';
import type { Sensor } from '../sensor/sensor.js';
import type { Reading, SensorStatus } from '../sensor/status.js';
import { ServerDialect } from './dialect.js';

/** A `#sensor-status` line is this prefix followed by the reading's tail. */
const STATUS_PREFIX = '#sensor-status';
const BACKSLASH = 0x5c;
const LF = 0x0a;
const AT = 0x40;
const SPACE = 0x20;
const ONE = 0x31;
const EMPTY = Buffer.alloc(0);

interface SensorWire {
  /** ` name description units type params...\n`, escaped (formatted on first use). */
  listTail: Buffer | undefined;
  /** The last reading sent, and its `#sensor-status` line, reused while the sensor keeps it. */
  lastReading: Reading<unknown> | undefined;
  lastLine: Buffer | undefined;
}

/** The default dialect (v5.1) of the functions below. */
const V5 = new ServerDialect();

// One cache per wire form: a sensor shared by a v4 and a v5 server has two sets of bytes.
const v5Cache = new WeakMap<Sensor, SensorWire>();
const v4Cache = new WeakMap<Sensor, SensorWire>();

/**
 * The pieces of `#sensor-status` lines that depend only on the wire form: the last timestamp
 * formatted (sensors updated together share it) and each status followed by a space.
 */
class StatusForm {
  readonly #dialect: ServerDialect;
  #seconds = NaN;
  #prefix: Buffer = Buffer.alloc(0);
  readonly #statuses = new Map<SensorStatus, Buffer>();

  constructor(dialect: ServerDialect) {
    this.#dialect = dialect;
  }

  /** `#sensor-status <timestamp>` (a timestamp is digits, `.`, `e`, signs or letters: nothing to escape). */
  prefix(seconds: number): Buffer {
    if (!Object.is(seconds, this.#seconds)) {
      this.#prefix = Buffer.from(`${STATUS_PREFIX} ${this.#dialect.timestamp(seconds)}`, 'latin1');
      this.#seconds = seconds;
    }
    return this.#prefix;
  }

  /** `<status> ` in the dialect's form. */
  status(status: SensorStatus): Buffer {
    let b = this.#statuses.get(status);
    if (b === undefined) {
      b = Buffer.from(`${this.#dialect.status(status)} `, 'latin1');
      this.#statuses.set(status, b);
    }
    return b;
  }
}

// Like the caches below, one per wire form (the dialect's timestamp and status depend on v4 only).
let v5Form: StatusForm | undefined;
let v4Form: StatusForm | undefined;

function wireOf(sensor: Sensor, dialect: ServerDialect): SensorWire {
  const cache = dialect.v4 ? v4Cache : v5Cache;
  let w = cache.get(sensor);
  if (w === undefined) {
    w = { listTail: undefined, lastReading: undefined, lastLine: undefined };
    cache.set(sensor, w);
  }
  return w;
}

/**
 * Copies `src` into `out` at `pos`: a byte loop for a few bytes (faster than a native copy once
 * optimised), one native copy from 16 bytes on (as fast optimised, and the byte loop costs an
 * inline-cache call per byte in the unoptimised code of a fresh process's first lines).
 */
function copyShort(out: Buffer, pos: number, src: Buffer): number {
  const n = src.length;
  if (n >= 16) out.set(src, pos);
  else for (let i = 0; i < n; i++) out[pos + i] = src[i]!;
  return pos + n;
}

/**
 * The wire text of a float or integer value (what the codec's `encode` gives, without its Buffer:
 * digits, `.`, `e`, signs, `nan`, `inf`, nothing to escape), or undefined for other codecs.
 */
function numberText(codec: TypeCodec<unknown>, value: unknown): string | undefined {
  if (codec === floatType) return formatFloat(value as number);
  if (codec === integerType) return formatInteger(value as IntegerValue);
  return undefined;
}

/** Escaped length of an ASCII string, or -1 when it is not ASCII (it goes through UTF-8 bytes then). */
function escapedAsciiLength(s: string): number {
  const n = s.length;
  if (n === 0) return 2;
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    if (ESCAPE_LETTER[c] !== 0) len++;
  }
  return len;
}

/**
 * Matches a string of ASCII characters none of which is escaped (built from {@link ESCAPE_LETTER}),
 * so that it is its own wire form, one byte per character.
 */
const PLAIN_ASCII_RE = new RegExp(
  `^[${Array.from({ length: 0x80 }, (_, c) => c)
    .filter((c) => ESCAPE_LETTER[c] === 0)
    .map((c) => `\\x${c.toString(16).padStart(2, '0')}`)
    .join('')}]*$`,
);
/** From this length on a string is checked and written natively (one regex test, one latin1 write). */
const LONG_FIELD = 64;

function writeEscapedAscii(out: Buffer, pos: number, s: string): number {
  const n = s.length;
  if (n === 0) {
    out[pos] = BACKSLASH;
    out[pos + 1] = AT;
    return pos + 2;
  }
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const letter = ESCAPE_LETTER[c]!;
    if (letter === 0) out[pos++] = c;
    else {
      out[pos++] = BACKSLASH;
      out[pos++] = letter;
    }
  }
  return pos;
}

// Escaped field lengths of the line being built (building is synchronous).
let lens = new Int32Array(16);

/**
 * `prefix` (ASCII, written as is), then ` field` for each field, escaped, then `\n`. An ASCII
 * string is escaped straight from its characters (no intermediate Buffer); others go as UTF-8.
 */
export function wireLine(prefix: string, fields: (string | Buffer)[]): Buffer {
  const n = fields.length;
  if (n > lens.length) lens = new Int32Array(n);
  let size = prefix.length + 1;
  for (let i = 0; i < n; i++) {
    const f = fields[i]!;
    let len: number;
    if (typeof f === 'string') {
      // A long plain field (a bulk ?sensor-sampling reply's name list) is written natively:
      // -1 marks it for the latin1 write below.
      if (f.length >= LONG_FIELD && PLAIN_ASCII_RE.test(f)) {
        lens[i] = -1;
        size += f.length + 1;
        continue;
      }
      len = escapedAsciiLength(f);
      if (len < 0) {
        const bytes = Buffer.from(f, 'utf8');
        fields[i] = bytes;
        len = escapedLength(bytes);
      }
    } else {
      len = escapedLength(f);
    }
    lens[i] = len;
    size += len + 1;
  }
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  // A long prefix (a bulk ?sensor-sampling reply's names) is written natively.
  if (prefix.length >= LONG_FIELD) pos = out.write(prefix, 0, 'latin1');
  else for (let i = 0; i < prefix.length; i++) out[pos++] = prefix.charCodeAt(i);
  for (let i = 0; i < n; i++) {
    out[pos++] = 0x20;
    const f = fields[i]!;
    if (typeof f !== 'string') pos = writeEscaped(out, pos, f, lens[i]!);
    else if (lens[i] === -1) pos += out.write(f, pos, 'latin1');
    else pos = writeEscapedAscii(out, pos, f);
  }
  out[pos] = 0x0a;
  return out;
}

/**
 * The `#sensor-list` type and parameters of `sensor` in `dialect`. v4 has no address type (an
 * address sensor is listed as the string it is on the wire) and no warn range (only `min max`).
 */
function listFields(sensor: Sensor, dialect: ServerDialect): string[] {
  const type = sensor.wireType;
  if (!dialect.v4) return [type, ...sensor.params];
  if (type === 'address') return ['string'];
  if (type === 'integer' || type === 'float') return [type, ...sensor.params.slice(0, 2)];
  return [type, ...sensor.params];
}

/** ` name description units type params...\n`: a `#sensor-list` inform after its `#name[mid]`. */
export function sensorListTail(sensor: Sensor, dialect: ServerDialect = V5): Buffer {
  const w = wireOf(sensor, dialect);
  if (w.listTail === undefined) {
    w.listTail = wireLine('', [sensor.name, sensor.description, sensor.units, ...listFields(sensor, dialect)]);
  }
  return w.listTail;
}

// The pieces of the line measured last by measureStatusLine (building is synchronous).
let mPrefix: Buffer = Buffer.alloc(0);
let mName = '';
let mStatus: Buffer = Buffer.alloc(0);
let mText: string | undefined;
let mValue: Buffer = Buffer.alloc(0);
let mValueLen = 0;

/**
 * Measures the `#sensor-status <timestamp> 1 <name> <status> <value>\n` line of a reading of
 * `sensor` in `dialect` (asynchronous, no mid) and keeps its pieces for {@link writeStatusLine},
 * which must follow before any other call of this function.
 * @returns the line's length in bytes
 */
export function measureStatusLine(sensor: Sensor, reading: Reading<unknown>, dialect: ServerDialect): number {
  const form = dialect.v4 ? (v4Form ??= new StatusForm(dialect)) : (v5Form ??= new StatusForm(dialect));
  mPrefix = form.prefix(reading.timestamp);
  // A sensor name is letters, digits, '.', '-' and '_': ASCII, nothing to escape.
  mName = sensor.name;
  mStatus = form.status(reading.status);
  mText = numberText(sensor.codec, reading.value);
  let valueLen: number;
  if (mText !== undefined) valueLen = mText.length;
  else {
    mValue = sensor.codec.encode(reading.value, dialect.codecContext);
    valueLen = mValueLen = escapedLength(mValue);
  }
  // prefix, ' 1 ', name, ' ', status (with its space), value, LF
  return mPrefix.length + 4 + mName.length + mStatus.length + valueLen + 1;
}

/**
 * Writes the line measured last by {@link measureStatusLine} into `out` at `pos` (room checked by
 * the caller). @returns the position after it
 */
export function writeStatusLine(out: Buffer, pos: number): number {
  pos = copyShort(out, pos, mPrefix);
  out[pos++] = SPACE;
  out[pos++] = ONE;
  out[pos++] = SPACE;
  const name = mName;
  for (let i = 0; i < name.length; i++) out[pos++] = name.charCodeAt(i);
  out[pos++] = SPACE;
  pos = copyShort(out, pos, mStatus);
  const text = mText;
  if (text !== undefined) {
    for (let i = 0; i < text.length; i++) out[pos++] = text.charCodeAt(i);
  } else {
    pos = writeEscaped(out, pos, mValue, mValueLen);
    mValue = EMPTY;
  }
  out[pos++] = LF;
  return pos;
}

/**
 * `#sensor-status <timestamp> 1 <name> <status> <value>\n` for a reading of `sensor`
 * (asynchronous, no mid); timestamps, statuses and timestamp values in `dialect`'s form.
 * The line of the sensor's last reading asked for is kept, so asking again copies nothing.
 */
export function sensorStatusLine(sensor: Sensor, reading: Reading<unknown>, dialect: ServerDialect = V5): Buffer {
  const w = wireOf(sensor, dialect);
  if (w.lastReading === reading && w.lastLine !== undefined) return w.lastLine;
  const line = Buffer.allocUnsafe(measureStatusLine(sensor, reading, dialect));
  writeStatusLine(line, 0);
  w.lastReading = reading;
  w.lastLine = line;
  return line;
}
