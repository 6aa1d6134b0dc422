/**
 * `KATCPClientResource`: one device as `req.<request>(...)` functions and `sensor.<sensor>`
 * objects that follow the device's interface, with sampling strategies and listeners that
 * survive reconnects.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import type { Message } from '../codec/message.js';
import { ConnectionClosedError, KatcpError } from '../errors.js';
import { InspectingClient } from '../inspecting/inspecting-client.js';
import type { InspectingStateValue } from '../inspecting/state.js';
import type { ModelChanges } from '../inspecting/model.js';
import { Waiters } from '../inspecting/waiters.js';
import type { CallOptions } from '../util/abort.js';
import { CALL_OPTION_KEYS, checkOptions } from '../util/options.js';
import { systemClock } from '../util/clock.js';
import { defaultLogger } from '../client/logger.js';
import type { ClientLogger } from '../client/logger.js';
import type { Clock } from '../util/clock.js';
import type { WaitCondition } from './condition.js';
import { defaultingView, escapeName } from './namespace.js';
import type { NamespaceObject } from './namespace.js';
import type { KatcpReply } from './reply.js';
import { ResourceRequester } from './request-proxy.js';
import type { RequestProxy } from './request-proxy.js';
import { ResourceModel } from './resource-model.js';
import type { ResourceSensor } from './resource-sensor.js';
import type { ResourceReading, SensorListener } from './resource-sensor.js';
import { SensorManager } from './sensor-manager.js';
import { checkSpec } from './spec.js';
import type { ResourceSpec } from './spec.js';
import type { StrategyInput } from './strategy.js';
import { ResourceState } from './resource-events.js';
import type { ResourceEvents, ResourceOptions } from './resource-events.js';
import { selectSensors } from './select.js';
import { itemByName } from './by-name.js';
import type { ListSensorsOptions, SensorFilter } from './select.js';

const NO_CHANGES: ModelChanges = { requests: { added: new Set(), removed: new Set() }, sensors: { added: new Set(), removed: new Set() } };

/** Default timeout (ms) of the resource-level {@link KATCPClientResource.wait}, as katcp-python's 5 s. */
const DEFAULT_WAIT_TIMEOUT = 5000;

export { ResourceState } from './resource-events.js';
export type { ResourceEvents, ResourceOptions } from './resource-events.js';

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
  readonly #logger: ClientLogger;
  readonly #model: ResourceModel;
  readonly #manager: SensorManager;
  readonly #stateWaiters: Waiters<ResourceState>;
  #ic: InspectingClient<ResourceSensor> | undefined;
  /** Requests go to the client through it; it holds the active switch and the closed state. */
  readonly #requester: ResourceRequester;
  #state: ResourceState = ResourceState.Disconnected;
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
    this.#logger = spec.logger ?? spec.client?.logger ?? defaultLogger(`katcp resource ${spec.name}`);
    this.dummyUnknownRequests = spec.dummyUnknownRequests ?? false;
    this.#requester = new ResourceRequester(this.name);
    this.#manager = new SensorManager(this.#clock, this.#requester, {
      applyInform: (msg: Message) => this.#ic?.applySensorInform(msg),
      strategyRejected: (name, strategy, err) => {
        const sensor = this.#model.object(name);
        if (sensor !== undefined) this.#emitSafe('strategyError', sensor, strategy, err);
      },
      warn: (err) => this.#warn(err),
    });
    this.#model = new ResourceModel({
      name: this.name,
      manager: this.#manager,
      exposure: {
        controlled: this.controlled,
        allowed: new Set((spec.alwaysAllowedRequests ?? []).map(escapeName)),
        excluded: new Set((spec.alwaysExcludedRequests ?? []).map(escapeName)),
      },
      requester: this.#requester,
      emit: (event, ...args) => this.#emitSafe(event, ...(args as ResourceEvents[typeof event])),
    });
    this.req = this.dummyUnknownRequests ? defaultingView(this.#model.requests.object, (key) => this.#requester.dummy(key)) : this.#model.requests.object;
    this.sensor = this.#model.sensors.object;
    this.#stateWaiters = new Waiters(this.#clock);
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
    return this.#requester.active;
  }

  /** Allow or refuse requests through `req` (katcp-python's `set_active`; a container sets all its children). */
  setActive(active: boolean): void {
    this.#requester.setActive(active);
  }

  /** Connect and keep syncing in the background. A stopped resource may be started again. */
  start(): void {
    if (this.#ic !== undefined && !this.#ic.closed) throw new KatcpError(`resource ${this.name} already started`, 'KATCP_ERR_STATE');
    this.#stateWaiters.reopen();
    this.#requester.reopen();
    for (const s of this.#model.objects()) s.reopen();
    const previous = this.#ic?.client?.sensorModel;
    const ic = new InspectingClient<ResourceSensor>(this.host, this.port, {
      autoReconnect: this.#spec.autoReconnect ?? true,
      presetProtocolFlags: this.#spec.presetProtocolFlags,
      syncTimeout: this.#spec.syncTimeout,
      resyncBackoff: this.#spec.resyncBackoff,
      clock: this.#clock,
      client: this.#spec.client,
      logger: this.#logger,
      sensorFactory: (info) => this.#model.sensorFor(info),
      stateCallback: (state, changes) => this.#onState(state, changes),
    });
    // The inspecting client logged these already (same logger): only relay the events.
    ic.on('syncError', (err) => this.#emitSafe('syncError', err));
    ic.on('warning', (err) => this.#emitSafe('warning', err));
    ic.on('closed', () => this.#closed(ic));
    this.#ic = ic;
    // A restarted resource reconciles its namespaces with what the device offers now.
    this.#model.restarted();
    this.#lastConnectTime = undefined;
    ic.start();
    this.#requester.attach(ic.client);
    this.#manager.adopt(previous);
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
    this.#requester.stopped(err);
    this.#stateWaiters.close(err);
    for (const s of this.#model.objects()) s.shutdown(err);
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

  /**
   * The sensor under an escaped or KATCP name, for names held as data; no `!` needed.
   * @throws UnknownItemError (code `KATCP_ERR_UNKNOWN_SENSOR`) naming the nearest known sensors
   */
  getSensor<T = unknown>(name: string): ResourceSensor<T> {
    return itemByName(this.name, 'sensor', this.#model.sensors, name) as unknown as ResourceSensor<T>;
  }

  /**
   * The request under an escaped or KATCP name (katcp-python's `getattr(dev.req, name)`).
   * @throws UnknownItemError (code `KATCP_ERR_UNKNOWN_REQUEST`) naming the nearest known requests
   */
  getRequest(name: string): RequestProxy {
    const proxy = this.#model.requests.lookup(name) ?? this.#model.requests.lookup(escapeName(name));
    if (proxy === undefined && this.dummyUnknownRequests) return this.req[name] as RequestProxy;
    return proxy ?? itemByName(this.name, 'request', this.#model.requests, name);
  }

  /**
   * Call a request by name: `dev.call('add', 3, 6)` is `dev.req.add(3, 6)`. An unknown name
   * rejects with `UnknownItemError` ("resource demo has no request "ad" (did you mean add?)").
   */
  async call(name: string, ...args: unknown[]): Promise<KatcpReply> {
    return this.getRequest(name)(...args);
  }

  /** The sensor under an escaped or KATCP name, or undefined. */
  getSensorObject(name: string): ResourceSensor | undefined {
    return this.#model.sensorByName(name);
  }

  /**
   * Set the strategy of a sensor by name (escaped or KATCP). When the sensor does not exist
   * yet the strategy is kept and applied once it appears; resolves true when the device
   * accepted it now, false when it is kept for later.
   */
  setSamplingStrategy(sensorName: string, strategy: StrategyInput, opts: CallOptions = {}): Promise<boolean> {
    return this.#model.setSamplingStrategy(sensorName, strategy, opts);
  }

  /** Set the strategy of every existing sensor that `filter` selects (see {@link listSensors}); resolves per escaped name. */
  async setSamplingStrategies(filter: SensorFilter, strategy: StrategyInput, opts: CallOptions = {}): Promise<Map<string, boolean>> {
    const sensors = await this.listSensors(filter);
    const results = await Promise.all(sensors.map(async (s) => [s.identifier, await s.setStrategy(strategy, undefined, opts)] as const));
    return new Map(results);
  }

  /** Forget a sensor's strategy, whether set or preset (nothing is sent to the device). */
  dropSamplingStrategy(sensorName: string): void {
    this.#model.dropSamplingStrategy(sensorName);
  }

  /**
   * Register a listener on a sensor by name, now if it exists and otherwise as soon as it
   * appears. Returns true when it was registered at once.
   */
  setSensorListener(sensorName: string, listener: SensorListener): boolean {
    return this.#model.setSensorListener(sensorName, listener);
  }

  /** Remove a listener registered or preset with {@link setSensorListener}. */
  removeSensorListener(sensorName: string, listener: SensorListener): void {
    this.#model.removeSensorListener(sensorName, listener);
  }

  /** The sensors `filter` selects, sorted by escaped name (see {@link ListSensorsOptions}). */
  listSensors(filter: SensorFilter = '', opts: ListSensorsOptions = {}): Promise<ResourceSensor[]> {
    return selectSensors(this.#model.sensors.values(), filter, opts);
  }

  /**
   * Wait until sensor `sensorName` satisfies `condition` and resolve with that reading
   * (katcp-python's resource-level `wait`; the timeout defaults to 5 000 ms as there, pass
   * `Infinity` to wait for ever). Rejects like `sensor.wait`: `KatcpTimeoutError` on timeout
   * (katcp-python resolves false), `KatcpAbortError`, `ConnectionClosedError` after `stop()`, and
   * a `KatcpError` for an unknown sensor (`KATCP_ERR_UNKNOWN_SENSOR`) or one without a strategy.
   */
  async wait<T = unknown>(sensorName: string, condition: WaitCondition<T, ResourceReading<T>>, opts: CallOptions = {}): Promise<ResourceReading<T>> {
    checkOptions(opts, CALL_OPTION_KEYS, `${this.name}.wait`);
    const closed = this.#requester.closedError;
    if (closed !== undefined) throw closed;
    const sensor = this.getSensor<T>(sensorName);
    return sensor.wait(condition, { timeout: opts.timeout ?? DEFAULT_WAIT_TIMEOUT, signal: opts.signal });
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
      this.#setState(ResourceState.Disconnected);
      return;
    }
    if (state.synced) {
      this.#setState(ResourceState.Synced);
      return;
    }
    this.#setState(ResourceState.Syncing);
    if (changes !== undefined || (this.#model.reconciling && state.dataSynced)) this.#model.applyChanges(this.#ic!, changes ?? NO_CHANGES);
    // The strategies are claims on the client's sensor model: its engine re-applies them (after
    // a reconnect all, after a resync those of added or changed sensors); synced waits for it.
    if (state.dataSynced) await this.#ic?.client?.sensorModel.sampling.idle();
  }

  /** A warning of the resource itself: to the logger, then the `warning` event. */
  #warn(err: Error): void {
    this.#logger.warn(err.message);
    this.#emitSafe('warning', err);
  }

  #emitSafe<E extends keyof ResourceEvents>(event: E, ...args: ResourceEvents[E]): void {
    if (event === 'strategyError') this.#logger.warn(`the cached strategy of ${(args[0] as ResourceSensor).name} was refused: ${(args[2] as Error).message}`);
    try {
      (this.emit as (e: E, ...a: ResourceEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      if (event !== 'warning') this.#warn(new KatcpError(`a ${event} listener threw: ${(err as Error).message}`, 'KATCP_ERR_LISTENER', { cause: err }));
      else this.#logger.warn(`a warning listener threw: ${(err as Error).message}`);
    }
  }
}
