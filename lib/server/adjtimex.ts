/**
 * Read-only access to Linux `adjtimex(2)` (the kernel's clock discipline state) through `koffi`.
 * koffi is loaded lazily, on the first {@link loadAdjtimex} call, so importing this module never
 * fails; on a platform without the call {@link loadAdjtimex} throws {@link AdjtimexUnavailableError}.
 * @module
 */
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { KatcpError } from '../errors.js';

/** Kernel clock states: the return value of `adjtimex` (`TIME_*`). */
export const TIME = { OK: 0, INS: 1, DEL: 2, OOP: 3, WAIT: 4, ERROR: 5, BAD: 5 } as const;

/** Bits of `timex.status` (`STA_*`). */
export const STA = {
  PLL: 0x0001,
  PPSFREQ: 0x0002,
  PPSTIME: 0x0004,
  FLL: 0x0008,
  INS: 0x0010,
  DEL: 0x0020,
  UNSYNC: 0x0040,
  FREQHOLD: 0x0080,
  PPSSIGNAL: 0x0100,
  PPSJITTER: 0x0200,
  PPSWANDER: 0x0400,
  PPSERROR: 0x0800,
  CLOCKERR: 0x1000,
  NANO: 0x2000,
  MODE: 0x4000,
  CLK: 0x8000,
} as const;

/** The clock state names, indexed by the `TIME_*` code (as aiokatcp's `ClockState`). */
export const CLOCK_STATES = ['ok', 'ins', 'del', 'oop', 'wait', 'error'] as const;
/** One of {@link CLOCK_STATES}. */
export type ClockState = (typeof CLOCK_STATES)[number];

/** Maps an `adjtimex` return code to its state name; unknown codes count as `error`. */
export function clockStateName(code: number): ClockState {
  return CLOCK_STATES[code] ?? 'error';
}

/** The fields of `struct timex` (all numbers; `time.usec` holds nanoseconds when `STA.NANO` is set). */
export interface Timex {
  readonly modes: number;
  readonly offset: number;
  readonly freq: number;
  /** Maximum error in microseconds. */
  readonly maxerror: number;
  /** Estimated error in microseconds. */
  readonly esterror: number;
  readonly status: number;
  readonly constant: number;
  readonly precision: number;
  readonly tolerance: number;
  readonly time: { readonly sec: number; readonly usec: number };
  readonly tick: number;
  readonly ppsfreq: number;
  readonly jitter: number;
  readonly shift: number;
  readonly stabil: number;
  readonly jitcnt: number;
  readonly calcnt: number;
  readonly errcnt: number;
  readonly stbcnt: number;
  readonly tai: number;
}

/** Size of `struct timex` on 64-bit Linux (LP64: x86_64, aarch64, riscv64...), padding included. */
export const TIMEX_SIZE = 208;

// Byte offsets of struct timex on LP64 Linux (glibc and musl agree with the kernel):
// ints are 4 bytes, longs 8, each long aligned to 8.
const OFFSETS = {
  modes: [0, 4], offset: [8, 8], freq: [16, 8], maxerror: [24, 8], esterror: [32, 8], status: [40, 4],
  constant: [48, 8], precision: [56, 8], tolerance: [64, 8], timeSec: [72, 8], timeUsec: [80, 8],
  tick: [88, 8], ppsfreq: [96, 8], jitter: [104, 8], shift: [112, 4], stabil: [120, 8], jitcnt: [128, 8],
  calcnt: [136, 8], errcnt: [144, 8], stbcnt: [152, 8], tai: [160, 4],
} as const;

/**
 * Decodes a `struct timex` written by the kernel (LP64 little-endian layout, {@link TIMEX_SIZE} bytes).
 * @throws KatcpError when the buffer is too short
 */
export function decodeTimex(buf: Uint8Array): Timex {
  if (buf.byteLength < TIMEX_SIZE) throw new KatcpError(`struct timex needs ${TIMEX_SIZE} bytes, got ${buf.byteLength}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const field = (f: keyof typeof OFFSETS): number => {
    const [off, size] = OFFSETS[f];
    return size === 4 ? view.getInt32(off, true) : Number(view.getBigInt64(off, true));
  };
  return Object.freeze({
    modes: field('modes') >>> 0,
    offset: field('offset'),
    freq: field('freq'),
    maxerror: field('maxerror'),
    esterror: field('esterror'),
    status: field('status'),
    constant: field('constant'),
    precision: field('precision'),
    tolerance: field('tolerance'),
    time: Object.freeze({ sec: field('timeSec'), usec: field('timeUsec') }),
    tick: field('tick'),
    ppsfreq: field('ppsfreq'),
    jitter: field('jitter'),
    shift: field('shift'),
    stabil: field('stabil'),
    jitcnt: field('jitcnt'),
    calcnt: field('calcnt'),
    errcnt: field('errcnt'),
    stbcnt: field('stbcnt'),
    tai: field('tai'),
  });
}

/** Seconds since the epoch held in `timex.time`, honouring `STA.NANO`. */
export function timexTime(timex: Timex): number {
  const perSecond = (timex.status & STA.NANO) !== 0 ? 1e9 : 1e6;
  return timex.time.sec + timex.time.usec / perSecond;
}

/** The result of one read-only `adjtimex` call. */
export interface AdjtimexResult {
  /** The raw `TIME_*` return code. */
  readonly code: number;
  /** The code as a state name. */
  readonly state: ClockState;
  readonly timex: Timex;
}

/** A read-only `adjtimex` call. @throws AdjtimexCallError when the call fails */
export type AdjtimexFn = () => AdjtimexResult;

/** `adjtimex(2)` cannot be used here (not Linux, not a 64-bit little-endian ABI, or no libc symbol). */
export class AdjtimexUnavailableError extends KatcpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'KATCP_ERR_ADJTIMEX_UNAVAILABLE', options);
    this.name = 'AdjtimexUnavailableError';
  }
}

/** The `adjtimex` call returned -1. */
export class AdjtimexCallError extends KatcpError {
  /** The C `errno`. */
  readonly errno: number;
  constructor(errno: number) {
    super(`adjtimex failed with errno ${errno}`, 'KATCP_ERR_ADJTIMEX_CALL');
    this.name = 'AdjtimexCallError';
    this.errno = errno;
  }
}

interface KoffiLike {
  load(path: string): { func(name: string, result: string, args: string[]): (buf: Buffer) => number };
  errno(): number;
}

let cached: AdjtimexFn | undefined;

/**
 * Binds `adjtimex` from the C library (once; later calls return the same function).
 * @throws AdjtimexUnavailableError on platforms without it
 */
export function loadAdjtimex(): AdjtimexFn {
  if (process.platform !== 'linux') {
    throw new AdjtimexUnavailableError(`adjtimex(2) is only available on Linux (this is ${process.platform})`);
  }
  if (endianness() !== 'LE' || !['x64', 'arm64', 'riscv64', 'loong64', 'ppc64', 'mips64el'].includes(process.arch)) {
    throw new AdjtimexUnavailableError(`adjtimex(2) is supported on 64-bit little-endian Linux only (this is ${process.arch})`);
  }
  if (cached !== undefined) return cached;
  let call: (buf: Buffer) => number;
  let koffi: KoffiLike;
  try {
    koffi = createRequire(import.meta.url)('koffi') as KoffiLike;
    const libc = koffi.load('libc.so.6');
    call = libc.func('adjtimex', 'int', ['void *']);
  } catch (err) {
    throw new AdjtimexUnavailableError(`adjtimex(2) could not be bound from libc.so.6: ${(err as Error).message}`, { cause: err });
  }
  cached = () => {
    const buf = Buffer.alloc(TIMEX_SIZE); // modes = 0: read-only
    const code = call(buf);
    if (code === -1) throw new AdjtimexCallError(koffi.errno());
    return { code, state: clockStateName(code), timex: decodeTimex(buf) };
  };
  return cached;
}
