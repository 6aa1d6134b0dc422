/**
 * The SensorWatchers' sync engine on the client's sensor model (aiokatcp's `_SensorMonitor`): it
 * lists the device's sensors into the model (a full `?sensor-list` with early sampling on
 * connection, named relists on `#interface-changed`), waits for the model's sampling engine to
 * set the strategies, and reports the watchers' {@link SyncState}. It keeps no table of its own:
 * the sensors, the watchers' wanted strategies and the readings are the model's.
 *
 * Beyond aiokatcp: `#interface-changed sensor NAME added|modified` re-lists only that sensor
 * (`?sensor-list NAME`) and `... removed` drops it locally; `#device-changed` is handled like
 * `#interface-changed`; bulk sampling is chunked; failures are retried with a backoff instead
 * of in a tight loop; strategy periods are converted to milliseconds for v4 devices.
 * @module
 */
import type { Message } from '../codec/message.js';
import type { Client } from './client.js';
import { EarlySampling } from './early-sampling.js';
import { MAX_IN_FLIGHT, settleLimited } from './sampling.js';
import { parseInterfaceChanged } from './interface-informs.js';
import { RemoteSensor } from './sensor-entry.js';
import type { SensorView } from './sensor-entry.js';
import { parseSensorListInform } from './sensor-informs.js';
import type { SensorInfo } from './sensor-informs.js';
import type { SensorModel } from './sensor-model.js';
import { isReplyError } from './sensor-sampling-engine.js';
import { SyncState } from './sync-state.js';
import { SyncRetry } from './sync-retry.js';

/** What the monitor tells each watcher besides what the model does (implemented by SensorWatcher). */
export interface MonitorWatcher extends SensorView {
  stateUpdated(state: SyncState): void;
}

/** The watchers' monitor of `model`, created on first use (again after the client closed). */
export function monitorOf(model: SensorModel): SensorMonitor {
  const m = model.watcherMonitor;
  if (m instanceof SensorMonitor && !m.isClosed) return m;
  const fresh = new SensorMonitor(model);
  model.watcherMonitor = fresh;
  return fresh;
}

/** See the module documentation. */
export class SensorMonitor {
  readonly #client: Client;
  readonly #model: SensorModel;
  #watchers: MonitorWatcher[] = [];
  #state: SyncState = SyncState.Disconnected;
  #needFullList = false;
  readonly #needNames = new Set<string>();
  #generation = 0;
  #listings = 0;
  readonly #retry: SyncRetry;
  /** Keeps the sampling engine waiting while a list is owed (a changed list comes first). */
  #release: (() => void) | undefined;
  readonly #detach: (() => void)[] = [];

  /** @param model the client's sensor model (use {@link monitorOf}) */
  constructor(model: SensorModel) {
    const client = model.client;
    this.#client = client;
    this.#model = model;
    this.#retry = new SyncRetry(client, 'sensor sync');
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
    return this.#model.sensors;
  }

  /** Register a watcher; it is brought up to date at once (state, sensors, last readings). */
  addWatcher(w: MonitorWatcher): void {
    if (this.#watchers.includes(w)) return;
    this.#watchers = [...this.#watchers, w];
    if (this.#state !== SyncState.Disconnected) w.stateUpdated(this.#state);
    if (this.#state === SyncState.Closed) return;
    this.#model.addView(w);
    this.#trigger();
  }

  /** Unregister a watcher; sensors nobody wants any more are unsubscribed (`none`). */
  removeWatcher(w: MonitorWatcher): void {
    if (!this.#watchers.includes(w)) return;
    this.#watchers = this.#watchers.filter((x) => x !== w);
    this.#model.removeView(w);
  }

  /** Stop: called when the client closes. Watchers get `closed`. */
  close(): void {
    if (this.#state === SyncState.Closed) return;
    this.#generation++;
    for (const off of this.#detach.splice(0)) off();
    this.#retry.cutWait();
    this.#releaseEngine();
    this.#setState(SyncState.Closed);
    for (const w of this.#watchers) this.#model.removeView(w);
    this.#watchers = [];
    this.#needNames.clear();
  }

  // ------------------------------------------------------------ state and triggers

  #setState(state: SyncState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const w of this.#watchers) {
      try {
        w.stateUpdated(state);
      } catch (err) {
        this.#client.logger.error('a sensor watcher failed to handle a state change', err);
      }
    }
  }

  /** Work may be owed (a list, or strategies): back to syncing until it is done. */
  #trigger(): void {
    if (this.#state === SyncState.Synced && (this.#hasWork() || this.#model.sampling.busy)) this.#setState(SyncState.Syncing);
    if (this.#state === SyncState.Syncing) this.#kick();
  }

  #holdEngine(): void {
    this.#release ??= this.#model.sampling.hold();
  }

  #releaseEngine(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  #connected(): void {
    this.#generation++;
    this.#retry.cutWait();
    this.#needFullList = true;
    this.#needNames.clear();
    // The model started a new generation of its engine (its handler runs first): hold it.
    this.#release = undefined;
    this.#holdEngine();
    this.#setState(SyncState.Syncing);
    this.#kick();
  }

  #disconnected(): void {
    this.#generation++;
    this.#retry.cutWait();
    this.#release = undefined;
    this.#setState(SyncState.Disconnected);
  }

  #kick(): void {
    if (this.#retry.running || !this.#client.isConnected || this.#state === SyncState.Closed) return;
    void this.#run();
  }

  #hasWork(): boolean {
    return this.#needFullList || this.#needNames.size > 0;
  }

  /** The update loop: rounds retried (sync-retry.ts) until a reconnection, disconnection or close makes them moot. */
  async #run(): Promise<void> {
    const gen = this.#generation;
    await this.#retry.run(
      () => this.#round(gen),
      () => gen === this.#generation && this.#client.isConnected && this.#state !== SyncState.Closed,
    );
    if (this.#hasWork()) this.#kick();
  }

  /** One round: lists until nothing is left to list, waits for the strategies, then reports synced. @throws what failed */
  async #round(gen: number): Promise<void> {
    while (gen === this.#generation) {
      if (this.#needFullList) {
        this.#holdEngine();
        this.#needFullList = false;
        this.#needNames.clear();
        try {
          await this.#listAll(gen);
        } catch (err) {
          this.#needFullList = true;
          throw err;
        }
      } else if (this.#needNames.size > 0) {
        this.#holdEngine();
        const names = [...this.#needNames];
        this.#needNames.clear();
        try {
          await this.#listSome(names, gen);
        } catch (err) {
          for (const n of names) this.#needNames.add(n);
          throw err;
        }
      } else {
        this.#releaseEngine();
        if (!this.#model.sampling.busy) break;
        await this.#model.sampling.idle();
      }
    }
    if (gen === this.#generation && this.#state === SyncState.Syncing) this.#setState(SyncState.Synced);
  }

  // ------------------------------------------------------------ listing

  /**
   * `?sensor-list` of everything, parsed as it arrives and applied in one batch once complete.
   * With bulk sampling, listed sensors are subscribed meanwhile (see early-sampling.ts). Resolves
   * once the list and those subscriptions are done.
   * @throws whatever failed the list request
   */
  async #listAll(gen: number): Promise<void> {
    const registry = this.#model;
    const client = this.#client;
    const engine = this.#model.sampling;
    const samplingGen = engine.generation;
    const early = client.protocolFlags?.bulkSetSensorSampling === true ? new EarlySampling((plan) => engine.setSampling(plan, samplingGen)) : undefined;
    // Each listed sensor in list order: the entry registry.incoming() announced for it (with
    // early sampling), else its description. One array, not a second one for the announced.
    const listed: (RemoteSensor | SensorInfo)[] = [];
    let like: SensorInfo | undefined;
    const listing = ++this.#listings;
    const onInform = (inform: Message): void => {
      if (gen !== this.#generation || this.#state === SyncState.Closed) return;
      const info = this.#parseInfo(inform, like);
      if (info === undefined) return;
      like = info;
      if (early === undefined) {
        listed.push(info);
        return;
      }
      const s = registry.incoming(info);
      listed.push(s ?? info);
      // The stamp keeps a sensor listed twice (a device bug) out of a second chunk.
      if (s === undefined || s.listing === listing) return;
      s.listing = listing;
      early.add(s, registry.desired(s));
    };
    let listError: unknown;
    try {
      await client.request('sensor-list', { onInform });
      if (gen === this.#generation) {
        registry.batch(() => {
          for (let i = 0; i < listed.length; i++) {
            const x = listed[i]!;
            // An announced entry's description is the listed one (or, for an entry already in
            // the model, one equal to it).
            if (x instanceof RemoteSensor) registry.apply(x.info, this, x).listing = listing;
            else registry.apply(x, this, early === undefined ? undefined : null).listing = listing;
          }
          const gone: RemoteSensor[] = [];
          registry.sensors.forEach((s) => {
            if (s.listing !== listing) gone.push(s);
          });
          for (const s of gone) registry.remove(s, this);
        });
        early?.flush();
      }
    } catch (err) {
      listError = err;
    } finally {
      registry.clearIncoming();
    }
    // Subscriptions already requested are waited for, so that the engine never overlaps them;
    // one that failed (not by a reply) left its sensors to the engine, which retries them.
    const samplingError = early === undefined ? undefined : await early.settle();
    if (listError !== undefined) throw listError as Error;
    if (samplingError !== undefined) client.logger.debug(`early sampling failed: ${samplingError.message}`);
  }

  async #listSome(names: string[], gen: number): Promise<void> {
    const results = await settleLimited(names, MAX_IN_FLIGHT, (name) => this.#client.request('sensor-list', name));
    if (gen !== this.#generation) return;
    let error: unknown;
    const registry = this.#model;
    registry.batch(() => {
      results.forEach((result, i) => {
        const name = names[i] as string;
        if (result.status === 'rejected') {
          if (isReplyError(result.reason)) {
            const s = registry.sensors.get(name);
            if (s !== undefined) registry.remove(s, this);
          } else {
            this.#needNames.add(name);
            error ??= result.reason;
          }
          return;
        }
        const infos = result.value.informs.map((m) => this.#parseInfo(m)).filter((x) => x?.name === name) as SensorInfo[];
        const info = infos[0];
        if (info !== undefined) registry.apply(info, this);
        else {
          const s = registry.sensors.get(name);
          if (s !== undefined) registry.remove(s, this);
        }
      });
    });
    if (error !== undefined) throw error as Error;
  }

  #parseInfo(inform: Message, like?: SensorInfo): SensorInfo | undefined {
    try {
      return parseSensorListInform(inform, like);
    } catch (err) {
      this.#client.logger.warn(`ignored a sensor description: ${(err as Error).message}`);
      return undefined;
    }
  }

  #onInterfaceChanged(msg: Message): void {
    if (this.#state === SyncState.Closed) return;
    const changes = parseInterfaceChanged(msg);
    if (changes.some((c) => c.scope === 'all' || c.scope === 'sensors')) {
      this.#needFullList = true;
      if (this.#state !== SyncState.Disconnected) this.#holdEngine();
      this.#trigger();
      return;
    }
    if (this.#state === SyncState.Disconnected) return; // a full list follows the reconnection
    let relist = false;
    const registry = this.#model;
    registry.batch(() => {
      for (const c of changes) {
        if (c.scope !== 'sensor') continue;
        const name = c.name;
        if (c.change === 'removed') {
          this.#needNames.delete(name);
          const s = registry.sensors.get(name);
          if (s !== undefined) registry.remove(s, this);
        } else if (!this.#needFullList) {
          this.#needNames.add(name);
          relist = true;
        }
      }
    });
    if (relist) {
      this.#holdEngine();
      this.#trigger();
    }
  }
}
