/**
 * The storage contract under {@link TelescopeState} (katsdptelstate's `aio.backend.Backend`).
 * A backend sees only bytes: full keys (prefix included) and encoded values. Two implementations
 * ship: `MemoryBackend` and `RedisBackend`. A third one (or a recorder's test double) implements
 * this interface.
 * @module
 */

/** The three kinds of key, with katsdptelstate's enum numbers. */
export const KeyType = {
  /** One value that never changes (a Redis string). */
  Immutable: 1,
  /** Timestamped samples (a Redis sorted set). */
  Mutable: 2,
  /** Sub-key → value, each sub-key immutable (a Redis hash). */
  Indexed: 3,
} as const;
/** One of {@link KeyType}'s values. */
export type KeyType = (typeof KeyType)[keyof typeof KeyType];

/** What {@link Backend.get} found. */
export type GetResult =
  | { readonly type: undefined }
  | { readonly type: typeof KeyType.Immutable; readonly value: Uint8Array }
  | { readonly type: typeof KeyType.Mutable; readonly value: Uint8Array; readonly timestamp: number }
  | { readonly type: typeof KeyType.Indexed; readonly value: ReadonlyArray<readonly [subKey: Uint8Array, value: Uint8Array]> };

/** One sample of a mutable key: encoded value and timestamp (seconds since the epoch). */
export type RawSample = readonly [value: Uint8Array, timestamp: number];

/** The raw content of one key, as an RDB file or a dump holds it. */
export type RawKeyData =
  | { readonly type: typeof KeyType.Immutable; readonly value: Uint8Array }
  | { readonly type: typeof KeyType.Mutable; readonly members: readonly Uint8Array[] }
  | { readonly type: typeof KeyType.Indexed; readonly fields: ReadonlyArray<readonly [Uint8Array, Uint8Array]> };

/**
 * A change notification. `recheck` carries nothing ("something may have changed, look again":
 * sent after subscribing and after every reconnection); the others carry the new data, exactly
 * as published by the writer (for a mutable key that may be an older sample than the latest).
 */
export type KeyUpdate =
  | { readonly kind: 'recheck' }
  | { readonly kind: 'immutable'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'mutable'; readonly key: Uint8Array; readonly value: Uint8Array; readonly timestamp: number }
  | { readonly kind: 'indexed'; readonly key: Uint8Array; readonly subKey: Uint8Array; readonly value: Uint8Array };

/** A subscription opened by {@link Backend.monitorKeys}. */
export interface KeyMonitor {
  /** Resolves once updates are guaranteed to be delivered (e.g. the Redis SUBSCRIBE is confirmed). */
  readonly ready: Promise<void>;
  /** Stop delivering updates and release the subscription (idempotent). */
  close(): void;
}

/** Storage backend. Every method may reject with the backend's connection errors. */
export interface Backend {
  /** True if the key exists. */
  exists(key: Uint8Array): Promise<boolean>;
  /** Keys matching a Redis glob pattern, in no particular order. */
  keys(pattern: Uint8Array): Promise<Uint8Array[]>;
  /** Remove a key (a missing key is fine). */
  delete(key: Uint8Array): Promise<void>;
  /** Remove every key. */
  clear(): Promise<void>;
  /** The type of a key, or undefined if it does not exist. */
  keyType(key: Uint8Array): Promise<KeyType | undefined>;
  /**
   * Store an immutable value if the key is new (and notify), else return the existing value.
   * @throws ImmutableKeyError if the key exists with another type
   */
  setImmutable(key: Uint8Array, value: Uint8Array): Promise<Uint8Array | undefined>;
  /** The latest value of a key (see {@link GetResult}); a mutable's latest is its greatest member. */
  get(key: Uint8Array): Promise<GetResult>;
  /**
   * Add a sample (a no-op if this exact sample exists; otherwise notify).
   * @param timestamp finite and ≥ 0 (checked by the caller)
   * @throws ImmutableKeyError if the key exists with another type
   */
  addMutable(key: Uint8Array, value: Uint8Array, timestamp: number): Promise<void>;
  /**
   * Store a sub-key's value if the sub-key is new (and notify), else return the existing value.
   * @throws ImmutableKeyError if the key exists and is not indexed
   */
  setIndexed(key: Uint8Array, subKey: Uint8Array, value: Uint8Array): Promise<Uint8Array | undefined>;
  /**
   * A sub-key's value: the bytes, `null` if the key exists without that sub-key, `undefined` if
   * the key does not exist.
   * @throws ImmutableKeyError if the key exists and is not indexed
   */
  getIndexed(key: Uint8Array, subKey: Uint8Array): Promise<Uint8Array | null | undefined>;
  /**
   * Samples with start ≤ t < end (≤ end with `includeEnd`), preceded by the last sample before
   * `start` if `includePrevious`; undefined if the key does not exist. Start and end may be any
   * non-NaN numbers including ±Infinity.
   * @throws ImmutableKeyError if the key exists and is not mutable (always checked)
   */
  getRange(key: Uint8Array, start: number, end: number, includePrevious: boolean, includeEnd: boolean): Promise<RawSample[] | undefined>;
  /**
   * The key in Redis `DUMP` format (type byte, body, RDB version, CRC64), or undefined if absent.
   * RDB export copies these bodies into the file.
   */
  dump(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Replace a key with raw content, without notifications or checks (RDB import). */
  importKey(key: Uint8Array, data: RawKeyData, expireAtMs?: number): Promise<void>;
  /**
   * Deliver updates of any of `keys` (full keys) to `onUpdate` until the monitor is closed.
   * Delivery may be synchronous; the listener must not throw.
   */
  monitorKeys(keys: readonly Uint8Array[], onUpdate: (update: KeyUpdate) => void): KeyMonitor;
  /** Release resources. The memory backend also drops its data, like Python's aio backend. */
  close(): Promise<void>;
}
