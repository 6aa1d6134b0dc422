/**
 * `KATCPClientResource`: one device as `req.<request>(...)` functions and `sensor.<sensor>`
 * objects that follow the device's interface, with sampling strategies and listeners that
 * survive reconnects.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { Message } from '../codec/message.js';
import { ConnectionClosedError, KatcpAbortError, KatcpError, KatcpSyntaxError, KatcpTimeoutError, KatcpTypeError, NotConnectedError } from '../errors.js';
import { InspectingClient } from '../inspecting/inspecting-client.js';
import type { InspectingStateValue } from '../inspecting/state.js';
import type { ModelChanges, RequestInfo, SensorInfo } from '../inspecting/model.js';
import { Waiters } from '../inspecting/waiters.js';
import { clientSensorType } from '../inspecting/sensor-values.js';
import type { SamplingStrategy } from '../sensor/strategy.js';
import type { CallOptions } from '../util/abort.js';
import { isCallOptions } from '../util/abort.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import type { WaitCondition } from './condition.js';
import { Namespace, defaultingView, escapeName } from './namespace.js';
import type { NamespaceObject } from './namespace.js';
import { KatcpReply } from './reply.js';
import { createRequestProxy } from './request-proxy.js';
import type { RequestProxy } from './request-proxy.js';
import { ResourceSensor } from './resource-sensor.js';
import type { ResourceReading, SensorListener } from './resource-sensor.js';
import { SensorManager } from './sensor-manager.js';
import { checkSpec } from './spec.js';
import type { ResourceSpec } from './spec.js';
import { normalizeStrategy } from './strategy.js';
import type { StrategyInput } from './strategy.js';
import { selectSensors } from './select.js';
import type { ListSensorsOptions, SensorFilter } from './select.js';

const NO_CHANGES: ModelChanges = { requests: { added: new Set(), removed: new Set() }, sensors: { added: new Set(), removed: new Set() } };

/** Extra time (ms) over a request's timeout hint before its call times out. */
const HINT_MARGIN = 1000;

/** Default timeout (ms) of the resource-level {@link KATCPClientResource.wait}, as katcp-python's 5 s. */
const DEFAULT_WAIT_TIMEOUT = 5000;

/** The three resource states. */
export const ResourceState = { Disconnected: 'disconnected', Syncing: 'syncing', Synced: 'synced' } as const;
/** `disconnected`, `syncing` or `synced`. */
export type ResourceState = (typeof ResourceState)[keyof typeof ResourceState];

/** Events of a {@link KATCPClientResource}. */
export interface ResourceEvents {
  stateChange: [state: ResourceState, previous: ResourceState];
  /** A sensor appeared in `sensor` (also on the first sync). */
  sensorAdded: [sensor: ResourceSensor];
  /** A sensor left `sensor` (the device removed it). */
  sensorRemoved: [sensor: ResourceSensor];
  /** A request appeared in `req`. */
  requestAdded: [request: RequestProxy];
  /** A request left `req`. */
  requestRemoved: [request: RequestProxy];
  /** The device refused a cached strategy when it was re-applied (it is no longer cached). */
  strategyError: [sensor: ResourceSensor, strategy: SamplingStrategy, error: Error];
  /** An inspection failed (the inspecting client retries after a backoff). */
  syncError: [error: Error];
  /** Something was dropped or a listener threw. */
  warning: [error: Error];
}

/** Options besides the spec. */
export interface ResourceOptions {
  /** The container owning this resource. */
  parent?: object;
}

/**
 * A KATCP device as a resource (katcp-python's `KATCPClientResource`).
 *
 * ```ts
 * const dev = new KATCPClientResource({ name: 'demo', address: '127.0.0.1:7147', controlled: true });
 * dev.start();
 * await dev.untilSynced({ timeout: 10_000 });
 * const reply = await dev.req.add!(3, 6);          // reply.succeeded, reply.int(0) === 9
 * await dev.sensor.fruit_result!.setStrategy('event');
 * await dev.sensor.fruit_result!.wait({ status: 'nominal' }, { timeout: 5000 });
 * await dev.stop();
 * ```
 *
 * `req` and `sensor` are null-prototype objects updated in place on every resync (see
 * {@link Namespace} for the naming rules). Strategies and listeners live on the sensor objects,
 * which are kept across reconnects and resyncs; after a reconnect every cached strategy is sent
 * once, and after a resync only those of added or changed sensors.
 */
export class KATCPClientResource extends EventEmitter<ResourceEvents> {
  /** Resource name. */
  readonly name: string;
  /** Description from the spec. */
  readonly description: string;
  /** Device host. */
  readonly host: string;
  /** Device port. */
  readonly port: number;
  /** True when every request is exposed (see {@link ResourceSpec.controlled}). */
  readonly controlled: boolean;
  /** True when unknown `req` names give dummy requests (see {@link ResourceSpec.dummyUnknownRequests}). */
  readonly dummyUnknownRequests: boolean;
  /** The owning container, if any. */
  readonly parent: object | undefined;
  /** Requests by escaped name (and by KATCP name, not enumerable). */
  readonly req: NamespaceObject<RequestProxy>;
  /** Sensors by escaped name (and by KATCP name, not enumerable). */
  readonly sensor: NamespaceObject<ResourceSensor>;

  readonly #spec: ResourceSpec;
  readonly #clock: Clock;
  readonly #allowed: ReadonlySet<string>;
  readonly #excluded: ReadonlySet<string>;
  readonly #requests = new Namespace<RequestProxy>();
  readonly #sensors = new Namespace<ResourceSensor>();
  /** Sensor objects by KATCP name: those present, and removed ones still in use. */
  readonly #objects = new Map<string, ResourceSensor>();
  /** Strategies and listeners set by name before the sensor existed, by escaped name. */
  readonly #presetStrategies = new Map<string, StrategyInput>();
  readonly #presetListeners = new Map<string, SensorListener[]>();
  readonly #manager: SensorManager;
  readonly #stateWaiters: Waiters<ResourceState>;
  #ic: InspectingClient<ResourceSensor> | undefined;
  #state: ResourceState = ResourceState.Disconnected;
  #active = true;
  #reapplyAll = true;
  #reconcile = false;
  #lastConnectTime: number | undefined;

  /** @throws KatcpError for a spec without a name or with a bad address */
  constructor(spec: ResourceSpec, opts: ResourceOptions = {}) {
    super();
    const [host, port] = checkSpec(spec);
    this.#spec = spec;
    this.name = spec.name;
    this.description = spec.description ?? '';
    this.host = host;
    this.port = port;
    this.controlled = spec.controlled ?? false;
    this.parent = opts.parent;
    this.#clock = spec.clock ?? systemClock;
    this.#allowed = new Set((spec.alwaysAllowedRequests ?? []).map(escapeName));
    this.#excluded = new Set((spec.alwaysExcludedRequests ?? []).map(escapeName));
    this.dummyUnknownRequests = spec.dummyUnknownRequests ?? false;
    this.req = this.dummyUnknownRequests ? defaultingView(this.#requests.object, (key) => this.#dummyRequest(key)) : this.#requests.object;
    this.sensor = this.#sensors.object;
    this.#stateWaiters = new Waiters(this.#clock);
    this.#manager = new SensorManager({
      clock: this.#clock,
      request: (name, ...args) => this.#rawRequest(name, args),
      connected: () => this.#ic?.client?.isConnected === true,
      protocolMajor: () => this.#ic?.client?.protocolFlags?.major,
      applyInform: (msg: Message) => this.#ic?.applySensorInform(msg),
      strategyRejected: (sensor, strategy, err) => this.#emitSafe('strategyError', sensor, strategy, err),
      warn: (err) => this.#emitSafe('warning', err),
    });
  }

  /** `[host, port]`. */
  get address(): [string, number] {
    return [this.host, this.port];
  }

  /** `host:port`. */
  get addressString(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  /** `disconnected`, `syncing` or `synced`. */
  get state(): ResourceState {
    return this.#state;
  }

  /** True in `synced`. */
  get synced(): boolean {
    return this.#state === ResourceState.Synced;
  }

  /** True unless `disconnected`. */
  get isConnected(): boolean {
    return this.#state !== ResourceState.Disconnected;
  }

  /** The inspecting client (undefined before {@link start}). */
  get inspectingClient(): InspectingClient<ResourceSensor> | undefined {
    return this.#ic;
  }

  /**
   * The device's `#version-connect` entries of the latest connection (`katcp-protocol`,
   * `katcp-library`, `katcp-device`, ...: name -> the remaining words); empty for v4 devices.
   * @throws KatcpError (code `KATCP_ERR_STATE`) before {@link start}, as katcp-python does
   */
  get versions(): ReadonlyMap<string, readonly string[]> {
    return this.#startedClient('versions')?.versions ?? new Map<string, readonly string[]>();
  }

  /**
   * When the latest connection to the device was made (seconds since the epoch, from the
   * resource's clock); undefined until the first one.
   * @throws KatcpError (code `KATCP_ERR_STATE`) before {@link start}, as katcp-python does
   */
  get lastConnectTime(): number | undefined {
    this.#startedClient('lastConnectTime');
    return this.#lastConnectTime;
  }

  #startedClient(what: string): InspectingClient<ResourceSensor>['client'] {
    if (this.#ic === undefined) throw new KatcpError(`resource ${this.name}: ${what} is only known after start()`, 'KATCP_ERR_STATE');
    return this.#ic.client;
  }

  /** False after `setActive(false)`: requests are then refused. */
  get active(): boolean {
    return this.#active;
  }

  /** Allow or refuse requests through `req` (katcp-python's `set_active`; a container sets all its children). */
  setActive(active: boolean): void {
    this.#active = active;
  }

  /** Connect and keep syncing in the background. A stopped resource may be started again. */
  start(): void {
    if (this.#ic !== undefined && !this.#ic.closed) throw new KatcpError(`resource ${this.name} already started`, 'KATCP_ERR_STATE');
    this.#stateWaiters.reopen();
    this.#reapplyAll = true;
    const ic = new InspectingClient<ResourceSensor>(this.host, this.port, {
      autoReconnect: this.#spec.autoReconnect ?? true,
      presetProtocolFlags: this.#spec.presetProtocolFlags,
      syncTimeout: this.#spec.syncTimeout,
      resyncBackoff: this.#spec.resyncBackoff,
      clock: this.#clock,
      client: this.#spec.client,
      sensorFactory: (info) => this.#sensorFor(info),
      stateCallback: (state, changes) => this.#onState(state, changes),
    });
    ic.on('syncError', (err) => this.#emitSafe('syncError', err));
    ic.on('warning', (err) => this.#emitSafe('warning', err));
    ic.on('closed', () => this.#closed(ic));
    this.#ic = ic;
    // A restarted resource reconciles its namespaces with what the device offers now.
    this.#reconcile = true;
    this.#lastConnectTime = undefined;
    ic.start();
    ic.client?.on('connected', () => {
      if (this.#ic === ic) this.#lastConnectTime = this.#clock.now();
    });
  }

  /** The inspecting client is finished (stopped, or gave up reconnecting): nothing pending may hang. */
  #closed(ic: InspectingClient<ResourceSensor>): void {
    if (ic === this.#ic) this.#endWaits();
  }

  #endWaits(): void {
    const err = new ConnectionClosedError(`resource ${this.name} stopped`);
    this.#stateWaiters.close(err);
    for (const s of this.#objects.values()) s.shutdown(err);
  }

  /**
   * Disconnect. Pending waits reject with `ConnectionClosedError` (also when the resource was
   * never started), and so do new ones until the next {@link start}; reading iterators end.
   */
  async stop(): Promise<void> {
    if (this.#ic === undefined) this.#endWaits();
    else await this.#ic.close();
  }

  /** Wait for a state. */
  untilState(state: ResourceState, opts?: CallOptions): Promise<ResourceState> {
    return this.#stateWaiters.wait(this.#state, (s) => s === state, { ...opts, what: `waiting for ${this.name} to be ${state}` });
  }

  /** Wait until `synced`. */
  untilSynced(opts?: CallOptions): Promise<ResourceState> {
    return this.untilState(ResourceState.Synced, opts);
  }

  /** Wait until not `synced`. */
  untilNotSynced(opts?: CallOptions): Promise<ResourceState> {
    return this.#stateWaiters.wait(this.#state, (s) => s !== ResourceState.Synced, { ...opts, what: `waiting for ${this.name} to lose sync` });
  }

  /** Wait until connected (`syncing` or `synced`). */
  waitConnected(opts?: CallOptions): Promise<ResourceState> {
    return this.#stateWaiters.wait(this.#state, (s) => s !== ResourceState.Disconnected, { ...opts, what: `waiting for ${this.name} to connect` });
  }

  /** The sensor under an escaped or KATCP name. */
  getSensorObject(name: string): ResourceSensor | undefined {
    return this.#sensors.lookup(name) ?? this.#sensors.lookup(escapeName(name));
  }

  /**
   * Set the strategy of a sensor by name (escaped or KATCP). When the sensor does not exist
   * yet the strategy is kept and applied once it appears; resolves true when the device
   * accepted it now, false when it is kept for later.
   */
  setSamplingStrategy(sensorName: string, strategy: StrategyInput, opts: CallOptions = {}): Promise<boolean> {
    const sensor = this.getSensorObject(sensorName);
    if (sensor !== undefined) return sensor.setStrategy(strategy, undefined, opts);
    this.#presetStrategies.set(escapeName(sensorName), strategy);
    return Promise.resolve(false);
  }

  /** Set the strategy of every existing sensor that `filter` selects (see {@link listSensors}); resolves per escaped name. */
  async setSamplingStrategies(filter: SensorFilter, strategy: StrategyInput, opts: CallOptions = {}): Promise<Map<string, boolean>> {
    const sensors = await this.listSensors(filter);
    const results = await Promise.all(sensors.map(async (s) => [s.identifier, await s.setStrategy(strategy, undefined, opts)] as const));
    return new Map(results);
  }

  /** Forget a sensor's strategy, whether set or preset (nothing is sent to the device). */
  dropSamplingStrategy(sensorName: string): void {
    this.#presetStrategies.delete(escapeName(sensorName));
    this.getSensorObject(sensorName)?.dropSamplingStrategy();
  }

  /**
   * Register a listener on a sensor by name, now if it exists and otherwise as soon as it
   * appears. Returns true when it was registered at once.
   */
  setSensorListener(sensorName: string, listener: SensorListener): boolean {
    const sensor = this.getSensorObject(sensorName);
    if (sensor !== undefined) {
      sensor.registerListener(listener);
      return true;
    }
    const key = escapeName(sensorName);
    this.#presetListeners.set(key, [...(this.#presetListeners.get(key) ?? []), listener]);
    return false;
  }

  /** Remove a listener registered or preset with {@link setSensorListener}. */
  removeSensorListener(sensorName: string, listener: SensorListener): void {
    const key = escapeName(sensorName);
    const preset = this.#presetListeners.get(key)?.filter((l) => l !== listener);
    if (preset !== undefined) {
      if (preset.length > 0) this.#presetListeners.set(key, preset);
      else this.#presetListeners.delete(key);
    }
    this.getSensorObject(sensorName)?.unregisterListener(listener);
  }

  /** The sensors `filter` selects, sorted by escaped name (see {@link ListSensorsOptions}). */
  listSensors(filter: SensorFilter = '', opts: ListSensorsOptions = {}): Promise<ResourceSensor[]> {
    return selectSensors(this.#sensors.values(), filter, opts);
  }

  /**
   * Wait until sensor `sensorName` satisfies `condition`: resolves true, or false on timeout
   * (katcp-python's resource-level `wait`; the timeout defaults to 5 000 ms as there, pass
   * `Infinity` to wait for ever). Rejects for an unknown sensor, a sensor without a strategy,
   * an abort, or `stop()`.
   */
  async wait<T = unknown>(sensorName: string, condition: WaitCondition<T, ResourceReading<T>>, opts: CallOptions = {}): Promise<boolean> {
    const sensor = this.getSensorObject(sensorName) as ResourceSensor<T> | undefined;
    if (sensor === undefined) throw new KatcpError(`resource ${this.name} has no sensor ${JSON.stringify(sensorName)}`, 'KATCP_ERR_UNKNOWN_SENSOR');
    try {
      await sensor.wait(condition, { timeout: opts.timeout ?? DEFAULT_WAIT_TIMEOUT, signal: opts.signal });
      return true;
    } catch (err) {
      if (err instanceof KatcpTimeoutError) return false;
      throw err;
    }
  }

  // ---- sync ---------------------------------------------------------------------------------

  #setState(next: ResourceState): void {
    const prev = this.#state;
    if (prev === next) return;
    this.#state = next;
    this.#stateWaiters.update(next);
    this.#emitSafe('stateChange', next, prev);
  }

  async #onState(state: InspectingStateValue, changes: ModelChanges | undefined): Promise<void> {
    if (!state.connected) {
      this.#reapplyAll = true;
      this.#setState(ResourceState.Disconnected);
      return;
    }
    if (state.synced) {
      this.#setState(ResourceState.Synced);
      return;
    }
    this.#setState(ResourceState.Syncing);
    if (changes !== undefined || (this.#reconcile && state.dataSynced)) this.#applyChanges(changes ?? NO_CHANGES);
    if (state.dataSynced) {
      const all = this.#reapplyAll;
      this.#reapplyAll = false;
      const targets = all ? this.#manager.sensorsWithStrategy() : [...(changes?.sensors.added ?? [])].flatMap((n) => this.#objects.get(n) ?? []);
      await this.#manager.reapply(targets);
    }
  }

  #applyChanges(changes: ModelChanges): void {
    const ic = this.#ic!;
    if (this.#reconcile) {
      // First sync of a restarted resource: the new inspecting client only reports additions,
      // so items that vanished while stopped are removed here.
      this.#reconcile = false;
      const stale = (names: string[], known: readonly string[]): Set<string> => {
        const have = new Set(known);
        return new Set(names.filter((n) => !have.has(n)));
      };
      changes = {
        requests: { added: changes.requests.added, removed: new Set([...changes.requests.removed, ...stale(this.#requests.names(), ic.requests)]) },
        sensors: { added: changes.sensors.added, removed: new Set([...changes.sensors.removed, ...stale(this.#sensors.names(), ic.sensors)]) },
      };
    }
    for (const name of changes.requests.removed) {
      const proxy = this.#requests.get(name);
      if (proxy !== undefined && this.#requests.delete(name)) this.#emitSafe('requestRemoved', proxy);
    }
    for (const name of changes.requests.added) {
      const info = ic.requestInfo(name);
      if (info === undefined || !this.#isAllowed(name)) continue;
      const proxy = createRequestProxy(info, escapeName(name), (i, args) => this.#issue(i, args));
      this.#requests.set(name, proxy);
      this.#emitSafe('requestAdded', proxy);
    }
    for (const name of changes.sensors.removed) {
      if (changes.sensors.added.has(name)) continue; // modified: the object is kept and refreshed below
      const sensor = this.#objects.get(name);
      this.#sensors.delete(name);
      if (sensor === undefined) continue;
      sensor.updateInfo(sensor.info, false);
      if (!sensor.inUse) this.#objects.delete(name);
      this.#emitSafe('sensorRemoved', sensor);
    }
    for (const name of changes.sensors.added) {
      const info = ic.sensorInfo(name);
      if (info === undefined) continue;
      const sensor = this.#sensorFor(info);
      sensor.updateInfo(info, true);
      const isNew = !this.#sensors.has(name);
      this.#sensors.set(name, sensor);
      this.#adoptPresets(sensor);
      if (isNew) this.#emitSafe('sensorAdded', sensor);
    }
  }

  /** The (stable) object for a sensor; also the inspecting client's sensor factory. */
  #sensorFor(info: SensorInfo): ResourceSensor {
    let sensor = this.#objects.get(info.name);
    if (sensor === undefined) {
      sensor = new ResourceSensor(info, escapeName(info.name), this.name, this.#manager);
      this.#objects.set(info.name, sensor);
    } else {
      sensor.updateInfo(info, sensor.present);
    }
    return sensor;
  }

  /** Move strategies and listeners preset by name onto a sensor that just appeared. */
  #adoptPresets(sensor: ResourceSensor): void {
    for (const key of new Set([sensor.identifier, sensor.name])) {
      const listeners = this.#presetListeners.get(key);
      if (listeners !== undefined) {
        this.#presetListeners.delete(key);
        for (const l of listeners) sensor.registerListener(l);
      }
      const strategy = this.#presetStrategies.get(key);
      if (strategy !== undefined) {
        this.#presetStrategies.delete(key);
        try {
          // Only cached here: the re-application after this sync sends it (exactly once).
          this.#manager.cache(sensor, normalizeForSensor(sensor, strategy));
        } catch (err) {
          this.#emitSafe('strategyError', sensor, { strategy: 'none' }, err as Error);
        }
      }
    }
  }

  #isAllowed(name: string): boolean {
    const key = escapeName(name);
    if (this.#excluded.has(key)) return false;
    return this.controlled || this.#allowed.has(key);
  }

  /** Send a request through the inspecting client, or fail as if not connected. */
  #rawRequest(name: string, args: unknown[]): Promise<{ reply: Message; informs: Message[] }> {
    const ic = this.#ic;
    if (ic === undefined) return Promise.reject(new NotConnectedError(`resource ${this.name} not started`));
    return ic.simpleRequest(name, ...args);
  }

  /** katcp-python's `KATCPDummyRequest`: succeeds at once with `!fake ok`, sending nothing. */
  #dummyRequest(key: string): RequestProxy {
    const info: RequestInfo = { name: key, description: `Dummy request: ${this.name} does not offer ${key}.`, timeoutHint: undefined };
    return createRequestProxy(info, key, () => {
      if (!this.#active) return Promise.reject(new KatcpError(`resource ${this.name} is inactive`, 'KATCP_ERR_RESOURCE_INACTIVE'));
      return Promise.resolve(new KatcpReply(Message.reply('fake', 'ok')));
    });
  }

  async #issue(info: RequestInfo, args: unknown[]): Promise<KatcpReply> {
    if (!this.#active) throw new KatcpError(`resource ${this.name} is inactive`, 'KATCP_ERR_RESOURCE_INACTIVE');
    const last = args.at(-1);
    const opts: CallOptions = last !== undefined && isCallOptions(last) ? (args.pop() as CallOptions) : {};
    // A hint is how long the device may take: allow a second more for the round trip (as the client does).
    const timeout = opts.timeout ?? (info.timeoutHint !== undefined ? info.timeoutHint * 1000 + HINT_MARGIN : undefined);
    try {
      const { reply, informs } = await this.#rawRequest(info.name, [...args, { timeout, signal: opts.signal }]);
      return new KatcpReply(reply, informs);
    } catch (err) {
      // Bad arguments and cancellations are the caller's; everything else is a failed reply.
      if (err instanceof KatcpAbortError || err instanceof KatcpTypeError || err instanceof KatcpSyntaxError || !(err instanceof Error)) throw err;
      return KatcpReply.failure(info.name, err);
    }
  }

  #emitSafe<E extends keyof ResourceEvents>(event: E, ...args: ResourceEvents[E]): void {
    try {
      (this.emit as (e: E, ...a: ResourceEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      if (event !== 'warning') this.#emitSafe('warning', new KatcpError(`a ${event} listener threw: ${(err as Error).message}`, 'KATCP_ERR_LISTENER', { cause: err }));
    }
  }
}

function normalizeForSensor(sensor: ResourceSensor, strategy: StrategyInput): SamplingStrategy {
  return normalizeStrategy(strategy, clientSensorType(sensor.type));
}
