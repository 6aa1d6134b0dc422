/**
 * The inspecting client: katcp-python's `InspectingClientAsync` over our {@link Client}. It keeps
 * an index of the device's requests and sensors, re-inspects it when the device announces an
 * interface change, decodes sensor updates into sensor objects, and reports its progress as one
 * of five states through typed events and an awaited state callback.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { Client } from '../client/client.js';
import type { ClientOptions } from '../client/client.js';
import type { Message } from '../codec/message.js';
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import { ConnectionClosedError, KatcpError, NotConnectedError, SyncError } from '../errors.js';
import type { Sensor } from '../sensor/sensor.js';
import type { Reading } from '../sensor/status.js';
import type { CallOptions } from '../util/abort.js';
import { sleep, systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { deferred } from '../util/deferred.js';
import type { Deferred } from '../util/deferred.js';
import { ExponentialRandomBackoff } from './backoff.js';
import type { ExponentialRandomBackoffOptions } from './backoff.js';
import { Inspector } from './inspector.js';
import { ModelIndex, mergeModelChanges, modelChanges, sameRequest, sameSensor } from './model.js';
import type { IndexUpdate, ModelChanges, RequestInfo, SensorInfo } from './model.js';
import { parseInterfaceChanged, parseSensorUpdates } from './parse.js';
import type { SensorUpdate } from './parse.js';
import { decodeUpdate, defaultRequestFactory, defaultSensorFactory } from './sensor-values.js';
import { InspectingState, formatState, isAllowedTransition } from './state.js';
import type { InspectingStateName, InspectingStateValue } from './state.js';
import { SyncWork } from './work.js';
import { Waiters, scoped } from './waiters.js';

/** What a sensor object must accept: the decoded readings of its sensor. */
export interface SensorTarget {
  setReading(reading: Reading<unknown>): void;
}

/**
 * Called on every state change, strictly in order; the client waits for the returned promise
 * before doing anything else (so the model is updated before `synced`). `changes` is set only
 * for `dataSyncedChanged`. A callback that throws makes the client re-inspect after a backoff.
 */
export type StateCallback = (state: InspectingStateValue, changes: ModelChanges | undefined) => void | Promise<void>;

/** Events of an {@link InspectingClient}. */
export interface InspectingClientEvents {
  /** A new state (emitted before the state callback runs). */
  stateChange: [state: InspectingStateValue, changes: ModelChanges | undefined];
  /** A decoded `#sensor-status` (or `?sensor-value` reply) reading. */
  sensorUpdate: [name: string, reading: Reading<unknown>];
  /** An inspection failed; the next attempt follows after `retryDelay` ms. */
  syncError: [error: Error, retryDelay: number];
  /** Something was dropped or ignored: a malformed inform, an undecodable value, a listener that threw. */
  warning: [error: Error];
}

/** Options of {@link InspectingClient}; times in milliseconds. */
export interface InspectingClientOptions<S extends SensorTarget = Sensor, R = RequestInfo> {
  /** Inspect on the first connection (default true). When false, the first sync only connects. */
  initialInspection?: boolean;
  /** Reconnect after the connection drops (default true). */
  autoReconnect?: boolean;
  /** Time budget of one inspection pass (default 20 000 ms). */
  syncTimeout?: number;
  /** Backoff between failed inspections (default 5 000 ms growing to 90 000 ms). */
  resyncBackoff?: ExponentialRandomBackoffOptions;
  /** Assume these protocol flags instead of waiting for `#version-connect`. */
  presetProtocolFlags?: ProtocolFlags | string;
  /** Look unknown names up on the device in `getSensor` / `getRequest` and on updates (default true). */
  updateOnLookup?: boolean;
  /** Time source (default the system clock). */
  clock?: Clock;
  /** Builds the object for a sensor (default: a {@link Sensor}). */
  sensorFactory?: (info: SensorInfo) => S;
  /** Builds the object for a request (default: its {@link RequestInfo}). */
  requestFactory?: (info: RequestInfo) => R;
  /** See {@link StateCallback}. */
  stateCallback?: StateCallback;
  /** Further options of the underlying {@link Client} (request timeout, reconnect policy, ...). */
  client?: Omit<ClientOptions, 'autoReconnect' | 'presetFlags' | 'clock'>;
}

/** Options of the lookups: `update` asks the device about a name the index does not know. */
export interface LookupOptions extends CallOptions {
  /** Look an unknown name up on the device (default: the client's `updateOnLookup`). */
  update?: boolean;
}

const S0 = InspectingState.Disconnected;
const S1 = InspectingState.Connected;
const S3 = InspectingState.Synced;

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
  readonly #initialInspection: boolean;
  readonly #autoReconnect: boolean;
  readonly #syncTimeout: number;
  readonly #backoffOptions: ExponentialRandomBackoffOptions;
  readonly #updateOnLookup: boolean;
  readonly #sensorFactory: (info: SensorInfo) => S;
  readonly #requestFactory: (info: RequestInfo) => R;
  readonly #clientOptions: Omit<ClientOptions, 'autoReconnect' | 'presetFlags' | 'clock'>;
  #presetFlags: ProtocolFlags | string | undefined;
  #stateCallback: StateCallback | undefined;

  #client: Client | undefined;
  #unhook: (() => void)[] = [];
  #loop: Promise<void> | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;
  readonly #closeCtl = new AbortController();
  #wakeup: Deferred<void> = deferred<void>();

  #state: InspectingStateValue = S0;
  readonly #stateWaiters: Waiters<InspectingStateValue>;
  readonly #requests = new ModelIndex<RequestInfo>(sameRequest);
  readonly #sensors = new ModelIndex<SensorInfo>(sameSensor);
  readonly #sensorObjects = new Map<string, S>();
  readonly #requestObjects = new Map<string, R>();
  readonly #work = new SyncWork();
  #lostConnection = false;
  #inspecting = false;
  #undelivered: ModelChanges | undefined;
  /** Passes started / completed; `#passWaiters` carries the last completed pass and its changes. */
  #passSeq = 0;
  #lastPass: { seq: number; changes: ModelChanges | undefined } = { seq: 0, changes: undefined };
  readonly #passWaiters: Waiters<{ seq: number; changes: ModelChanges | undefined }>;
  /** Updates for sensors the index does not know yet (latest per name), applied after the next pass. */
  readonly #held = new Map<string, SensorUpdate>();
  /** Sensors looked up without success since the last full sensor listing (their updates are dropped). */
  readonly #notFound = new Set<string>();

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
    this.#initialInspection = opts.initialInspection ?? true;
    this.#autoReconnect = opts.autoReconnect ?? true;
    this.#syncTimeout = opts.syncTimeout ?? 20_000;
    this.#backoffOptions = { delayInitial: 5_000, delayMax: 90_000, ...opts.resyncBackoff };
    // Validate the backoff parameters now rather than inside the loop.
    new ExponentialRandomBackoff(this.#backoffOptions);
    this.#updateOnLookup = opts.updateOnLookup ?? true;
    this.#sensorFactory = opts.sensorFactory ?? (defaultSensorFactory as unknown as (info: SensorInfo) => S);
    this.#requestFactory = opts.requestFactory ?? (defaultRequestFactory as unknown as (info: RequestInfo) => R);
    this.#clientOptions = opts.client ?? {};
    this.#presetFlags = opts.presetProtocolFlags;
    this.#stateCallback = opts.stateCallback;
    this.#stateWaiters = new Waiters(this.#clock);
    this.#passWaiters = new Waiters(this.#clock);
    this.#work.all();
  }

  /** The current state (one of the five {@link InspectingState} values). */
  get state(): InspectingStateValue {
    return this.#state;
  }

  /** True in the `synced` state. */
  get synced(): boolean {
    return this.#state.synced;
  }

  /** True when connected (states other than `disconnected`). */
  get connected(): boolean {
    return this.#state.connected;
  }

  /** True once the model is inspected on this connection. */
  get dataSynced(): boolean {
    return this.#state.dataSynced;
  }

  /** The underlying client (undefined before {@link start}). */
  get client(): Client | undefined {
    return this.#client;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closing;
  }

  /** Names of the known requests. */
  get requests(): string[] {
    return this.#requests.names();
  }

  /** Names of the known sensors. */
  get sensors(): string[] {
    return this.#sensors.names();
  }

  /** The description of a known request (no wire traffic). */
  requestInfo(name: string): RequestInfo | undefined {
    return this.#requests.get(name);
  }

  /** The description of a known sensor (no wire traffic). */
  sensorInfo(name: string): SensorInfo | undefined {
    return this.#sensors.get(name);
  }

  /** Replace the state callback (see {@link StateCallback}); undefined removes it. */
  setStateCallback(cb: StateCallback | undefined): void {
    this.#stateCallback = cb;
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
    const clientOpts: ClientOptions = { ...this.#clientOptions, autoReconnect: this.#autoReconnect, clock: this.#clock };
    if (this.#presetFlags !== undefined) clientOpts.presetFlags = this.#presetFlags;
    const client = new Client(this.host, this.port, clientOpts);
    this.#client = client;
    const onState = (): void => this.#wake();
    const onDisconnected = (): void => {
      this.#lostConnection = true;
      this.#work.all();
      this.#wake();
    };
    const onInterfaceChanged = (msg: Message): void => {
      this.#work.add(parseInterfaceChanged(msg));
      this.#wake();
    };
    client.on('stateChange', onState);
    client.on('disconnected', onDisconnected);
    client.on('interfaceChanged', onInterfaceChanged);
    client.on('deviceChanged', onInterfaceChanged);
    this.#unhook.push(
      () => client.off('stateChange', onState),
      () => client.off('disconnected', onDisconnected),
      () => client.off('interfaceChanged', onInterfaceChanged),
      () => client.off('deviceChanged', onInterfaceChanged),
      client.addInformHandler('sensor-status', (msg) => this.#onSensorInform(msg)),
    );
    this.#loop = this.#run();
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
    this.#wake();
    try {
      await this.#client?.close();
    } finally {
      await this.#loop;
      for (const unhook of this.#unhook) unhook();
      this.#unhook = [];
      const err = new ConnectionClosedError('inspecting client closed');
      this.#stateWaiters.close(err);
      this.#passWaiters.close(err);
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
    return this.#until((s) => s.name === name, opts, `waiting for state ${name}`);
  }

  /** Wait until connected (any state but `disconnected`). */
  untilConnected(opts?: CallOptions): Promise<InspectingStateValue> {
    return this.#until((s) => s.connected, opts, 'waiting for the connection');
  }

  /** Wait until the model is inspected (`dataSyncedChanged`, `dataSynced` or `synced`). */
  untilDataSynced(opts?: CallOptions): Promise<InspectingStateValue> {
    return this.#until((s) => s.dataSynced, opts, 'waiting for data sync');
  }

  /** Wait until `synced`. */
  untilSynced(opts?: CallOptions): Promise<InspectingStateValue> {
    return this.#until((s) => s.synced, opts, 'waiting for sync');
  }

  /** Wait until not synced (any state but `synced`); after close this resolves (the state is `disconnected`). */
  untilNotSynced(opts?: CallOptions): Promise<InspectingStateValue> {
    return this.#until((s) => !s.synced, opts, 'waiting for loss of sync');
  }

  #until(test: (s: InspectingStateValue) => boolean, opts: CallOptions | undefined, what: string): Promise<InspectingStateValue> {
    return this.#stateWaiters.wait(this.#state, test, { ...opts, what });
  }

  /**
   * True when the device has sensor `name`. Waits for the model to be inspected first; an
   * unknown name is looked up on the device (`?sensor-list name`) when `update` allows it.
   */
  checkSensor(name: string, opts: LookupOptions = {}): Promise<boolean> {
    return scoped(opts, this.#clock, `checkSensor(${name})`, (signal) => this.#check(this.#sensors, name, opts.update, signal, 'sensor'));
  }

  /** True when the device has request `name` (see {@link checkSensor}). */
  checkRequest(name: string, opts: LookupOptions = {}): Promise<boolean> {
    return scoped(opts, this.#clock, `checkRequest(${name})`, (signal) => this.#check(this.#requests, name, opts.update, signal, 'request'));
  }

  /**
   * The object for sensor `name` (made by the sensor factory and cached), or undefined when the
   * device has no such sensor (see {@link checkSensor}).
   */
  async getSensor(name: string, opts: LookupOptions = {}): Promise<S | undefined> {
    if (!(await this.checkSensor(name, opts))) return undefined;
    return this.#sensorObject(name);
  }

  /** The object for request `name` (made by the request factory and cached), or undefined. */
  async getRequest(name: string, opts: LookupOptions = {}): Promise<R | undefined> {
    if (!(await this.checkRequest(name, opts))) return undefined;
    return this.#requestObject(name);
  }

  async #check(index: { has(name: string): boolean }, name: string, update: boolean | undefined, signal: AbortSignal, kind: 'sensor' | 'request'): Promise<boolean> {
    await this.untilDataSynced({ signal });
    if (index.has(name)) return true;
    if (!(update ?? this.#updateOnLookup)) return false;
    // Any pass started from now on includes this lookup.
    const after = this.#passSeq;
    if (kind === 'sensor') this.#work.lookupSensor(name);
    else this.#work.lookupRequest(name);
    this.#wake();
    await this.#passWaiters.wait(this.#lastPass, (p) => p.seq > after, { signal });
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
      const after = this.#passSeq;
      this.#work.all();
      this.#wake();
      const pass = await this.#passWaiters.wait(this.#lastPass, (p) => p.seq > after, { signal });
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
    this.#onSensorInform(msg);
  }

  #sensorObject(name: string): S | undefined {
    let obj = this.#sensorObjects.get(name);
    if (obj === undefined) {
      const info = this.#sensors.get(name);
      if (info === undefined) return undefined;
      obj = this.#sensorFactory(info);
      this.#sensorObjects.set(name, obj);
    }
    return obj;
  }

  #requestObject(name: string): R | undefined {
    let obj = this.#requestObjects.get(name);
    if (obj === undefined) {
      const info = this.#requests.get(name);
      if (info === undefined) return undefined;
      obj = this.#requestFactory(info);
      this.#requestObjects.set(name, obj);
    }
    return obj;
  }

  // ---- sensor updates -------------------------------------------------------------------------

  #onSensorInform(msg: Message): void {
    let updates: SensorUpdate[];
    try {
      updates = parseSensorUpdates(msg, this.#client?.protocolFlags?.major);
    } catch (err) {
      this.#warn(err as Error);
      return;
    }
    for (const u of updates) this.#applyUpdate(u);
  }

  #applyUpdate(u: SensorUpdate): void {
    const info = this.#sensors.get(u.name);
    if (info === undefined) {
      this.#hold(u);
      return;
    }
    let reading: Reading<unknown>;
    try {
      reading = decodeUpdate(info, u, this.#client?.protocolFlags?.major);
    } catch (err) {
      this.#warn(new KatcpError(`sensor ${u.name}: update dropped: ${(err as Error).message}`, 'KATCP_ERR_SENSOR_UPDATE', { cause: err }));
      return;
    }
    try {
      this.#sensorObject(u.name)?.setReading(reading);
    } catch (err) {
      this.#warn(new KatcpError(`sensor ${u.name}: the sensor object refused the update: ${(err as Error).message}`, 'KATCP_ERR_SENSOR_UPDATE', { cause: err }));
    }
    this.#emitSafe('sensorUpdate', u.name, reading);
  }

  /** An update for a sensor the index does not know: keep it until the next pass has looked. */
  #hold(u: SensorUpdate): void {
    if (this.#notFound.has(u.name)) return;
    // Message arguments may be views into the parser's buffer; keep a copy.
    this.#held.set(u.name, { ...u, raw: Buffer.from(u.raw) });
    if (!this.#inspecting && this.#updateOnLookup && this.#state.dataSynced) {
      this.#work.lookupSensor(u.name);
      this.#wake();
    }
  }

  /** After a pass: apply held updates of sensors now known; drop those the pass looked for in vain. */
  #releaseHeld(lookedUp: ReadonlySet<string> | 'all'): void {
    for (const [name, u] of [...this.#held]) {
      if (this.#sensors.has(name)) {
        this.#held.delete(name);
        this.#applyUpdate(u);
      } else if (lookedUp === 'all' || lookedUp.has(name) || !this.#updateOnLookup) {
        this.#held.delete(name);
        this.#notFound.add(name);
        this.#warn(new KatcpError(`update for unknown sensor ${name} dropped (the device does not list it)`, 'KATCP_ERR_SENSOR_UPDATE'));
      } else {
        this.#work.lookupSensor(name);
      }
    }
  }

  // ---- the sync loop ---------------------------------------------------------------------------

  #wake(): void {
    this.#wakeup.resolve();
  }

  get #isUp(): boolean {
    return this.#client?.isConnected === true;
  }

  get #clientGone(): boolean {
    return this.#client?.state === 'closed';
  }

  /** Wait until `test()` holds; false when the client is closing or its connection is gone for good. */
  async #waitFor(test: () => boolean): Promise<boolean> {
    for (;;) {
      if (this.#closing || this.#clientGone) return false;
      if (test()) return true;
      this.#wakeup = deferred<void>();
      await this.#wakeup.promise;
    }
  }

  /** The only writer of the state. Stores it, releases waiters, emits, then awaits the callback. */
  async #setState(next: InspectingStateValue, changes?: ModelChanges): Promise<void> {
    const prev = this.#state;
    if (next === prev) return;
    if (!isAllowedTransition(prev, next)) {
      throw new KatcpError(`invalid inspecting-client transition ${formatState(prev)} -> ${formatState(next)}`, 'KATCP_ERR_STATE');
    }
    this.#state = next;
    this.#stateWaiters.update(next);
    this.#emitSafe('stateChange', next, changes);
    const cb = this.#stateCallback;
    if (cb !== undefined) await cb(next, changes);
  }

  async #run(): Promise<void> {
    const backoff = new ExponentialRandomBackoff(this.#backoffOptions);
    let skipInspection = !this.#initialInspection;
    while (!this.#closing && !this.#clientGone) {
      try {
        if (this.#lostConnection || !this.#isUp) {
          this.#lostConnection = false;
          await this.#setState(S0);
          if (!(await this.#waitFor(() => this.#isUp))) break;
          continue;
        }
        await this.#setState(S1);
        if (skipInspection) {
          skipInspection = false;
          this.#work.take();
        } else {
          const changes = await this.#pass();
          if (this.#lostConnection || !this.#isUp) continue;
          await this.#setState(changes === undefined ? InspectingState.DataSynced : InspectingState.DataSyncedChanged, changes);
          this.#undelivered = undefined;
        }
        if (this.#lostConnection || !this.#isUp) continue;
        await this.#setState(S3);
        backoff.success();
        if (!(await this.#waitFor(() => !this.#work.empty || this.#lostConnection || !this.#isUp))) break;
      } catch (err) {
        if (this.#closing || this.#clientGone) break;
        // A pass cut short by a lost connection is retried on reconnect, without a backoff.
        if (err instanceof SyncError && (this.#lostConnection || !this.#isUp)) continue;
        const delay = backoff.delay;
        backoff.failed();
        this.#emitSafe('syncError', err as Error, delay);
        try {
          await sleep(this.#clock, delay, this.#closeCtl.signal);
        } catch {
          break;
        }
      }
    }
    try {
      await this.#setState(S0);
    } catch (err) {
      this.#warn(err as Error);
    }
    if (!this.#closing) {
      // The client gave up (no auto-reconnect): nothing will ever change again.
      const err = new ConnectionClosedError('connection closed and not reconnecting');
      this.#stateWaiters.close(err);
      this.#passWaiters.close(err);
    }
  }

  /** One inspection pass over the work owed; applies it to the indexes and returns the changes to report. */
  async #pass(): Promise<ModelChanges | undefined> {
    const work = this.#work.take();
    const seq = ++this.#passSeq;
    this.#inspecting = true;
    let changes: ModelChanges | undefined;
    try {
      changes = await this.#inspect(work);
    } catch (err) {
      this.#work.merge(work);
      throw err;
    } finally {
      this.#inspecting = false;
    }
    if (work.sensorsAll) this.#notFound.clear();
    this.#releaseHeld(work.sensorsAll ? 'all' : new Set(work.sensors.keys()));
    changes = mergeModelChanges(this.#undelivered, changes, {
      requests: (n) => this.#requests.has(n),
      sensors: (n) => this.#sensors.has(n),
    });
    this.#undelivered = changes;
    this.#lastPass = { seq, changes };
    this.#passWaiters.update(this.#lastPass);
    return changes;
  }

  async #inspect(work: SyncWork): Promise<ModelChanges | undefined> {
    const client = this.#client!;
    const inspector = new Inspector(client, {
      clock: this.#clock,
      budget: this.#syncTimeout,
      timeoutHints: client.protocolFlags?.requestTimeoutHints ?? false,
      signal: this.#closeCtl.signal,
      warn: (err) => this.#warn(err),
    });
    const lookups = (m: ReadonlyMap<string, string>): string[] => [...m].filter(([, c]) => c !== 'removed').map(([n]) => n);
    let requests: IndexUpdate<RequestInfo> | undefined;
    if (work.requestsAll) requests = this.#requests.planFull(await inspector.listRequests());
    else if (work.requests.size > 0) {
      const names = lookups(work.requests);
      requests = this.#requests.planNamed(work.requests.keys(), names.length > 0 ? await inspector.lookupRequests(names) : []);
    }
    let sensors: IndexUpdate<SensorInfo> | undefined;
    if (work.sensorsAll) sensors = this.#sensors.planFull(await inspector.listSensors());
    else if (work.sensors.size > 0) {
      const names = lookups(work.sensors);
      sensors = this.#sensors.planNamed(work.sensors.keys(), names.length > 0 ? await inspector.lookupSensors(names) : []);
    }
    // Both listings succeeded: only now touch the indexes, so a failed pass changes nothing.
    if (requests !== undefined) {
      this.#requests.apply(requests);
      for (const name of requests.changes.removed) this.#requestObjects.delete(name);
    }
    if (sensors !== undefined) {
      this.#sensors.apply(sensors);
      for (const name of sensors.changes.removed) this.#sensorObjects.delete(name);
    }
    return modelChanges(requests?.changes, sensors?.changes);
  }

  #warn(err: Error): void {
    this.#emitSafe('warning', err);
  }

  /** Listener errors must not break the sync loop or the client's inform dispatch. */
  #emitSafe<E extends keyof InspectingClientEvents>(event: E, ...args: InspectingClientEvents[E]): void {
    try {
      (this.emit as (e: E, ...a: InspectingClientEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      if (event !== 'warning') this.#warn(new KatcpError(`a ${event} listener threw: ${(err as Error).message}`, 'KATCP_ERR_LISTENER', { cause: err }));
    }
  }
}
