/**
 * The per-client sensor monitor behind every {@link SensorWatcher} (aiokatcp's `_SensorMonitor`):
 * it lists the device's sensors, keeps each sensor subscribed with the strategy its watchers
 * want (or unsubscribed when nobody wants it), and fans `#sensor-status` updates out to the
 * watchers. One monitor serves all watchers of a client, so two watchers never fight over a
 * sensor's sampling strategy: a sensor gets the strategy of the oldest watcher that wants it.
 *
 * Beyond aiokatcp: `#interface-changed sensor NAME added|modified` re-lists only that sensor
 * (`?sensor-list NAME`) and `... removed` drops it locally; `#device-changed` is handled like
 * `#interface-changed`; bulk sampling is chunked; failures are retried with a backoff instead
 * of in a tight loop; strategy periods are converted to milliseconds for v4 devices.
 *
 * This file keeps the device in step (listing, subscribing, retrying, interface changes);
 * sensor-registry.ts holds the sensors and watchers and fans changes out to the watchers.
 * @module
 */
import type { Message } from '../codec/message.js';
import { FailReply, InvalidReply } from '../errors.js';
import { retry } from '../util/retry.js';
import type { RetryPolicy } from '../util/retry.js';
import type { Client } from './client.js';
import { EarlySampling } from './early-sampling.js';
import type { SamplingPlan } from './early-sampling.js';
import { chunkByName, MAX_IN_FLIGHT, settleLimited } from './sampling.js';
import { parseInterfaceChanged } from './interface-informs.js';
import { parseSensorListInform } from './sensor-informs.js';
import type { SensorInfo } from './sensor-informs.js';
import { NONE, SensorRegistry } from './sensor-registry.js';
import type { MonitorWatcher, RemoteSensor } from './sensor-registry.js';
import { SyncState } from './sync-state.js';


const monitors = new WeakMap<Client, SensorMonitor>();

/** The monitor of `client`, created on first use. */
export function monitorFor(client: Client): SensorMonitor {
  let m = monitors.get(client);
  if (m === undefined || m.isClosed) {
    m = new SensorMonitor(client);
    monitors.set(client, m);
  }
  return m;
}

function isReplyError(err: unknown): boolean {
  return err instanceof FailReply || err instanceof InvalidReply;
}

/** See the module documentation. */
export class SensorMonitor {
  readonly #client: Client;
  readonly #registry: SensorRegistry;
  #state: SyncState = SyncState.Disconnected;
  #needFullList = false;
  readonly #needNames = new Set<string>();
  #running = false;
  #generation = 0;
  #listings = 0;
  /** Stops the retry of the current run; aborted only while it waits between attempts. */
  #retryCtl: AbortController | undefined;
  #waiting = false;
  readonly #detach: (() => void)[] = [];

  /** @param client the client whose device it follows (use {@link monitorFor}) */
  constructor(client: Client) {
    this.#client = client;
    this.#registry = new SensorRegistry(client, () => this.#trigger());
    const onConnected = (): void => this.#connected();
    const onDisconnected = (): void => this.#disconnected();
    const onState = (state: string): void => {
      if (state === 'closed') this.close();
    };
    client.on('connected', onConnected);
    client.on('disconnected', onDisconnected);
    client.on('stateChange', onState);
    this.#detach.push(
      () => client.off('connected', onConnected),
      () => client.off('disconnected', onDisconnected),
      () => client.off('stateChange', onState),
      client.addInformHandler('sensor-status', (msg) => {
        if (this.#state !== SyncState.Closed) this.#registry.onSensorStatus(msg);
      }),
      client.addInformHandler('interface-changed', (msg) => this.#onInterfaceChanged(msg)),
      client.addInformHandler('device-changed', (msg) => this.#onInterfaceChanged(msg)),
    );
    if (client.state === 'closed') this.close();
    else if (client.isConnected) this.#connected();
  }

  /** The synchronisation state shared by all watchers. */
  get state(): SyncState {
    return this.#state;
  }

  /** True once the client closed (a new watcher then gets a fresh, closed monitor). */
  get isClosed(): boolean {
    return this.#state === SyncState.Closed;
  }

  /** Known remote sensors (all of them, wanted or not). */
  get remoteSensors(): ReadonlyMap<string, { readonly info: SensorInfo }> {
    return this.#registry.sensors;
  }

  /** Register a watcher; it is brought up to date at once (state, sensors, last readings). */
  addWatcher(w: MonitorWatcher): void {
    this.#registry.addWatcher(w, this.#state);
  }

  /** Unregister a watcher; sensors nobody wants any more are unsubscribed (`none`). */
  removeWatcher(w: MonitorWatcher): void {
    this.#registry.removeWatcher(w);
  }

  /** Stop: called when the client closes. Watchers get `closed`. */
  close(): void {
    if (this.#state === SyncState.Closed) return;
    this.#generation++;
    for (const off of this.#detach.splice(0)) off();
    this.#cutWait();
    this.#setState(SyncState.Closed);
    this.#registry.clear();
    this.#needNames.clear();
    if (monitors.get(this.#client) === this) monitors.delete(this.#client);
  }

  // ------------------------------------------------------------ state and triggers

  #setState(state: SyncState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#registry.notifyState(state);
  }

  #trigger(): void {
    if (this.#state === SyncState.Synced) this.#setState(SyncState.Syncing);
    if (this.#state === SyncState.Syncing) this.#kick();
  }

  #connected(): void {
    this.#generation++;
    this.#cutWait();
    this.#needFullList = true;
    this.#needNames.clear();
    this.#setState(SyncState.Syncing);
    this.#registry.resetSubscriptions();
    this.#kick();
  }

  #disconnected(): void {
    this.#generation++;
    this.#cutWait();
    this.#setState(SyncState.Disconnected);
  }

  #kick(): void {
    if (this.#running || !this.#client.isConnected || this.#state === SyncState.Closed) return;
    this.#running = true;
    void this.#run();
  }

  #hasWork(): boolean {
    return this.#needFullList || this.#needNames.size > 0 || this.#registry.needSampling.size > 0;
  }

  /** A wait between retries ends at once (a new connection has its own work; or none is coming). */
  #cutWait(): void {
    if (this.#waiting) this.#retryCtl?.abort();
  }

  /**
   * The update loop on the project's one retry mechanism (util/retry.ts, p-retry): a failed round
   * is retried after 500 ms doubling to 30 s, awaited on the client's clock; a reconnection,
   * disconnection or close cuts the wait through the retry's signal.
   */
  async #run(): Promise<void> {
    const gen = this.#generation;
    const ctl = new AbortController();
    this.#retryCtl = ctl;
    const policy: RetryPolicy = {
      nextDelay: (attempt) => {
        if (gen !== this.#generation || !this.#client.isConnected || this.#state === SyncState.Closed) return false;
        return Math.min(30_000, 500 * 2 ** (attempt - 1));
      },
      reset: () => undefined,
    };
    try {
      await retry(
        () => {
          this.#waiting = false;
          return this.#round(gen);
        },
        {
          policy,
          clock: this.#client.clock,
          signal: ctl.signal,
          onRetry: (err, _attempt, delay) => {
            this.#client.logger.warn(`sensor sync failed (retrying in ${delay} ms): ${err.message}`);
            this.#waiting = true;
          },
        },
      );
    } catch {
      // Given up or cut short by a new generation: that generation's own run does the work.
    } finally {
      this.#waiting = false;
      this.#running = false;
      if (this.#retryCtl === ctl) this.#retryCtl = undefined;
    }
    if (this.#hasWork()) this.#kick();
  }

  /** One round: lists and subscribes until nothing is left to do, then reports synced. @throws what failed */
  async #round(gen: number): Promise<void> {
    while (gen === this.#generation && this.#hasWork()) {
      if (this.#needFullList) {
        this.#needFullList = false;
        this.#needNames.clear();
        let samplingError: Error | undefined;
        try {
          samplingError = await this.#listAll(gen);
        } catch (err) {
          this.#needFullList = true;
          throw err;
        }
        // The list is in; a subscription made while it arrived failed (not by a reply).
        if (samplingError !== undefined) throw samplingError;
      } else if (this.#needNames.size > 0) {
        const names = [...this.#needNames];
        this.#needNames.clear();
        try {
          await this.#listSome(names, gen);
        } catch (err) {
          for (const n of names) this.#needNames.add(n);
          throw err;
        }
      } else {
        await this.#updateSampling(gen);
      }
    }
    if (gen === this.#generation && this.#state === SyncState.Syncing) this.#setState(SyncState.Synced);
  }

  // ------------------------------------------------------------ listing

  /**
   * `?sensor-list` of everything, parsed as it arrives and applied in one batch once complete.
   * With bulk sampling, listed sensors are subscribed meanwhile (see early-sampling.ts). Resolves
   * once the list and those subscriptions are done, with the first subscription failure that
   * was not a reply, if any.
   * @throws whatever failed the list request
   */
  async #listAll(gen: number): Promise<Error | undefined> {
    const registry = this.#registry;
    const client = this.#client;
    const early = client.protocolFlags?.bulkSetSensorSampling === true ? new EarlySampling((plan) => this.#setSampling(plan, gen)) : undefined;
    const infos: SensorInfo[] = [];
    const listing = ++this.#listings;
    const onInform = (inform: Message): void => {
      if (gen !== this.#generation || this.#state === SyncState.Closed) return;
      const info = this.#parseInfo(inform);
      if (info === undefined) return;
      infos.push(info);
      const s = early === undefined ? undefined : registry.incoming(info);
      // The stamp keeps a sensor listed twice (a device bug) out of a second chunk.
      if (s === undefined || s.listing === listing) return;
      s.listing = listing;
      early!.add(s, registry.desired(s));
    };
    let listError: unknown;
    try {
      await client.request('sensor-list', { onInform });
      if (gen === this.#generation) {
        registry.batch(() => {
          for (const info of infos) registry.apply(info).listing = listing;
          const gone: RemoteSensor[] = [];
          for (const s of registry.sensors.values()) if (s.listing !== listing) gone.push(s);
          for (const s of gone) registry.remove(s);
        });
        early?.flush();
      }
    } catch (err) {
      listError = err;
    } finally {
      registry.clearIncoming();
    }
    // Subscriptions already requested are waited for, so that #updateSampling never overlaps them.
    const samplingError = early === undefined ? undefined : await early.settle();
    if (listError !== undefined) throw listError as Error;
    return samplingError;
  }

  async #listSome(names: string[], gen: number): Promise<void> {
    const results = await settleLimited(names, MAX_IN_FLIGHT, (name) => this.#client.request('sensor-list', name));
    if (gen !== this.#generation) return;
    let error: unknown;
    const registry = this.#registry;
    registry.batch(() => {
      results.forEach((result, i) => {
        const name = names[i] as string;
        if (result.status === 'rejected') {
          if (isReplyError(result.reason)) {
            const s = registry.sensors.get(name);
            if (s !== undefined) registry.remove(s);
          } else {
            this.#needNames.add(name);
            error ??= result.reason;
          }
          return;
        }
        const infos = result.value.informs.map((m) => this.#parseInfo(m)).filter((x) => x?.name === name) as SensorInfo[];
        const info = infos[0];
        if (info !== undefined) registry.apply(info);
        else {
          const s = registry.sensors.get(name);
          if (s !== undefined) registry.remove(s);
        }
      });
    });
    if (error !== undefined) throw error as Error;
  }

  #parseInfo(inform: Message): SensorInfo | undefined {
    try {
      return parseSensorListInform(inform);
    } catch (err) {
      this.#client.logger.warn(`ignored a sensor description: ${(err as Error).message}`);
      return undefined;
    }
  }

  // ------------------------------------------------------------ sampling

  async #updateSampling(gen: number): Promise<void> {
    const subscribe = new Map<string, SamplingPlan>();
    const unsubscribe: RemoteSensor[] = [];
    for (const s of this.#registry.needSampling) {
      const { args, key } = this.#registry.desired(s);
      if (key === NONE) {
        unsubscribe.push(s);
        continue;
      }
      let plan = subscribe.get(key);
      if (plan === undefined) subscribe.set(key, (plan = { args, sensors: [] }));
      plan.sensors.push(s);
    }
    const byName = (a: RemoteSensor, b: RemoteSensor): number => (a.info.name < b.info.name ? -1 : a.info.name > b.info.name ? 1 : 0);
    for (const plan of subscribe.values()) {
      plan.sensors.sort(byName);
      await this.#setSampling(plan, gen);
      if (gen !== this.#generation) return;
    }
    // A changed sensor list comes first: it may make the unsubscriptions moot.
    if (unsubscribe.length > 0 && !this.#needFullList && this.#needNames.size === 0) {
      await this.#setSampling({ args: [NONE], sensors: unsubscribe.sort(byName) }, gen);
    }
  }

  async #setSampling(plan: SamplingPlan, gen: number): Promise<void> {
    const key = plan.args.join(' ');
    const client = this.#client;
    let single = plan.sensors;
    if (client.protocolFlags?.bulkSetSensorSampling === true && plan.sensors.length > 1) {
      const chunks = chunkByName(plan.sensors, (s) => s.info.name);
      const results = await settleLimited(chunks, MAX_IN_FLIGHT, (chunk) =>
        client.request('sensor-sampling', chunk.map((s) => s.info.name).join(','), ...plan.args),
      );
      if (gen !== this.#generation) return;
      single = [];
      results.forEach((r, i) => {
        const chunk = chunks[i] as RemoteSensor[];
        if (r.status === 'fulfilled') this.#registry.mark(chunk, key);
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
        // Probably removed meanwhile; the next sensor list sorts it out.
        client.logger.warn(`failed to set the strategy of ${s.info.name} to ${key}: ${(r.reason as Error).message}`);
      }
      this.#registry.mark([s], key);
    });
  }

  #onInterfaceChanged(msg: Message): void {
    if (this.#state === SyncState.Closed) return;
    const changes = parseInterfaceChanged(msg);
    if (changes.some((c) => c.scope === 'all' || c.scope === 'sensors')) {
      this.#needFullList = true;
      this.#trigger();
      return;
    }
    if (this.#state === SyncState.Disconnected) return; // a full list follows the reconnection
    let relist = false;
    const registry = this.#registry;
    registry.batch(() => {
      for (const c of changes) {
        if (c.scope !== 'sensor') continue;
        const name = c.name;
        if (c.change === 'removed') {
          this.#needNames.delete(name);
          const s = registry.sensors.get(name);
          if (s !== undefined) registry.remove(s);
        } else if (!this.#needFullList) {
          this.#needNames.add(name);
          relist = true;
        }
      }
    });
    if (relist) this.#trigger();
  }
}
