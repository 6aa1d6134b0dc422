/**
 * The sampling engine of the per-client sensor model: it brings every sensor's strategy on the
 * device to the one its views and claims want, for all of them together: one bulk
 * `?sensor-sampling a,b,c strategy` per chunk of names where the device offers `B`, pipelined
 * single requests otherwise (and when a bulk request is refused). Listers hold it while they
 * list (a changed list comes first); a failed round is retried on the project's one retry
 * mechanism (util/retry.ts).
 * @module
 */
import { FailReply, InvalidReply } from '../errors.js';
import type { Client } from './client.js';
import type { SamplingPlan } from './early-sampling.js';
import { chunkByName, MAX_IN_FLIGHT, settleLimited } from './sampling.js';
import { NONE } from './sensor-entry.js';
import type { RemoteSensor, WantedStrategy } from './sensor-entry.js';
import { SyncRetry } from './sync-retry.js';

/** True for the errors that are the device's answer (not a lost connection or a timeout). */
export function isReplyError(err: unknown): boolean {
  return err instanceof FailReply || err instanceof InvalidReply;
}

/** What the engine works on (the sensor model). */
export interface SamplingTable {
  /** Sensors whose strategy on the device is not (known to be) the wanted one. */
  readonly needSampling: Iterable<RemoteSensor>;
  /** True when some of them are the engine's to set. */
  readonly pendingWork: boolean;
  /** True when a claimant sets the strategy of `s` itself right now (the engine leaves it). */
  sendingNow(s: RemoteSensor): boolean;
  /** The wanted strategy of a sensor. */
  desired(s: RemoteSensor): WantedStrategy;
  /** The device now applies `key` to these sensors. */
  mark(sensors: readonly RemoteSensor[], key: string): void;
  /** The device refused `key` for `s`. */
  rejected(s: RemoteSensor, key: string, err: Error): void;
  /** A bulk subscription of these sensors is sent: their first readings should come in this order. */
  expectReadings(sensors: readonly RemoteSensor[]): void;
  /** Its reply came. */
  readingsIn(sensors: readonly RemoteSensor[]): void;
}

const byName = (a: RemoteSensor, b: RemoteSensor): number => (a.info.name < b.info.name ? -1 : a.info.name > b.info.name ? 1 : 0);

/** See the module documentation. */
export class SamplingEngine {
  readonly #client: Client;
  readonly #table: SamplingTable;
  #generation = 0;
  #holds = 0;
  #kicked = false;
  readonly #retry: SyncRetry;
  #idle: (() => void)[] = [];

  /**
   * @param client sends the requests
   * @param table the sensors and their wanted strategies
   */
  constructor(client: Client, table: SamplingTable) {
    this.#client = client;
    this.#table = table;
    this.#retry = new SyncRetry(client, 'setting sensor strategies');
  }

  /** The connection generation: a result of an older one is ignored. */
  get generation(): number {
    return this.#generation;
  }

  /** True while work is left or running. */
  get busy(): boolean {
    return this.#retry.running || (this.#holds === 0 && this.#client.isConnected && this.#table.pendingWork);
  }

  /** A new connection, a lost one, or the end: requests of the old generation are forgotten. */
  newGeneration(): void {
    this.#generation++;
    this.#holds = 0;
    this.#retry.cutWait();
    this.#settleIdle();
  }

  /** Keep the engine from starting rounds (a lister is listing) until the returned function is called. */
  hold(): () => void {
    const gen = this.#generation;
    this.#holds++;
    let released = false;
    return () => {
      if (released || gen !== this.#generation) return;
      released = true;
      this.#holds--;
      this.kick();
    };
  }

  /** Resolves once no work is left (or the connection changed). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Some sensor needs a new strategy: start a round soon (after the current synchronous work). */
  kick(): void {
    if (this.#kicked) return;
    this.#kicked = true;
    queueMicrotask(this.#kickNow);
  }

  // Made once: a closure made in kick() would give every call a context, and the model calls
  // kick() for each sensor of a list that needs a strategy.
  readonly #kickNow = (): void => {
    this.#kicked = false;
    this.#start();
  };

  #settleIdle(): void {
    if (this.#idle.length === 0 || this.busy) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }

  #start(): void {
    if (this.#retry.running || this.#holds > 0 || !this.#client.isConnected || !this.#table.pendingWork) {
      this.#settleIdle();
      return;
    }
    void this.#run();
  }

  /** Rounds until nothing is left, retried (sync-retry.ts) on failures that are not replies. */
  async #run(): Promise<void> {
    const gen = this.#generation;
    await this.#retry.run(
      async () => {
        while (gen === this.#generation && this.#holds === 0 && this.#table.pendingWork) await this.#round(gen);
      },
      () => gen === this.#generation && this.#client.isConnected,
    );
    this.#start();
  }

  /** One pass over the sensors that need a strategy: subscriptions first, then unsubscriptions. */
  async #round(gen: number): Promise<void> {
    const table = this.#table;
    const subscribe = new Map<string, SamplingPlan>();
    const unsubscribe: RemoteSensor[] = [];
    for (const s of table.needSampling) {
      if (table.sendingNow(s)) continue;
      const { args, key } = table.desired(s);
      if (key === NONE) {
        unsubscribe.push(s);
        continue;
      }
      let plan = subscribe.get(key);
      if (plan === undefined) subscribe.set(key, (plan = { args, sensors: [] }));
      plan.sensors.push(s);
    }
    for (const plan of subscribe.values()) {
      plan.sensors.sort(byName);
      await this.setSampling(plan, gen);
      if (gen !== this.#generation || this.#holds > 0) return;
    }
    if (unsubscribe.length > 0) await this.setSampling({ args: [NONE], sensors: unsubscribe.sort(byName) }, gen);
  }

  /**
   * Set one strategy on these sensors: bulk chunks where the device offers `B`, single requests
   * otherwise or for chunks the device refused. A refusal of a single request is reported to the
   * table. Used by the rounds and by early sampling while a list arrives.
   * @throws the first failure that is not a reply (lost connection, timeout)
   */
  async setSampling(plan: SamplingPlan, gen: number): Promise<void> {
    const key = plan.args.join(' ');
    const client = this.#client;
    const table = this.#table;
    let single = plan.sensors;
    if (client.protocolFlags?.bulkSetSensorSampling === true && plan.sensors.length > 1) {
      const chunks = plan.chunked === true ? [plan.sensors] : chunkByName(plan.sensors, (s) => s.info.name);
      const subscribing = key !== NONE;
      const results = await settleLimited(chunks, MAX_IN_FLIGHT, (chunk) => {
        const sent = client.request('sensor-sampling', chunk.map((s) => s.info.name).join(','), ...plan.args);
        if (!subscribing) return sent;
        table.expectReadings(chunk);
        return sent.finally(() => table.readingsIn(chunk));
      });
      if (gen !== this.#generation) return;
      single = [];
      results.forEach((r, i) => {
        const chunk = chunks[i] as RemoteSensor[];
        if (r.status === 'fulfilled') table.mark(chunk, key);
        else if (isReplyError(r.reason)) {
          client.logger.debug(`bulk sampling failed (${(r.reason as Error).message}); setting sensors one at a time`);
          single.push(...chunk);
        } else throw r.reason as Error;
      });
    }
    if (single.length === 0) return;
    const results = await settleLimited(single, MAX_IN_FLIGHT, (s) => client.request('sensor-sampling', s.info.name, ...plan.args));
    if (gen !== this.#generation) return;
    results.forEach((r, i) => {
      const s = single[i] as RemoteSensor;
      if (r.status === 'rejected') {
        if (!isReplyError(r.reason)) throw r.reason as Error;
        // Marked as set all the same: asking again would get the same answer. Probably removed
        // meanwhile (the next list sorts that out), or a strategy the device does not take.
        client.logger.warn(`failed to set the strategy of ${s.info.name} to ${key}: ${(r.reason as Error).message}`);
        table.mark([s], key);
        table.rejected(s, key, r.reason as Error);
        return;
      }
      table.mark([s], key);
    });
  }
}
