/**
 * The Redis backend's change notifications: one pub/sub connection per backend, channels
 * `update/<key>` subscribed when the first monitor of a key arrives and unsubscribed when the
 * last one leaves. Payloads are parsed as katsdptelstate does (typed `\x01`/`\x02`/`\x03`
 * payloads, or the legacy untyped ones resolved with TYPE). After every (re)connection — node-redis
 * re-subscribes before it reports `ready` — each monitor gets a `recheck`, so a write made while
 * the connection was down is never missed.
 * @module
 */
import type { KeyMonitor, KeyUpdate } from './backend.js';
import { keyString } from './keys.js';
import { splitMember } from './timestamp.js';
import type { Clock } from '../util/clock.js';
import { sleep } from '../util/clock.js';

type Listener = (update: KeyUpdate) => void;
type PubSubListener = (message: Buffer, channel: Buffer) => void;

/** The subset of a node-redis client the subscriber uses. */
export interface PubSubClient {
  subscribe(channel: string, listener: PubSubListener, bufferMode: true): Promise<void>;
  unsubscribe(channel: string, listener: PubSubListener, bufferMode: true): Promise<void>;
  pSubscribe(pattern: string, listener: PubSubListener, bufferMode: true): Promise<void>;
  pUnsubscribe(pattern: string, listener: PubSubListener, bufferMode: true): Promise<void>;
  on(event: 'ready', fn: () => void): unknown;
}

/** Looks up a key's Redis type ('none', 'string', 'zset', 'hash', ...). */
export type TypeLookup = (key: Buffer) => Promise<string>;

interface Channel {
  readonly key: Buffer;
  readonly channel: Buffer;
  /** Exact channel name, or a glob pattern for keys that are not valid UTF-8. */
  readonly name: string;
  readonly pattern: boolean;
  readonly listeners: Set<Listener>;
  readonly handler: PubSubListener;
  readonly ready: Promise<void>;
  active: boolean;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const PREFIX = Buffer.from('update/');

/** How a key's channel is named for node-redis (whose channel names are strings). */
export function channelName(key: Buffer): { name: string; pattern: boolean } {
  try {
    return { name: `update/${strictUtf8.decode(key)}`, pattern: false };
  } catch {
    // Match the exact bytes with a pattern: '?' for each undecodable byte, then filter on receipt.
    const escaped = keyString(key).replace(/[\udc80-\udcff]|[*?[\]\\]/g, (c) => (c.length === 1 && c >= '\udc80' ? '?' : `\\${c}`));
    return { name: `update/${escaped}`, pattern: true };
  }
}

/** Parse a published payload for `key`; undefined means "drop it". */
export async function parsePayload(key: Buffer, payload: Buffer, lookupType: TypeLookup): Promise<KeyUpdate | undefined> {
  let kind: number;
  let data = payload;
  const tag = payload[0];
  if (tag === 1 || tag === 2 || tag === 3) {
    kind = tag;
    data = payload.subarray(1);
  } else {
    const type = await lookupType(key);
    if (type === 'none') return undefined;
    kind = type === 'string' ? 1 : type === 'zset' ? 2 : type === 'hash' ? 3 : 0;
  }
  if (kind === 1) return { kind: 'immutable', key, value: data };
  if (kind === 2) {
    if (data.length < 8) return { kind: 'recheck' };
    const [value, timestamp] = splitMember(data);
    return { kind: 'mutable', key, value, timestamp };
  }
  if (kind === 3) {
    const nl = data.indexOf(0x0a);
    const len = nl > 0 ? Number(data.subarray(0, nl).toString('latin1')) : NaN;
    if (!Number.isSafeInteger(len) || len < 0 || nl + 1 + len > data.length) return { kind: 'recheck' };
    return { kind: 'indexed', key, subKey: data.subarray(nl + 1, nl + 1 + len), value: data.subarray(nl + 1 + len) };
  }
  return { kind: 'recheck' };
}

/** Shares one pub/sub connection among all monitors of a backend. */
export class RedisSubscriber {
  readonly #client: () => Promise<PubSubClient>;
  readonly #lookupType: TypeLookup;
  readonly #clock: Clock;
  readonly #retryMs: number;
  readonly #channels = new Map<string, Channel>();
  // Messages are handled one at a time so a TYPE lookup never reorders updates.
  #chain: Promise<void> = Promise.resolve();
  #hooked = false;
  readonly #stop = new AbortController();

  constructor(client: () => Promise<PubSubClient>, lookupType: TypeLookup, clock: Clock, retryMs = 1000) {
    this.#client = client;
    this.#lookupType = lookupType;
    this.#clock = clock;
    this.#retryMs = retryMs;
  }

  /** Number of channels currently subscribed or being subscribed (for leak checks). */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Start delivering updates of `keys` to `onUpdate`. */
  monitor(keys: readonly Uint8Array[], onUpdate: Listener): KeyMonitor {
    const channels: Channel[] = [];
    for (const k of keys) {
      const key = Buffer.from(k);
      const id = key.toString('latin1');
      let ch = this.#channels.get(id);
      if (ch === undefined) {
        ch = this.#open(key);
        this.#channels.set(id, ch);
      }
      if (!channels.includes(ch)) channels.push(ch);
      ch.listeners.add(onUpdate);
    }
    let closed = false;
    return {
      ready: Promise.all(channels.map((c) => c.ready)).then(() => undefined),
      close: () => {
        if (closed) return;
        closed = true;
        for (const ch of channels) {
          ch.listeners.delete(onUpdate);
          if (ch.listeners.size === 0 && ch.active) this.#release(ch);
        }
      },
    };
  }

  /** Stop everything (the connection itself is closed by the backend). */
  close(): void {
    this.#stop.abort();
    for (const ch of this.#channels.values()) ch.active = false;
    this.#channels.clear();
  }

  get #closed(): boolean {
    return this.#stop.signal.aborted;
  }

  #open(key: Buffer): Channel {
    const { name, pattern } = channelName(key);
    const channel = Buffer.concat([PREFIX, key]);
    const listeners = new Set<Listener>();
    const handler: PubSubListener = (message, from) => {
      if (pattern && !from.equals(channel)) return;
      this.#chain = this.#chain.then(() => this.#deliver(ch, message)).catch(() => undefined);
    };
    const ch: Channel = { key, channel, name, pattern, listeners, handler, active: true, ready: Promise.resolve() };
    (ch as { ready: Promise<void> }).ready = this.#subscribe(ch);
    return ch;
  }

  async #subscribe(ch: Channel): Promise<void> {
    for (;;) {
      if (!ch.active || this.#closed) return;
      try {
        const client = await this.#client();
        this.#hook(client);
        if (ch.pattern) await client.pSubscribe(ch.name, ch.handler, true);
        else await client.subscribe(ch.name, ch.handler, true);
        return;
      } catch {
        // A SUBSCRIBE lost with its connection is not re-sent by node-redis: retry it.
        await sleep(this.#clock, this.#retryMs, this.#stop.signal).catch(() => undefined);
      }
    }
  }

  #release(ch: Channel): void {
    ch.active = false;
    this.#channels.delete(ch.key.toString('latin1'));
    void ch.ready.then(async () => {
      if (this.#closed) return;
      const client = await this.#client();
      if (ch.pattern) await client.pUnsubscribe(ch.name, ch.handler, true);
      else await client.unsubscribe(ch.name, ch.handler, true);
    }).catch(() => undefined);
  }

  #hook(client: PubSubClient): void {
    if (this.#hooked) return;
    this.#hooked = true;
    client.on('ready', () => {
      for (const ch of this.#channels.values()) this.#emit(ch, { kind: 'recheck' });
    });
  }

  async #deliver(ch: Channel, message: Buffer): Promise<void> {
    let update: KeyUpdate | undefined;
    try {
      update = await parsePayload(ch.key, message, this.#lookupType);
    } catch {
      update = { kind: 'recheck' };
    }
    if (update !== undefined) this.#emit(ch, update);
  }

  #emit(ch: Channel, update: KeyUpdate): void {
    for (const listener of [...ch.listeners]) listener(update);
  }
}
