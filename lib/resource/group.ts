/**
 * `ClientGroup`: several resources addressed together; requests fan out to every member and
 * sensor waits can require a quorum.
 * @module
 */
import { KatcpAbortError, KatcpError, KatcpTimeoutError } from '../errors.js';
import type { CallOptions } from '../util/abort.js';
import { scoped } from '../inspecting/waiters.js';
import type { Clock } from '../util/clock.js';
import type { WaitCondition } from './condition.js';
import { Namespace, defaultingView } from './namespace.js';
import type { NamespaceObject } from './namespace.js';
import type { KatcpReply } from './reply.js';
import type { KATCPClientResource } from './resource.js';
import type { ResourceReading } from './resource-sensor.js';
import type { StrategyInput } from './strategy.js';
import { CALL_OPTION_KEYS, checkOptions } from '../util/options.js';

/** Per-member results keyed by member name; `succeeded` only when every value is truthy. */
export class GroupResults<V> extends Map<string, V> {
  /** True when every member's result is truthy (a succeeded reply, `true`). */
  get succeeded(): boolean {
    for (const v of this.values()) {
      if (v === undefined || v === null || v === false) return false;
      if (typeof v === 'object' && 'succeeded' in v && (v as { succeeded: unknown }).succeeded !== true) return false;
    }
    return true;
  }
}

/**
 * A group request: calls the same-named request on every member that has it (the others
 * contribute `undefined`) and resolves with each member's reply.
 */
export interface GroupRequest {
  (...args: unknown[]): Promise<GroupResults<KatcpReply | undefined>>;
  /** The escaped request name. */
  readonly name: string;
}

/** Options of {@link ClientGroup.wait}; times in milliseconds. */
export interface GroupWaitOptions extends CallOptions {
  /**
   * How many members must satisfy the condition: omitted means all; an integer is a count (so
   * `1` means one member); a number strictly between 0 and 1, or `{fraction}`, is a share of
   * the members rounded up (`{fraction: 1}` means all).
   */
  quorum?: number | { fraction: number };
  /** Extra time for the members still waiting once a quorum has answered (default 1 000 ms). */
  maxGracePeriod?: number;
}

/**
 * Several resources addressed as one. Iterable over its members.
 */
export class ClientGroup implements Iterable<KATCPClientResource> {
  /** Group name. */
  readonly name: string;
  /** Members, in the order given. */
  readonly clients: readonly KATCPClientResource[];
  /**
   * Requests any member offers, by escaped name; each call fans out to the members. When a
   * member has `dummyUnknownRequests`, that member offers every name, and so does this namespace.
   */
  readonly req: NamespaceObject<GroupRequest>;
  readonly #requests = new Namespace<GroupRequest>((n) => n);
  readonly #clock: Clock;
  readonly #unhook: (() => void)[] = [];

  /** @internal built by the container */
  constructor(name: string, clients: readonly KATCPClientResource[], clock: Clock) {
    this.name = name;
    this.clients = Object.freeze([...clients]);
    this.#clock = clock;
    this.req = this.clients.some((c) => c.dummyUnknownRequests) ? defaultingView(this.#requests.object, (key) => this.#call(key)) : this.#requests.object;
    for (const c of this.clients) {
      const refresh = (proxy: { identifier: string }): void => this.#refresh(proxy.identifier);
      c.on('requestAdded', refresh);
      c.on('requestRemoved', refresh);
      this.#unhook.push(() => {
        c.off('requestAdded', refresh);
        c.off('requestRemoved', refresh);
      });
      for (const key of Object.keys(c.req)) this.#refresh(key);
    }
  }

  /** Number of members. */
  get size(): number {
    return this.clients.length;
  }

  [Symbol.iterator](): Iterator<KATCPClientResource> {
    return this.clients[Symbol.iterator]();
  }

  /** True when every member is connected. */
  get isConnected(): boolean {
    return this.clients.every((c) => c.isConnected);
  }

  /** True when every member is synced. */
  get synced(): boolean {
    return this.clients.every((c) => c.synced);
  }

  /** @internal stop following the members */
  dispose(): void {
    for (const u of this.#unhook.splice(0)) u();
  }

  #refresh(key: string): void {
    const offered = this.clients.some((c) => Object.hasOwn(c.req, key));
    if (!offered) {
      this.#requests.delete(key);
      return;
    }
    if (this.#requests.has(key)) return;
    this.#requests.set(key, this.#call(key));
  }

  /** The group request `key`: every member that has it (a dummy-mode member has them all) is called. */
  #call(key: string): GroupRequest {
    const call = async (...args: unknown[]): Promise<GroupResults<KatcpReply | undefined>> => {
      const has = (c: KATCPClientResource): boolean => Object.hasOwn(c.req, key) || c.dummyUnknownRequests;
      const replies = await Promise.all(this.clients.map((c) => (has(c) ? c.req[key]!(...args) : Promise.resolve(undefined))));
      return new GroupResults(this.clients.map((c, i) => [c.name, replies[i]]));
    };
    Object.defineProperty(call, 'name', { value: key });
    return call;
  }

  /** Set a sensor's strategy on every member (see `KATCPClientResource.setSamplingStrategy`). */
  async setSamplingStrategy(sensorName: string, strategy: StrategyInput, opts: CallOptions = {}): Promise<GroupResults<boolean>> {
    const results = await Promise.all(this.clients.map((c) => c.setSamplingStrategy(sensorName, strategy, opts)));
    return new GroupResults(this.clients.map((c, i) => [c.name, results[i]!]));
  }

  /** Set the strategy of the sensors `filter` selects on every member. */
  async setSamplingStrategies(filter: string | RegExp, strategy: StrategyInput, opts: CallOptions = {}): Promise<GroupResults<Map<string, boolean>>> {
    const results = await Promise.all(this.clients.map((c) => c.setSamplingStrategies(filter, strategy, opts)));
    return new GroupResults(this.clients.map((c, i) => [c.name, results[i]!]));
  }

  /**
   * Wait until a quorum of members see `condition` on sensor `sensorName` (katcp-python's
   * `ClientGroup.wait`). First every member waits for `timeout - grace`; once a quorum of them
   * have an answer (true or false) the members not yet true get `grace` more, where grace is
   * `min(maxGracePeriod, timeout / 2)`. Resolves with each member's outcome; `succeeded` when at
   * least the quorum are true. A member without that sensor counts as false.
   * @throws KatcpError for a bad quorum; a member's error other than a missing sensor
   */
  async wait<T = unknown>(sensorName: string, condition: WaitCondition<T, ResourceReading<T>>, opts: GroupWaitOptions = {}): Promise<GroupWaitResult> {
    checkOptions(opts, [...CALL_OPTION_KEYS, 'quorum', 'maxGracePeriod'], `group ${this.name} wait`, { durations: ['timeout', 'maxGracePeriod'] });
    const n = this.clients.length;
    const quorum = resolveQuorum(opts.quorum, n);
    const timeout = opts.timeout ?? 5000;
    const maxGrace = opts.maxGracePeriod ?? 1000;
    const grace = timeout > 0 && maxGrace > 0 ? Math.min(maxGrace, timeout / 2) : maxGrace;
    const first = timeout > 0 && maxGrace > 0 ? timeout - grace : timeout;
    const outcome = new Map<string, boolean>();
    return scoped({ signal: opts.signal }, this.#clock, `group ${this.name} wait`, async (signal) => {
      const waitOne = async (c: KATCPClientResource, ms: number, s: AbortSignal): Promise<boolean> => {
        try {
          await c.wait(sensorName, condition, { timeout: ms, signal: s });
          return true;
        } catch (err) {
          if (err instanceof KatcpTimeoutError) return false;
          if (err instanceof KatcpError && err.code === 'KATCP_ERR_UNKNOWN_SENSOR') return false;
          throw err;
        }
      };
      // Phase 1: until a quorum of members answered (or all did).
      const phase = new AbortController();
      const onAbort = (): void => phase.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await new Promise<void>((resolve, reject) => {
          let answered = 0;
          if (quorum === 0) resolve();
          for (const c of this.clients) {
            waitOne(c, first, phase.signal).then(
              (ok) => {
                outcome.set(c.name, ok);
                if (++answered >= Math.max(quorum, 1) || answered === n) resolve();
              },
              (err: unknown) => {
                if (err instanceof KatcpAbortError && phase.signal.aborted) return;
                reject(err instanceof Error ? err : new KatcpError(String(err)));
              },
            );
          }
        });
      } finally {
        phase.abort();
        signal.removeEventListener('abort', onAbort);
      }
      // Phase 2: the members not yet true get the grace period.
      const pending = this.clients.filter((c) => outcome.get(c.name) !== true);
      if (pending.length > 0 && grace > 0) {
        const later = await Promise.all(pending.map((c) => waitOne(c, grace, signal)));
        pending.forEach((c, i) => outcome.set(c.name, later[i]!));
      }
      const result = new GroupWaitResult(this.clients.map((c) => [c.name, outcome.get(c.name) ?? false]));
      result.quorum = quorum;
      return result;
    });
  }
}

/** Outcome of {@link ClientGroup.wait}: per member, and `succeeded` when the quorum was met. */
export class GroupWaitResult extends Map<string, boolean> {
  /** The number of members that had to be true. */
  quorum = 0;

  /** True when at least `quorum` members are true. */
  get succeeded(): boolean {
    let count = 0;
    for (const v of this.values()) if (v) count++;
    return count >= this.quorum;
  }
}

/** Quorum as a member count. @throws KatcpError for a value that is neither a count nor a share */
export function resolveQuorum(quorum: GroupWaitOptions['quorum'], members: number): number {
  if (quorum === undefined) return members;
  const bad = (): KatcpError => new KatcpError(`quorum must be a whole number of members or a fraction in (0, 1], not ${JSON.stringify(quorum)}`, 'KATCP_ERR_ARGUMENT');
  if (typeof quorum === 'object' && quorum !== null) {
    const f = quorum.fraction;
    if (typeof f !== 'number' || !(f >= 0 && f <= 1)) throw bad();
    return Math.ceil(f * members);
  }
  if (typeof quorum !== 'number' || !Number.isFinite(quorum) || quorum < 0) throw bad();
  if (Number.isInteger(quorum)) return quorum;
  if (quorum < 1) return Math.ceil(quorum * members);
  throw bad();
}
