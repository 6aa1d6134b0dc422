/**
 * A backend on a Redis server, with katsdptelstate's exact layout (strings, zsets of packed
 * samples with score 0, hashes of msgpack sub-keys), its Lua-script semantics and `update/<key>`
 * notifications, so Python and TypeScript share one database. Built on node-redis, which
 * reconnects on its own (re-subscribing pub/sub channels); commands that fail because a
 * connection dropped are retried once, which is safe because every command here is idempotent.
 * @module
 */
import { createClient, ErrorReply, RESP_TYPES } from 'redis';
import { KeyType } from './backend.js';
import type { Backend, GetResult, KeyMonitor, KeyUpdate, RawKeyData, RawSample } from './backend.js';
import { ImmutableKeyError, TelstateConnectionError, TelstateError } from './errors.js';
import { RedisSubscriber } from './redis-subscriber.js';
import type { PubSubClient } from './redis-subscriber.js';
import { ADD_MUTABLE, GET, GET_INDEXED, GET_RANGE, SET_IMMUTABLE, SET_INDEXED } from './redis-scripts.js';
import type { LuaScript } from './redis-scripts.js';
import { packMember, packQueryTimestamp, splitMember } from './timestamp.js';
import { KatcpTimeoutError } from '../errors.js';
import type { CallOptions } from '../util/abort.js';
import { withCancel } from '../util/abort.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';

/** Where and how to connect. */
export interface RedisBackendOptions {
  /** `redis://[user:password@]host:port/db` (takes precedence over host/port/path). */
  url?: string;
  /** Host name (default 127.0.0.1). */
  host?: string;
  /** TCP port (default 6379). */
  port?: number;
  /** Unix socket path instead of host/port. */
  path?: string;
  /** Database number (default 0). */
  db?: number;
  /** ACL user name. */
  username?: string;
  /** Password. */
  password?: string;
  /** Milliseconds allowed for each connection attempt (default 5000). */
  connectTimeout?: number;
  /** Longest pause between reconnection attempts, in ms (default 1000). */
  maxReconnectDelay?: number;
  /**
   * Milliseconds a command may take, including any time spent waiting for a lost connection to
   * come back, before it fails with `TelstateConnectionError` (default 10000; Infinity waits).
   */
  commandTimeout?: number;
  /** Clock for retry pauses (tests). */
  clock?: Clock;
}

type Client = ReturnType<typeof createClient>;
type Reply = Buffer | number | null | Reply[];

const BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer, [RESP_TYPES.SIMPLE_STRING]: Buffer } };
const IMPORT_BATCH = 10_000;

function mapError(err: unknown): unknown {
  if (err instanceof Error && err.message.includes('WRONGTYPE')) return new ImmutableKeyError(err.message, { cause: err });
  return err;
}

/** Parse `redis://...` (kept as a URL) or `host[:port]` / `[ipv6][:port]`. */
function parseEndpoint(endpoint: string): RedisBackendOptions {
  if (endpoint.includes('://')) return { url: endpoint };
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*))(?::(\d+))?$/.exec(endpoint);
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] === undefined ? 6379 : Number(m[3]);
  if (m === null || host === undefined || host === '' || port < 1 || port > 65535) {
    throw new TelstateError(`invalid Redis endpoint ${JSON.stringify(endpoint)} (expected host:port or a redis:// URL)`);
  }
  return { host, port };
}

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** The Redis backend. `new RedisBackend('redis://host:6379/0')` connects in the background. */
export class RedisBackend implements Backend {
  readonly #client: Client;
  readonly #subscriber: RedisSubscriber;
  readonly #clock: Clock;
  readonly #commandTimeout: number;
  #sub: Client | undefined;
  #started = false;
  #subConnecting: Promise<PubSubClient> | undefined;
  #closed = false;
  #lastError: Error | undefined;

  /**
   * @param target a `redis://host:port/db` URL, a `host:port` endpoint (`[::1]:6379` for IPv6,
   *   port 6379 when omitted), or connection options
   */
  constructor(target: string | RedisBackendOptions = {}) {
    const opts: RedisBackendOptions = typeof target === 'string' ? parseEndpoint(target) : target;
    this.#clock = opts.clock ?? systemClock;
    this.#commandTimeout = opts.commandTimeout ?? 10_000;
    const maxDelay = opts.maxReconnectDelay ?? 1000;
    const common = { connectTimeout: opts.connectTimeout ?? 5000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, maxDelay) };
    const socket = opts.path !== undefined ? { ...common, path: opts.path, tls: false as const } : { ...common, host: opts.host ?? '127.0.0.1', port: opts.port ?? 6379 };
    this.#client = createClient({
      ...(opts.url !== undefined ? { url: opts.url, socket: common } : { socket }),
      ...(opts.db !== undefined ? { database: opts.db } : {}),
      ...(opts.username !== undefined ? { username: opts.username } : {}),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
    });
    this.#client.on('error', (err: Error) => {
      this.#lastError = err;
    });
    this.#subscriber = new RedisSubscriber(() => this.#pubsub(), (key) => this.#typeName(key), this.#clock);
  }

  /**
   * Create a backend and check the server answers PING (like Python's `from_url`).
   * @throws TelstateConnectionError if it does not within `opts.timeout` (default 5000 ms)
   */
  static async connect(target: string | RedisBackendOptions, opts: CallOptions = {}): Promise<RedisBackend> {
    const backend = new RedisBackend(target);
    const clock = typeof target === 'string' ? systemClock : (target.clock ?? systemClock);
    try {
      await withCancel(backend.#command(['PING']), { timeout: opts.timeout ?? 5000, signal: opts.signal, what: 'connecting to Redis', clock });
    } catch (err) {
      await backend.close();
      throw new TelstateConnectionError(`cannot connect to Redis: ${(err as Error).message}`, { cause: err });
    }
    return backend;
  }

  /** The last connection error node-redis reported (such errors are retried, not thrown). */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Number of pub/sub channels held for waiters (0 when nobody waits). */
  get subscribedChannels(): number {
    return this.#subscriber.channelCount;
  }

  /** Start connecting (once). Commands issued meanwhile wait in node-redis's offline queue. */
  #start(): void {
    if (this.#closed) throw new TelstateError('the Redis backend is closed');
    if (this.#started) return;
    this.#started = true;
    // Connection failures are retried by node-redis and surface as command timeouts.
    this.#client.connect().catch(() => undefined);
  }

  #timeoutError(err: unknown, what: string): unknown {
    if (err instanceof Error && err.constructor.name === 'TimeoutError') {
      return new TelstateConnectionError(`no answer from Redis within ${this.#commandTimeout} ms (${what})`, { cause: err });
    }
    return mapError(err);
  }

  async #command(args: readonly (string | Buffer)[]): Promise<Reply> {
    const options = Number.isFinite(this.#commandTimeout) ? { ...BUFFERS, timeout: this.#commandTimeout } : BUFFERS;
    for (let attempt = 0; ; attempt++) {
      this.#start();
      try {
        return await this.#client.sendCommand<Reply>(args, options);
      } catch (err) {
        // A transport failure (not a Redis error reply, not our own timeout) is retried once:
        // every command here is idempotent, so a repeat is harmless.
        const transport = err instanceof Error && !(err instanceof ErrorReply) && err.constructor.name !== 'TimeoutError';
        if (attempt === 0 && transport && !this.#closed) continue;
        throw this.#timeoutError(err, String(args[0]));
      }
    }
  }

  async #script(s: LuaScript, key: Uint8Array, ...args: (string | Uint8Array)[]): Promise<Reply> {
    const rest = [toBuffer(key), ...args.map((a) => (typeof a === 'string' ? a : toBuffer(a)))];
    try {
      return await this.#command(['EVALSHA', s.sha, '1', ...rest]);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return await this.#command(['EVAL', s.source, '1', ...rest]);
    }
  }

  async #typeName(key: Uint8Array): Promise<string> {
    const reply = await this.#command(['TYPE', toBuffer(key)]);
    return Buffer.isBuffer(reply) ? reply.toString('latin1') : String(reply);
  }

  async #pubsub(): Promise<PubSubClient> {
    this.#subConnecting ??= (async () => {
      this.#start();
      const sub = this.#client.duplicate();
      sub.on('error', (err: Error) => {
        this.#lastError = err;
      });
      this.#sub = sub;
      await sub.connect();
      return sub;
    })();
    return this.#subConnecting;
  }

  async exists(key: Uint8Array): Promise<boolean> {
    return (await this.#command(['EXISTS', toBuffer(key)])) === 1;
  }

  async keys(pattern: Uint8Array): Promise<Uint8Array[]> {
    return (await this.#command(['KEYS', toBuffer(pattern)])) as Buffer[];
  }

  async delete(key: Uint8Array): Promise<void> {
    await this.#command(['UNLINK', toBuffer(key)]);
  }

  async clear(): Promise<void> {
    await this.#command(['FLUSHDB', 'ASYNC']);
  }

  async keyType(key: Uint8Array): Promise<KeyType | undefined> {
    const t = await this.#typeName(key);
    if (t === 'none') return undefined;
    if (t === 'string') return KeyType.Immutable;
    if (t === 'zset') return KeyType.Mutable;
    if (t === 'hash') return KeyType.Indexed;
    throw new TelstateError(`key holds a Redis ${t}, which telstate does not use`);
  }

  async setImmutable(key: Uint8Array, value: Uint8Array): Promise<Uint8Array | undefined> {
    return ((await this.#script(SET_IMMUTABLE, key, value)) as Buffer | null) ?? undefined;
  }

  async get(key: Uint8Array): Promise<GetResult> {
    const [value, type] = (await this.#script(GET, key)) as [Reply, Buffer];
    switch (type.toString('latin1')) {
      case 'none':
        return { type: undefined };
      case 'string':
        return { type: KeyType.Immutable, value: value as Buffer };
      case 'zset': {
        const [v, timestamp] = splitMember(value as Buffer);
        return { type: KeyType.Mutable, value: v, timestamp };
      }
      default: {
        const flat = value as Buffer[];
        const pairs: (readonly [Buffer, Buffer])[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
        return { type: KeyType.Indexed, value: pairs };
      }
    }
  }

  async addMutable(key: Uint8Array, value: Uint8Array, timestamp: number): Promise<void> {
    await this.#script(ADD_MUTABLE, key, packMember(timestamp, value));
  }

  async setIndexed(key: Uint8Array, subKey: Uint8Array, value: Uint8Array): Promise<Uint8Array | undefined> {
    return ((await this.#script(SET_INDEXED, key, subKey, value)) as Buffer | null) ?? undefined;
  }

  async getIndexed(key: Uint8Array, subKey: Uint8Array): Promise<Uint8Array | null | undefined> {
    const reply = await this.#script(GET_INDEXED, key, subKey);
    if (reply === 1) return undefined;
    return reply as Buffer | null;
  }

  async getRange(key: Uint8Array, start: number, end: number, includePrevious: boolean, includeEnd: boolean): Promise<RawSample[] | undefined> {
    const reply = await this.#script(
      GET_RANGE,
      key,
      packQueryTimestamp(start, false),
      packQueryTimestamp(end, true, includeEnd),
      includePrevious ? '1' : '0',
    );
    if (reply === null) return undefined;
    const [prev, range] = reply as [Buffer[], Buffer[]];
    return [...prev, ...range].map(splitMember);
  }

  async dump(key: Uint8Array): Promise<Uint8Array | undefined> {
    return ((await this.#command(['DUMP', toBuffer(key)])) as Buffer | null) ?? undefined;
  }

  async importKey(key: Uint8Array, data: RawKeyData, expireAtMs?: number): Promise<void> {
    const k = toBuffer(key);
    const batches: (string | Buffer)[][] = [];
    if (data.type === KeyType.Immutable) batches.push(['SET', k, toBuffer(data.value)]);
    else if (data.type === KeyType.Mutable) {
      for (let i = 0; i < data.members.length; i += IMPORT_BATCH) {
        batches.push(['ZADD', k, ...data.members.slice(i, i + IMPORT_BATCH).flatMap((m) => ['0', toBuffer(m)])]);
      }
    } else {
      for (let i = 0; i < data.fields.length; i += IMPORT_BATCH) {
        batches.push(['HSET', k, ...data.fields.slice(i, i + IMPORT_BATCH).flatMap(([f, v]) => [toBuffer(f), toBuffer(v)])]);
      }
    }
    if (expireAtMs !== undefined) batches.push(['PEXPIREAT', k, String(Math.trunc(expireAtMs))]);
    this.#start();
    const multi = this.#client.multi();
    multi.addCommand(['UNLINK', k]);
    for (const b of batches) multi.addCommand(b);
    try {
      await withCancel(multi.exec(), { timeout: this.#commandTimeout, what: 'loading a key into Redis', clock: this.#clock });
    } catch (err) {
      if (err instanceof KatcpTimeoutError) throw new TelstateConnectionError(`no answer from Redis within ${this.#commandTimeout} ms (MULTI)`, { cause: err });
      throw mapError(err);
    }
  }

  monitorKeys(keys: readonly Uint8Array[], onUpdate: (update: KeyUpdate) => void): KeyMonitor {
    return this.#subscriber.monitor(keys, onUpdate);
  }

  /** Close both connections (pending commands finish first). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscriber.close();
    const clients = [this.#client, this.#sub].filter((c): c is Client => c !== undefined);
    await Promise.all(clients.map(async (c) => (c.isReady ? c.close() : c.destroy())).map((p) => p.catch(() => undefined)));
  }
}
