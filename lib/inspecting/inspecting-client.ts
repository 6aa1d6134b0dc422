/**
 * The inspecting client: katcp-python's `InspectingClientAsync` over our {@link Client}. It keeps
 * an index of the device's requests and sensors, re-inspects it when the device announces an
 * interface change, decodes sensor updates into sensor objects, and reports its progress as one
 * of five states through typed events and an awaited state callback. The state machine and
 * the sync loop are in sync-loop.ts.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { Client } from '../client/client.js';
import type { ClientOptions } from '../client/client.js';
import { defaultLogger } from '../client/logger.js';
import type { ClientLogger } from '../client/logger.js';
import type { Message } from '../codec/message.js';
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import { ConnectionClosedError, KatcpError, NotConnectedError } from '../errors.js';
import type { Sensor } from '../sensor/sensor.js';
import type { CallOptions } from '../util/abort.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { ExponentialRandomBackoff } from './backoff.js';
import type { InspectingClientEvents, InspectingClientOptions, LookupOptions, SensorTarget, StateCallback } from './options.js';
import { DeviceModel } from './device-model.js';
import type { DeviceModelOwner } from './device-model.js';
import type { ModelChanges, RequestInfo, SensorInfo } from './model.js';
import { defaultRequestFactory, defaultSensorFactory } from './sensor-values.js';
export type { InspectingClientEvents, InspectingClientOptions, LookupOptions, SensorTarget, StateCallback } from './options.js';
import { InspectingState } from './state.js';
import type { InspectingStateName, InspectingStateValue } from './state.js';
import { SyncLoop } from './sync-loop.js';
import type { SyncLoopOwner } from './sync-loop.js';
import { SyncWork } from './work.js';
import { scoped } from './waiters.js';

/**
 * Inspects a KATCP device and keeps its model up to date.
 *
 * ```ts
 * const ic = new InspectingClient('127.0.0.1', 7147);
 * ic.on('stateChange', (s, changes) => console.log(s.name, changes));
 * ic.start();
 * await ic.untilSynced({ timeout: 5000 });
 * const sensor = await ic.getSensor('fruit.result');
 * await ic.close();
 * ```
 *
 * States (see {@link InspectingState}): `disconnected` -> `connected` -> `dataSyncedChanged` or
 * `dataSynced` -> `synced`; an interface change goes back to `connected`. The state callback and
 * the `stateChange` event see every state in order, and the callback is awaited.
 *
 * Deviations from katcp-python: the same state is never reported twice in a row; `connected`
 * means the protocol is negotiated (not only TCP up); `#interface-changed sensor|request NAME
 * added|modified` re-inspects only that item (`removed` drops it without a request), the bare
 * forms re-inspect everything (`sensor-list` / `request-list` only that kind); the resync backoff
 * resets after every successful sync; a lookup that finds a new item goes through the state
 * machine, so state-callback consumers see it; a modified item gets a fresh object.
 */
export class InspectingClient<S extends SensorTarget = Sensor, R = RequestInfo> extends EventEmitter<InspectingClientEvents> {
  /** Device host. */
  readonly host: string;
  /** Device port. */
  readonly port: number;
  readonly #clock: Clock;
  readonly #logger: ClientLogger;
  readonly #autoReconnect: boolean;
  readonly #updateOnLookup: boolean;
  readonly #clientOptions: Omit<ClientOptions, 'autoReconnect' | 'presetFlags' | 'clock'>;
  #presetFlags: ProtocolFlags | string | undefined;
  /** The sync loop's up-calls; it holds the current state callback (written by setStateCallback). */
  readonly #syncOwner: { stateCallback: StateCallback | undefined; readonly emit: SyncLoopOwner['emit'] };

  #client: Client | undefined;
  #unhook: (() => void)[] = [];
  #loop: Promise<void> | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;
  readonly #closeCtl = new AbortController();

  readonly #model: DeviceModel<S, R>;
  readonly #work = new SyncWork();
  readonly #sync: SyncLoop<S, R>;
  /**
   * @param host device host name or address
   * @param port device port
   * @param opts see {@link InspectingClientOptions}
   */
  constructor(host: string, port: number, opts: InspectingClientOptions<S, R> = {}) {
    super();
    this.host = host;
    this.port = port;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = opts.logger ?? opts.client?.logger ?? defaultLogger(`katcp inspecting client ${host}:${port}`);
    this.#autoReconnect = opts.autoReconnect ?? true;
    const backoff = { delayInitial: 5_000, delayMax: 90_000, ...opts.resyncBackoff };
    // Validate the backoff parameters now rather than inside the loop.
    new ExponentialRandomBackoff(backoff);
    this.#updateOnLookup = opts.updateOnLookup ?? true;
    // The model's up-calls: lookups, events and warnings (see DeviceModelOwner).
    const owner: DeviceModelOwner = {
      updateOnLookup: this.#updateOnLookup,
      canLookUp: () => !this.#sync.inspecting && this.#sync.state.dataSynced,
      lookUpSensor: (name) => {
        this.#work.lookupSensor(name);
        this.#sync.wake();
      },
      // The client itself: the hot path of a reading runs no function of this file.
      events: this,
      warn: (err) => this.#warn(err),
    };
    this.#model = new DeviceModel<S, R>(
      opts.sensorFactory ?? (defaultSensorFactory as unknown as (info: SensorInfo) => S),
      opts.requestFactory ?? (defaultRequestFactory as unknown as (info: RequestInfo) => R),
      owner,
    );
    this.#clientOptions = opts.client ?? {};
    this.#presetFlags = opts.presetProtocolFlags;
    this.#syncOwner = { stateCallback: opts.stateCallback, emit: (event, ...args) => this.#emitSafe(event, ...args) };
    this.#sync = new SyncLoop<S, R>(
      { clock: this.#clock, initialInspection: opts.initialInspection ?? true, syncTimeout: opts.syncTimeout ?? 20_000, backoff },
      { model: this.#model, work: this.#work, closeSignal: this.#closeCtl.signal },
      this.#syncOwner,
    );
    this.#work.all();
  }

  /** The current state (one of the five {@link InspectingState} values). */
  get state(): InspectingStateValue {
    return this.#sync.state;
  }

  /** True in the `synced` state. */
  get synced(): boolean {
    return this.#sync.state.synced;
  }

  /** True when connected (states other than `disconnected`). */
  get connected(): boolean {
    return this.#sync.state.connected;
  }

  /** True once the model is inspected on this connection. */
  get dataSynced(): boolean {
    return this.#sync.state.dataSynced;
  }

  /** The underlying client (undefined before {@link start}). */
  get client(): Client | undefined {
    return this.#client;
  }

  /** True once {@link close} was called, or once the client gave up reconnecting. */
  get closed(): boolean {
    return this.#closing || this.#sync.ended;
  }

  /** Names of the known requests. */
  get requests(): string[] {
    return this.#model.requests.names();
  }

  /** Names of the known sensors. */
  get sensors(): string[] {
    return this.#model.sensors.names();
  }

  /** The description of a known request (no wire traffic). */
  requestInfo(name: string): RequestInfo | undefined {
    return this.#model.requests.get(name);
  }

  /** The description of a known sensor (no wire traffic). */
  sensorInfo(name: string): SensorInfo | undefined {
    return this.#model.sensors.get(name);
  }

  /** Replace the state callback (see {@link StateCallback}); undefined removes it. */
  setStateCallback(cb: StateCallback | undefined): void {
    this.#syncOwner.stateCallback = cb;
  }

  /**
   * Assume these protocol flags instead of waiting for the device's `#version-connect`.
   * @throws KatcpError after {@link start} (the client takes its flags when it is created)
   */
  presetProtocolFlags(flags: ProtocolFlags | string): void {
    if (this.#client !== undefined || this.#closing) {
      throw new KatcpError('presetProtocolFlags() must be called before start()', 'KATCP_ERR_STATE');
    }
    this.#presetFlags = flags;
  }

  /**
   * Connect and start syncing in the background (use {@link untilSynced} to wait).
   * @throws KatcpError when already started or closed
   */
  start(): void {
    if (this.#closing) throw new ConnectionClosedError('inspecting client is closed');
    if (this.#client !== undefined) throw new KatcpError('inspecting client already started', 'KATCP_ERR_STATE');
    const clientOpts: ClientOptions = { logger: this.#logger, ...this.#clientOptions, autoReconnect: this.#autoReconnect, clock: this.#clock };
    if (this.#presetFlags !== undefined) clientOpts.presetFlags = this.#presetFlags;
    const client = new Client(this.host, this.port, clientOpts);
    this.#client = client;
    this.#unhook.push(...this.#sync.follow(client), this.#model.follow(client));
    this.#loop = this.#sync.run();
  }

  /**
   * Stop syncing and close the connection. The state becomes `disconnected` (the state callback
   * is awaited), then every pending wait rejects with `ConnectionClosedError`.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  /** Alias of {@link close} (katcp-python's `stop()`). */
  stop(): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#closeCtl.abort(new ConnectionClosedError('inspecting client closed'));
    this.#sync.wake();
    try {
      await this.#client?.close();
    } finally {
      await this.#loop;
      for (const unhook of this.#unhook) unhook();
      this.#unhook = [];
      this.#sync.closeWaits(new ConnectionClosedError('inspecting client closed'));
    }
  }

  /**
   * Wait for a state, given as a value or name; resolves at once when already in it, and also
   * when the state is only passed through.
   */
  untilState(state: InspectingStateValue | InspectingStateName, opts?: CallOptions): Promise<InspectingStateValue> {
    const name = typeof state === 'string' ? state : state.name;
    if (!Object.values(InspectingState).some((s) => s.name === name)) {
      return Promise.reject(new KatcpError(`unknown inspecting-client state ${JSON.stringify(name)}`, 'KATCP_ERR_ARGUMENT'));
    }
    return this.#sync.until((s) => s.name === name, opts, `waiting for state ${name}`);
  }

  /** Wait until connected (any state but `disconnected`). */
  untilConnected(opts?: CallOptions): Promise<InspectingStateValue> {
    return this.#sync.until((s) => s.connected, opts, 'waiting for the connection');
  }

  /** Wait until the model is inspected (`dataSyncedChanged`, `dataSynced` or `synced`). */
  untilDataSynced(opts?: CallOptions): Promise<InspectingStateValue> {
    return this.#sync.until((s) => s.dataSynced, opts, 'waiting for data sync');
  }

  /** Wait until `synced`. */
  untilSynced(opts?: CallOptions): Promise<InspectingStateValue> {
    return this.#sync.until((s) => s.synced, opts, 'waiting for sync');
  }

  /** Wait until not synced (any state but `synced`); after close this resolves (the state is `disconnected`). */
  untilNotSynced(opts?: CallOptions): Promise<InspectingStateValue> {
    return this.#sync.until((s) => !s.synced, opts, 'waiting for loss of sync');
  }

  /**
   * True when the device has sensor `name`. Waits for the model to be inspected first; an
   * unknown name is looked up on the device (`?sensor-list name`) when `update` allows it.
   */
  checkSensor(name: string, opts: LookupOptions = {}): Promise<boolean> {
    return scoped(opts, this.#clock, `checkSensor(${name})`, (signal) => this.#check(this.#model.sensors, name, opts.update, signal, 'sensor'));
  }

  /** True when the device has request `name` (see {@link checkSensor}). */
  checkRequest(name: string, opts: LookupOptions = {}): Promise<boolean> {
    return scoped(opts, this.#clock, `checkRequest(${name})`, (signal) => this.#check(this.#model.requests, name, opts.update, signal, 'request'));
  }

  /**
   * The object for sensor `name` (made by the sensor factory and cached), or undefined when the
   * device has no such sensor (see {@link checkSensor}).
   */
  async getSensor(name: string, opts: LookupOptions = {}): Promise<S | undefined> {
    if (!(await this.checkSensor(name, opts))) return undefined;
    return this.#model.sensorObject(name);
  }

  /** The object for request `name` (made by the request factory and cached), or undefined. */
  async getRequest(name: string, opts: LookupOptions = {}): Promise<R | undefined> {
    if (!(await this.checkRequest(name, opts))) return undefined;
    return this.#model.requestObject(name);
  }

  async #check(index: { has(name: string): boolean }, name: string, update: boolean | undefined, signal: AbortSignal, kind: 'sensor' | 'request'): Promise<boolean> {
    await this.untilDataSynced({ signal });
    if (index.has(name)) return true;
    if (!(update ?? this.#updateOnLookup)) return false;
    // Any pass started from now on includes this lookup.
    const after = this.#sync.passesStarted;
    if (kind === 'sensor') this.#work.lookupSensor(name);
    else this.#work.lookupRequest(name);
    this.#sync.wake();
    await this.#sync.waitPassAfter(after, signal);
    return index.has(name);
  }

  /**
   * Run a complete inspection now (through the state machine: `connected`, then
   * `dataSyncedChanged` or `dataSynced`, then `synced`) and resolve with its model changes.
   * Do not await this from the state callback: the inspection waits for the callback.
   */
  inspect(opts: CallOptions = {}): Promise<ModelChanges | undefined> {
    return scoped(opts, this.#clock, 'inspect()', async (signal) => {
      if (this.#closing) throw new ConnectionClosedError('inspecting client is closed');
      const after = this.#sync.passesStarted;
      this.#work.all();
      this.#sync.wake();
      const pass = await this.#sync.waitPassAfter(after, signal);
      return pass.changes;
    });
  }

  /**
   * Send a request and resolve with the raw reply and informs, whatever the reply says (the
   * last argument may be `{timeout, signal}`).
   * @throws NotConnectedError before {@link start}; whatever `Client.requestRaw` throws
   */
  simpleRequest(name: string, ...args: unknown[]): Promise<{ reply: Message; informs: Message[] }> {
    const client = this.#client;
    if (client === undefined) return Promise.reject(new NotConnectedError('inspecting client not started'));
    if (this.#closing) return Promise.reject(new ConnectionClosedError('inspecting client is closed'));
    return client.requestRaw(name, ...args);
  }

  /**
   * Apply the sensor readings of a `#sensor-value` / `#sensor-status` message (for instance the
   * informs of a `?sensor-value` reply) as if they had arrived asynchronously.
   */
  applySensorInform(msg: Message): void {
    this.#model.applyInform(msg);
  }

  #warn(err: Error): void {
    this.#emitSafe('warning', err);
  }

  /**
   * Listener errors must not break the sync loop or the client's inform dispatch. Warnings and
   * sync errors also go to the logger, so nothing vanishes when no listener is attached.
   */
  #emitSafe<E extends keyof InspectingClientEvents>(event: E, ...args: InspectingClientEvents[E]): void {
    if (event === 'warning') this.#logger.warn((args[0] as Error).message);
    else if (event === 'syncError') this.#logger.warn(`sync failed, retrying in ${Math.round(args[1] as number)} ms: ${(args[0] as Error).message}`);
    try {
      (this.emit as (e: E, ...a: InspectingClientEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      if (event !== 'warning') this.#warn(new KatcpError(`a ${event} listener threw: ${(err as Error).message}`, 'KATCP_ERR_LISTENER', { cause: err }));
    }
  }
}
