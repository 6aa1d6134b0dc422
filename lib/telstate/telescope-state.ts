/**
 * The telescope state front end (katsdptelstate's `aio.TelescopeState`): encoding, key types,
 * views with prefixes, range queries and waits, over any {@link Backend}.
 * @module
 */
import { KeyType } from './backend.js';
import type { Backend, KeyUpdate } from './backend.js';
import type { DecodeOptions } from './encoding.js';
import { decodeValue, encodeValue, equalEncodedValues } from './encoding.js';
import { DecodeError, EncodeError, ImmutableKeyError, InvalidTimestampError, KeyNotFoundError } from './errors.js';
import type { Key } from './keys.js';
import { SEPARATOR, concatKey, displayKey, join, keyBytes, keyString } from './keys.js';
import { MemoryBackend } from './memory-backend.js';
import { RedisBackend } from './redis-backend.js';
import { loadRdb } from './rdb-reader.js';
import type { TelstateValue } from './values.js';
import { checkHashable, compareCodePoints, show } from './value-text.js';
import { waitUntil } from './waiter.js';
import type { CallOptions } from '../util/abort.js';
import { isCallOptions } from '../util/abort.js';
import { CALL_OPTION_KEYS, checkOptions } from '../util/options.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';

/** Construction options. */
export interface TelescopeStateOptions {
  /** Lookup prefixes, first one written (normally built with {@link TelescopeState.view}); default `['']`. */
  prefixes?: readonly Key[];
  /** Time source for default timestamps and wait timeouts. */
  clock?: Clock;
  /** How stored values are decoded (e.g. `{ wrapFloats: true }`). */
  decode?: DecodeOptions;
}

/** Options of {@link TelescopeState.add}. */
export interface AddOptions {
  /** Sample time in seconds since the epoch (mutable keys; default now). Ignored for immutables. */
  ts?: number;
  /** Store as an immutable (attribute) instead of a sample. */
  immutable?: boolean;
}

/** Options of {@link TelescopeState.getRange} (times in seconds since the epoch). */
export interface GetRangeOptions {
  /** Start time (default: same as `et`). */
  st?: number;
  /** End time (default: +Infinity). */
  et?: number;
  /** Also return the last sample before `st` (default: true when `st` is omitted). */
  includePrevious?: boolean;
  /** Include samples at exactly `et`. */
  includeEnd?: boolean;
}

/** Options of {@link TelescopeState.view}. */
export interface ViewOptions {
  /** Append `_` to the name unless it already ends with one (default true). */
  addSeparator?: boolean;
  /** Use only the new prefix instead of putting it in front of the current ones. */
  exclusive?: boolean;
}

// The accepted keys of each options object, checked on every call: an unknown key or a bad
// timeout is a typed error naming the key and the accepted ones.
const CONSTRUCTOR_KEYS = ['prefixes', 'clock', 'decode'] satisfies (keyof TelescopeStateOptions)[];
const ADD_KEYS = ['ts', 'immutable'] satisfies (keyof AddOptions)[];
const GET_RANGE_KEYS = ['st', 'et', 'includePrevious', 'includeEnd'] satisfies (keyof GetRangeOptions)[];
const VIEW_KEYS = ['addSeparator', 'exclusive'] satisfies (keyof ViewOptions)[];
const NO_DURATIONS = { durations: [], signals: [] };

/** The value of an indexed key: decoded sub-key → decoded value. */
export type IndexedValue = Map<TelstateValue, TelstateValue>;
/** A mutable key's sample: value and timestamp (seconds). */
export type Sample<T = TelstateValue> = [value: T, timestamp: number];
/** `waitKey` condition: the latest value and its timestamp (undefined for immutable and indexed keys). */
export type KeyCondition = (value: TelstateValue, timestamp: number | undefined) => boolean | Promise<boolean>;
/** `waitIndexed` condition on the sub-key's value. */
export type IndexedCondition = (value: TelstateValue) => boolean | Promise<boolean>;

/**
 * Run a backend call, re-raising its type clash (`ImmutableKeyError`, Redis's WRONGTYPE) with
 * the front end's wording, as katsdptelstate does; other errors pass through unchanged.
 */
async function reword<T>(call: () => Promise<T>, message: () => string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ImmutableKeyError) throw new ImmutableKeyError(message(), { cause: err });
    throw err;
  }
}

/**
 * A view of a telstate database. `new TelescopeState()` is an in-memory store; pass a
 * `RedisBackend` to share a Redis database with Python. Views (`view`, `root`) share the backend.
 */
export class TelescopeState {
  readonly #backend: Backend;
  readonly #prefixes: readonly Buffer[];
  readonly #clock: Clock;
  readonly #decodeOpts: DecodeOptions;

  /** Separator used by {@link TelescopeState.view} and {@link TelescopeState.join}. */
  static readonly SEPARATOR = SEPARATOR;

  /**
   * @param backend storage: a backend, or an endpoint string for a `RedisBackend`
   *   (`redis://host:port/db` or `host:port`; `''` means memory). Default: a new `MemoryBackend`.
   */
  constructor(backend: Backend | string = new MemoryBackend(), opts: TelescopeStateOptions = {}) {
    checkOptions(opts, CONSTRUCTOR_KEYS, 'new TelescopeState', NO_DURATIONS);
    this.#backend = typeof backend !== 'string' ? backend : backend === '' ? new MemoryBackend() : new RedisBackend(backend);
    this.#prefixes = Object.freeze((opts.prefixes ?? ['']).map(keyBytes));
    if (this.#prefixes.length === 0) throw new EncodeError('a telescope state needs at least one prefix');
    this.#clock = opts.clock ?? systemClock;
    this.#decodeOpts = opts.decode ?? {};
  }

  /** Join name parts with `_`. */
  static join(...names: string[]): string {
    return join(...names);
  }

  /** The backend shared by this view. */
  get backend(): Backend {
    return this.#backend;
  }

  /** The lookup prefixes as strings, first one written (e.g. `['ns_', '']`). */
  get prefixes(): string[] {
    return this.#prefixes.map(keyString);
  }

  /** A view whose lookups try `name_` first, then this view's prefixes (only `name_` if exclusive). */
  view(name: Key, opts: ViewOptions = {}): TelescopeState {
    checkOptions(opts, VIEW_KEYS, 'TelescopeState.view', NO_DURATIONS);
    let prefix = keyBytes(name);
    if (prefix.length > 0 && (opts.addSeparator ?? true) && prefix[prefix.length - 1] !== 0x5f) {
      prefix = Buffer.concat([prefix, Buffer.from(SEPARATOR)]);
    }
    const prefixes = opts.exclusive === true ? [prefix] : [prefix, ...this.#prefixes];
    return new TelescopeState(this.#backend, { prefixes, clock: this.#clock, decode: this.#decodeOpts });
  }

  /** A view of the root namespace on the same backend. */
  root(): TelescopeState {
    return new TelescopeState(this.#backend, { clock: this.#clock, decode: this.#decodeOpts });
  }

  #full(key: Key): Buffer[] {
    const k = keyBytes(key);
    return this.#prefixes.map((p) => concatKey(p, k));
  }

  #decode(raw: Uint8Array): TelstateValue {
    return decodeValue(raw, this.#decodeOpts);
  }

  #decodeIndexed(pairs: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): IndexedValue {
    return new Map(pairs.map(([k, v]) => [this.#decode(k), this.#decode(v)]));
  }

  /**
   * Add a value: a sample of a mutable key at `ts` (default now), or an immutable with
   * `{ immutable: true }`. Re-setting an immutable to an equal encoded value is accepted.
   * @throws ImmutableKeyError if an immutable would change or a key would change type
   * @throws InvalidTimestampError for a NaN, infinite or negative `ts`
   * @throws EncodeError if the value cannot be encoded (nothing is written then)
   */
  async add(key: Key, value: unknown, opts: AddOptions = {}): Promise<void> {
    checkOptions(opts, ADD_KEYS, 'TelescopeState.add', NO_DURATIONS);
    const full = this.#full(key)[0]!;
    const encoded = encodeValue(value);
    if (opts.immutable === true) {
      const old = await reword(() => this.#backend.setImmutable(full, encoded), () => `Attempt to change key ${displayKey(full)} to immutable`);
      if (old !== undefined) this.#checkSameValue(displayKey(full), old, encoded, value);
      return;
    }
    const ts = opts.ts ?? this.#clock.now();
    if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new InvalidTimestampError(`Non-finite timestamps (${String(ts)}) are not supported`);
    if (ts < 0) throw new InvalidTimestampError(`Negative timestamps (${ts}) are not supported`);
    await reword(() => this.#backend.addMutable(full, encoded, ts), () => `Attempt to change key ${displayKey(full)} to mutable`);
  }

  /** Set an immutable key: `add(key, value, { immutable: true })`. */
  async set(key: Key, value: unknown): Promise<void> {
    await this.add(key, value, { immutable: true });
  }

  #checkSameValue(what: string, old: Uint8Array, encoded: Uint8Array, value: unknown): void {
    let same: boolean;
    try {
      same = equalEncodedValues(encoded, old);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      throw new ImmutableKeyError(
        `Attempt to set value of immutable key ${what} to ${show(value)} but failed to decode the previous value to compare: ${err.message}`,
        { cause: err },
      );
    }
    if (!same) throw new ImmutableKeyError(`Attempt to change value of immutable key ${what} from ${show(this.#decode(old))} to ${show(value)}.`);
  }

  /**
   * The value of a key from the first prefix that has it: an immutable's value, a mutable's latest
   * sample value, or an indexed key's map. `defaultValue` (undefined if omitted) if no prefix has it.
   * A stored `None` is returned as `null`.
   */
  async get<D = undefined>(key: Key, defaultValue?: D): Promise<TelstateValue | IndexedValue | D> {
    for (const full of this.#full(key)) {
      const r = await this.#backend.get(full);
      if (r.type === undefined) continue;
      return r.type === KeyType.Indexed ? this.#decodeIndexed(r.value) : this.#decode(r.value);
    }
    return defaultValue as D;
  }

  /** Like {@link get} but undecoded: the stored bytes, or the raw (sub-key, value) pairs of an indexed key. */
  async getEncoded(key: Key): Promise<Uint8Array | ReadonlyArray<readonly [Uint8Array, Uint8Array]> | undefined> {
    for (const full of this.#full(key)) {
      const r = await this.#backend.get(full);
      if (r.type !== undefined) return r.value;
    }
    return undefined;
  }

  /**
   * Samples of a mutable key in `[st, et)` (or `[st, et]` with `includeEnd`), optionally preceded
   * by the last sample before `st`. With no options: the latest sample. If `st > et` the result
   * is only the previous sample (when asked for), on every backend.
   * @throws KeyNotFoundError if no prefix has the key
   * @throws ImmutableKeyError if the first prefix that has it holds an immutable or indexed key
   * @throws InvalidTimestampError for a NaN `st` or `et`
   */
  async getRange(key: Key, opts: GetRangeOptions = {}): Promise<Sample[]> {
    const raw = await this.getRangeEncoded(key, opts);
    return raw.map(([v, t]) => [this.#decode(v), t]);
  }

  /** {@link getRange} without decoding the values. */
  async getRangeEncoded(key: Key, opts: GetRangeOptions = {}): Promise<Sample<Uint8Array>[]> {
    checkOptions(opts, GET_RANGE_KEYS, 'TelescopeState.getRange', NO_DURATIONS);
    const includePrevious = opts.includePrevious ?? opts.st === undefined;
    const et = opts.et === undefined ? Infinity : Number(opts.et);
    const st = opts.st === undefined ? et : Number(opts.st);
    if (Number.isNaN(st) || Number.isNaN(et)) throw new InvalidTimestampError('cannot use NaN start or end time');
    for (const full of this.#full(key)) {
      const samples = await reword(() => this.#backend.getRange(full, st, et, includePrevious, opts.includeEnd ?? false), () => `${displayKey(full)} is immutable, cannot use get_range`);
      if (samples !== undefined) return samples.map(([v, t]) => [v, t]);
    }
    throw new KeyNotFoundError(keyString(keyBytes(key)));
  }

  /**
   * Set one sub-key of an indexed key (each sub-key is immutable; an equal value is accepted).
   * Sub-keys are any hashable value: not arrays, maps, plain objects or NdArrays.
   * @throws ImmutableKeyError if the sub-key has another value or the key is not indexed
   */
  async setIndexed(key: Key, subKey: unknown, value: unknown): Promise<void> {
    checkHashable(subKey);
    const full = this.#full(key)[0]!;
    const subEnc = encodeValue(subKey);
    const encoded = encodeValue(value);
    const old = await reword(() => this.#backend.setIndexed(full, subEnc, encoded), () => `Attempt to change key ${displayKey(full)} to indexed immutable`);
    if (old !== undefined) this.#checkSameValue(`${displayKey(full)}[${show(subKey)}]`, old, encoded, value);
  }

  /**
   * A sub-key's value from the first prefix where the key exists (if that key lacks the sub-key,
   * lower prefixes are not consulted); `defaultValue` otherwise.
   * @throws ImmutableKeyError if that key is not indexed
   */
  async getIndexed<D = undefined>(key: Key, subKey: unknown, defaultValue?: D): Promise<TelstateValue | D> {
    const raw = await this.getIndexedEncoded(key, subKey);
    return raw === undefined ? (defaultValue as D) : this.#decode(raw);
  }

  /** {@link getIndexed} without decoding (undefined when absent). */
  async getIndexedEncoded(key: Key, subKey: unknown): Promise<Uint8Array | undefined> {
    const subEnc = encodeValue(subKey);
    for (const full of this.#full(key)) {
      const raw = await this.#lookupIndexed(full, subEnc);
      if (raw === undefined) continue;
      return raw ?? undefined;
    }
    return undefined;
  }

  #lookupIndexed(full: Buffer, subEnc: Uint8Array): Promise<Uint8Array | null | undefined> {
    return reword(() => this.#backend.getIndexed(full, subEnc), () => `${displayKey(full)} is not an indexed key`);
  }

  /** True if the key exists under any prefix. */
  async exists(key: Key): Promise<boolean> {
    for (const full of this.#full(key)) if (await this.#backend.exists(full)) return true;
    return false;
  }

  /** The type of the key under the first prefix that has it, or undefined. */
  async keyType(key: Key): Promise<KeyType | undefined> {
    for (const full of this.#full(key)) {
      const t = await this.#backend.keyType(full);
      if (t !== undefined) return t;
    }
    return undefined;
  }

  /** All full key names matching a Redis glob pattern (prefixes ignored), sorted. */
  async keys(filter: Key = '*'): Promise<string[]> {
    const keys = await this.#backend.keys(keyBytes(filter));
    return keys.map(keyString).sort(compareCodePoints);
  }

  /** Delete the key under every prefix of this view. */
  async delete(key: Key): Promise<void> {
    for (const full of this.#full(key)) await this.#backend.delete(full);
  }

  /** Delete every key in the database, whatever the view. */
  async clear(): Promise<void> {
    await this.#backend.clear();
  }

  /**
   * Wait until the key exists (under any prefix), or until `condition(value, ts)` holds for the
   * value under the first prefix that has it. Rejects with `KatcpTimeoutError` after
   * `opts.timeout` ms or `KatcpAbortError` when `opts.signal` aborts.
   */
  async waitKey(key: Key, condition?: KeyCondition | CallOptions, opts: CallOptions = {}): Promise<void> {
    if (isCallOptions(condition)) [condition, opts] = [undefined, condition];
    checkOptions(opts, CALL_OPTION_KEYS, 'TelescopeState.waitKey');
    const cond = condition;
    const fulls = this.#full(key);
    const check = async (update: Exclude<KeyUpdate, { kind: 'recheck' }> | undefined): Promise<boolean> => {
      if (cond === undefined) return update !== undefined || (await this.exists(key));
      for (const full of fulls) {
        let value: TelstateValue | IndexedValue;
        let ts: number | undefined;
        if (update !== undefined && update.kind !== 'indexed' && full.equals(update.key)) {
          value = this.#decode(update.value);
          ts = update.kind === 'mutable' ? update.timestamp : undefined;
        } else {
          const r = await this.#backend.get(full);
          if (r.type === undefined) continue;
          value = r.type === KeyType.Indexed ? this.#decodeIndexed(r.value) : this.#decode(r.value);
          ts = r.type === KeyType.Mutable ? r.timestamp : undefined;
        }
        return await cond(value, ts);
      }
      return false;
    };
    const what = `wait for ${displayKey(fulls[0]!)}`;
    // A condition may be met only by a sample that is not the latest: subscribe before checking.
    await waitUntil({ backend: this.#backend, keys: fulls, check, clock: this.#clock, what, subscribeFirst: cond !== undefined, ...opts });
  }

  /**
   * Wait until an indexed key has `subKey` (under the first prefix where the key exists), and
   * `condition(value)` holds if given. Same timeout/abort behaviour as {@link waitKey}.
   * @throws ImmutableKeyError if the key is (or becomes) a key of another type
   */
  async waitIndexed(key: Key, subKey: unknown, condition?: IndexedCondition | CallOptions, opts: CallOptions = {}): Promise<void> {
    if (isCallOptions(condition)) [condition, opts] = [undefined, condition];
    checkOptions(opts, CALL_OPTION_KEYS, 'TelescopeState.waitIndexed');
    const cond = condition;
    const subEnc = encodeValue(subKey);
    const fulls = this.#full(key);
    const what = `${displayKey(fulls[0]!)}[${show(subKey)}]`;
    const check = async (update: Exclude<KeyUpdate, { kind: 'recheck' }> | undefined): Promise<boolean> => {
      if (update !== undefined && update.kind !== 'indexed') throw new ImmutableKeyError(`wait_indexed called on non-indexed key ${what}`);
      if (update !== undefined && !subEnc.equals(update.subKey)) return false;
      for (const full of fulls) {
        let raw: Uint8Array;
        if (update !== undefined && full.equals(update.key)) raw = update.value;
        else {
          const found = await this.#lookupIndexed(full, subEnc);
          if (found === undefined) continue;
          if (found === null) return false;
          raw = found;
        }
        return cond === undefined ? true : await cond(this.#decode(raw));
      }
      return false;
    };
    await waitUntil({ backend: this.#backend, keys: fulls, check, clock: this.#clock, what: `wait for ${what}`, ...opts });
  }

  /**
   * Load an RDB file (path or bytes) straight into the backend (views ignored, existing keys
   * replaced). @returns the number of keys loaded
   */
  async loadFromFile(file: string | Uint8Array): Promise<number> {
    return loadRdb(this.#backend, file);
  }

  /** Close the backend (for the memory backend this drops the data, as in Python). */
  async close(): Promise<void> {
    await this.#backend.close();
  }
}
