/* eslint-disable @typescript-eslint/require-await -- the Backend interface is asynchronous; in memory every operation completes at once */
/**
 * An in-process backend with the same semantics as Redis (katsdptelstate's MemoryBackend): a
 * map from key to a string, a sorted member list or a field map, glob filtering with Redis's
 * rules, and change notifications carrying the same data the Redis scripts publish.
 * @module
 */
import { KeyType } from './backend.js';
import type { Backend, GetResult, KeyMonitor, KeyUpdate, RawKeyData, RawSample } from './backend.js';
import { ImmutableKeyError } from './errors.js';
import { GlobPattern } from './glob.js';
import { dumpPayload } from './rdb-encode.js';
import { packMember, packQueryTimestamp, splitMember } from './timestamp.js';

type Entry =
  | { type: typeof KeyType.Immutable; value: Buffer }
  | { type: typeof KeyType.Mutable; members: Buffer[] }
  | { type: typeof KeyType.Indexed; fields: Map<string, readonly [Buffer, Buffer]> };

type Listener = (update: KeyUpdate) => void;

const id = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
const copy = (b: Uint8Array): Buffer => Buffer.from(b);

/** First index whose member is ≥ `bound` (members sorted ascending). */
function lowerBound(members: readonly Buffer[], bound: Buffer): number {
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Buffer.compare(members[mid]!, bound) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index in `members` where a ZRANGEBYLEX-style bound (`-`, `+`, `[p`, `(p`) falls. */
function boundIndex(members: readonly Buffer[], bound: Buffer): number {
  if (bound.length === 1 && bound[0] === 0x2d) return 0;
  if (bound.length === 1 && bound[0] === 0x2b) return members.length;
  // Every member has ≥ 9 bytes, so '[p' and '(p' both split the list at the first member ≥ p.
  return lowerBound(members, bound.subarray(1));
}

function wrongType(): ImmutableKeyError {
  return new ImmutableKeyError('WRONGTYPE Operation against a key holding the wrong kind of value');
}

/** The in-memory backend (the default of `new TelescopeState()`). */
export class MemoryBackend implements Backend {
  readonly #data = new Map<string, { key: Buffer; entry: Entry }>();
  readonly #listeners = new Map<string, Set<Listener>>();

  async exists(key: Uint8Array): Promise<boolean> {
    return this.#data.has(id(key));
  }

  async keys(pattern: Uint8Array): Promise<Uint8Array[]> {
    const glob = new GlobPattern(pattern);
    return [...this.#data.values()].filter(({ key }) => glob.matches(key)).map(({ key }) => copy(key));
  }

  async delete(key: Uint8Array): Promise<void> {
    this.#data.delete(id(key));
  }

  async clear(): Promise<void> {
    this.#data.clear();
  }

  async keyType(key: Uint8Array): Promise<KeyType | undefined> {
    return this.#data.get(id(key))?.entry.type;
  }

  async setImmutable(key: Uint8Array, value: Uint8Array): Promise<Uint8Array | undefined> {
    const found = this.#data.get(id(key));
    if (found !== undefined) {
      if (found.entry.type !== KeyType.Immutable) throw wrongType();
      return copy(found.entry.value);
    }
    this.#data.set(id(key), { key: copy(key), entry: { type: KeyType.Immutable, value: copy(value) } });
    this.#notify(key, { kind: 'immutable', key: copy(key), value: copy(value) });
    return undefined;
  }

  async get(key: Uint8Array): Promise<GetResult> {
    const entry = this.#data.get(id(key))?.entry;
    if (entry === undefined) return { type: undefined };
    switch (entry.type) {
      case KeyType.Immutable:
        return { type: entry.type, value: copy(entry.value) };
      case KeyType.Mutable: {
        const [value, timestamp] = splitMember(entry.members[entry.members.length - 1]!);
        return { type: entry.type, value: copy(value), timestamp };
      }
      case KeyType.Indexed:
        return { type: entry.type, value: [...entry.fields.values()].map(([f, v]) => [copy(f), copy(v)] as const) };
    }
  }

  async addMutable(key: Uint8Array, value: Uint8Array, timestamp: number): Promise<void> {
    const k = id(key);
    const member = packMember(timestamp, value);
    const found = this.#data.get(k);
    let members: Buffer[];
    if (found === undefined) {
      members = [];
      this.#data.set(k, { key: copy(key), entry: { type: KeyType.Mutable, members } });
    } else if (found.entry.type !== KeyType.Mutable) {
      throw wrongType();
    } else {
      members = found.entry.members;
    }
    const last = members[members.length - 1];
    if (last === undefined || Buffer.compare(last, member) < 0) {
      members.push(member); // the common case: samples arrive in time order
    } else {
      const at = lowerBound(members, member);
      if (members[at]?.equals(member)) return; // an identical sample is a no-op, as in a Redis zset
      members.splice(at, 0, member);
    }
    this.#notify(key, { kind: 'mutable', key: copy(key), value: copy(value), timestamp: Math.abs(timestamp) });
  }

  async setIndexed(key: Uint8Array, subKey: Uint8Array, value: Uint8Array): Promise<Uint8Array | undefined> {
    const k = id(key);
    const found = this.#data.get(k);
    let fields: Map<string, readonly [Buffer, Buffer]>;
    if (found === undefined) {
      fields = new Map();
      this.#data.set(k, { key: copy(key), entry: { type: KeyType.Indexed, fields } });
    } else if (found.entry.type !== KeyType.Indexed) {
      throw wrongType();
    } else {
      fields = found.entry.fields;
    }
    const existing = fields.get(id(subKey));
    if (existing !== undefined) return copy(existing[1]);
    fields.set(id(subKey), [copy(subKey), copy(value)]);
    this.#notify(key, { kind: 'indexed', key: copy(key), subKey: copy(subKey), value: copy(value) });
    return undefined;
  }

  async getIndexed(key: Uint8Array, subKey: Uint8Array): Promise<Uint8Array | null | undefined> {
    const entry = this.#data.get(id(key))?.entry;
    if (entry === undefined) return undefined;
    if (entry.type !== KeyType.Indexed) throw wrongType();
    const field = entry.fields.get(id(subKey));
    return field === undefined ? null : copy(field[1]);
  }

  async getRange(key: Uint8Array, start: number, end: number, includePrevious: boolean, includeEnd: boolean): Promise<RawSample[] | undefined> {
    const entry = this.#data.get(id(key))?.entry;
    if (entry === undefined) return undefined;
    if (entry.type !== KeyType.Mutable) throw wrongType();
    const { members } = entry;
    const startBound = packQueryTimestamp(start, false);
    const i0 = boundIndex(members, startBound);
    const i1 = boundIndex(members, packQueryTimestamp(end, true, includeEnd));
    const out: RawSample[] = [];
    // Like the Redis backend: the previous sample is the last one before start, even if start > end.
    if (includePrevious && i0 > 0) out.push(splitMember(copy(members[i0 - 1]!)));
    for (let i = i0; i < i1; i++) out.push(splitMember(copy(members[i]!)));
    return out;
  }

  async dump(key: Uint8Array): Promise<Uint8Array | undefined> {
    const entry = this.#data.get(id(key))?.entry;
    if (entry === undefined) return undefined;
    switch (entry.type) {
      case KeyType.Immutable:
        return dumpPayload(entry);
      case KeyType.Mutable:
        return dumpPayload({ type: entry.type, members: entry.members });
      case KeyType.Indexed:
        return dumpPayload({ type: entry.type, fields: [...entry.fields.values()] });
    }
  }

  async importKey(key: Uint8Array, data: RawKeyData): Promise<void> {
    let entry: Entry;
    switch (data.type) {
      case KeyType.Immutable:
        entry = { type: data.type, value: copy(data.value) };
        break;
      case KeyType.Mutable:
        entry = { type: data.type, members: data.members.map(copy).sort((a, b) => Buffer.compare(a, b)) };
        break;
      case KeyType.Indexed:
        entry = { type: data.type, fields: new Map(data.fields.map(([f, v]) => [id(f), [copy(f), copy(v)] as const])) };
        break;
    }
    this.#data.delete(id(key));
    this.#data.set(id(key), { key: copy(key), entry });
  }

  monitorKeys(keys: readonly Uint8Array[], onUpdate: Listener): KeyMonitor {
    const ids = [...new Set(keys.map(id))];
    for (const k of ids) {
      let set = this.#listeners.get(k);
      if (set === undefined) this.#listeners.set(k, (set = new Set()));
      set.add(onUpdate);
    }
    let closed = false;
    return {
      ready: Promise.resolve(),
      close: () => {
        if (closed) return;
        closed = true;
        for (const k of ids) {
          const set = this.#listeners.get(k);
          set?.delete(onUpdate);
          if (set?.size === 0) this.#listeners.delete(k);
        }
      },
    };
  }

  /** Number of keys with at least one monitor (for leak checks). */
  get monitoredKeyCount(): number {
    return this.#listeners.size;
  }

  /** Drops all data (like Python's aio MemoryBackend); the backend stays usable. */
  async close(): Promise<void> {
    this.#data.clear();
  }

  #notify(key: Uint8Array, update: KeyUpdate): void {
    const set = this.#listeners.get(id(key));
    if (set === undefined) return;
    for (const listener of [...set]) listener(update);
  }
}
