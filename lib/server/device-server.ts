/**
 * {@link DeviceServer}: a KATCP device (aiokatcp's `DeviceServer`, TypeScript-native). Register
 * requests with typed parameters, add sensors to `server.sensors`, `start()`, and clients get
 * every standard request, sampling, `#log`, `#interface-changed` and slow-client protection.
 *
 * ```ts
 * const server = new DeviceServer({ port: 0, version: 'my-device-1.0', buildState: 'my-device-1.0.3' });
 * server.addRequest({
 *   name: 'add', description: 'Add two numbers.',
 *   params: [{ type: 'integer', name: 'x' }, { type: 'integer', name: 'y' }],
 *   handler: (_ctx, x, y) => Number(x) + Number(y),
 * });
 * server.sensors.add(Sensor.float({ name: 'temperature', units: 'degC' }));
 * await server.start();
 * console.log(server.address);   // { host: '127.0.0.1', port: 40123 }
 * await server.join();           // until ?halt or server.stop()
 * ```
 * @module
 */
import { Message } from '../codec/message.js';
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import type { LogLevel } from '../codec/log-level.js';
import { isLogLevel, logLevelEnabled } from '../codec/log-level.js';
import { compatibilityWarnings } from '../sensor/compat.js';
import type { Sensor } from '../sensor/sensor.js';
import { SensorSet } from '../sensor/sensor-set.js';
import { KatcpError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { deferred } from '../util/deferred.js';
import { ClientConnection } from './client-connection.js';
import { ClientPool } from './client-pool.js';
import type { ServerTrafficSnapshot } from './client-pool.js';
import type { ServerDialect } from './dialect.js';
import { RequestDispatcher } from './dispatch.js';
import { InterfaceChanges } from './interface-changes.js';
import { createKatcpLogger, errorText, logInform } from './logging.js';
import type { ConsoleLike, KatcpLogger } from './logging.js';
import { compileRequest } from './request.js';
import type { CompiledRequest, ParamSpec, RequestDefinition } from './request.js';
import { sensorRequests } from './sensor-requests.js';
import { standardRequests } from './standard-requests.js';
import type { ServerHost } from './standard-requests.js';
import { ServiceTasks } from './service-tasks.js';
import type { ServiceTask } from './service-tasks.js';
import { resolveOptions } from './server-options.js';
import type { DeviceServerOptions } from './server-options.js';

export type { ServiceTask } from './service-tasks.js';
export type { DeviceServerOptions } from './server-options.js';

/** Lifecycle states of a {@link DeviceServer}. */
export const ServerState = {
  Created: 'created',
  Starting: 'starting',
  Running: 'running',
  Stopping: 'stopping',
  Stopped: 'stopped',
} as const;
/** One of the {@link ServerState} values. */
export type ServerState = (typeof ServerState)[keyof typeof ServerState];

/** A KATCP device server. */
export class DeviceServer {
  /** The device's sensors; adding or removing one at runtime sends `#interface-changed`. */
  readonly sensors = new SensorSet();
  /** The time source. */
  readonly clock: Clock;
  /** Device version (`#version-connect katcp-device`). */
  readonly version: string;
  /** Device build state, possibly empty. */
  readonly buildState: string;
  /** Requests in flight per client before its reading pauses. */
  readonly maxPending: number;
  /** Unread bytes after which an asynchronous message disconnects a client. */
  readonly maxBacklog: number;
  readonly #dialect: ServerDialect;
  readonly #host: string;
  readonly #port: number;
  readonly #console: ConsoleLike;
  readonly #onRestart: DeviceServerOptions['onRestart'];
  #state: ServerState = ServerState.Created;
  #address: { host: string; port: number } | undefined;
  readonly #clients: ClientPool;
  readonly #requests = new Map<string, CompiledRequest>();
  #sortedRequests: CompiledRequest[] | undefined;
  #sortedSensors: Sensor[] | undefined;
  #logLevel: LogLevel;
  readonly #tasks: ServiceTasks;
  readonly #dispatcher: RequestDispatcher;
  #failure: { error: unknown } | undefined;
  readonly #done = deferred<void>();
  readonly #changes: InterfaceChanges;

  /** @throws KatcpError for invalid options */
  constructor(opts: DeviceServerOptions = {}) {
    const o = resolveOptions(opts);
    this.#dialect = o.dialect;
    this.#host = o.host;
    this.#port = o.port;
    this.version = o.version;
    this.buildState = o.buildState;
    this.clock = o.clock;
    this.maxPending = o.maxPending;
    this.maxBacklog = o.maxBacklog;
    this.#logLevel = o.logLevel;
    this.#console = o.console;
    this.#onRestart = opts.onRestart;
    const maxLineLength = o.maxLineLength;
    this.#done.promise.catch(() => undefined); // join() callers see the rejection; nobody else must

    // KATCP v4 has no #interface-changed.
    this.#changes = new InterfaceChanges((args) => {
      if (!this.#dialect.v4) this.massInform('interface-changed', ...args);
    });
    this.#clients = new ClientPool({
      clock: this.clock,
      maxBacklog: this.maxBacklog,
      maxLineLength,
      console: this.#console,
      dialect: this.#dialect,
      isRunning: () => this.#state === ServerState.Running,
      greeting: () => this.#dialect.greeting(this.version, this.buildState),
      handleMessage: (client, msg) => this.#dispatcher.dispatch(client, msg),
    });
    this.#tasks = new ServiceTasks((err) => {
      this.#console.error('katcp server: halting because a service task failed:', err);
      this.#failure ??= { error: err };
      this.halt();
    });
    const running = (): boolean => this.#state === ServerState.Running;
    this.#dispatcher = new RequestDispatcher({ maxPending: this.maxPending, console: this.#console }, this.#requests, this.#changes, {
      get isRunning() {
        return running();
      },
    });
    this.sensors.onAdd((s) => this.#sensorAdded(s));
    this.sensors.onRemove((s) => this.#sensorRemoved(s));
    const host = this.#makeHost();
    for (const def of [...standardRequests(host), ...sensorRequests(host)]) {
      if (this.#dialect.offers(def.name)) this.#requests.set(def.name, compileRequest(def, this.#dialect.codecContext));
    }
  }

  /** The KATCP version and flags this server speaks (`protocol.major === 4` for a v4 device). */
  get protocol(): ProtocolFlags {
    return this.#dialect.flags;
  }

  /** The lifecycle state. */
  get state(): ServerState {
    return this.#state;
  }

  /** The bound address once listening (`port` is the real one when 0 was asked for). @throws KatcpError before start */
  get address(): { host: string; port: number } {
    if (this.#address === undefined) throw new KatcpError('the server is not listening');
    return this.#address;
  }

  /** Number of connected clients. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * Traffic statistics at this instant: messages and bytes received and sent, request latency
   * (median, p99 over the last 1000 requests, 256 per client), receive rate (messages/s over the
   * last 10 s), connections accepted and requests in flight, in total and for each connected client.
   */
  get stats(): ServerTrafficSnapshot {
    return this.#clients.stats;
  }

  /** Number of running service tasks. */
  get serviceTaskCount(): number {
    return this.#tasks.count;
  }

  /** The device log level (what `?log-level` reports and sets); shared by all clients. */
  get logLevel(): LogLevel {
    return this.#logLevel;
  }

  /** @throws KatcpError for a value that is not a log level name */
  set logLevel(level: LogLevel) {
    if (!isLogLevel(level)) throw new KatcpError(`invalid log level ${JSON.stringify(level)}`);
    this.#logLevel = level;
  }

  // ---------------------------------------------------------------- requests

  /**
   * Registers a request (replacing one of the same name, standard ones included). At runtime this
   * sends `#interface-changed request NAME added` (or `modified`).
   * @throws KatcpError / KatcpTypeError for an invalid declaration
   */
  addRequest<const Ps extends readonly ParamSpec[] = readonly [], const R extends readonly string[] | undefined = undefined>(
    def: RequestDefinition<Ps, R>,
  ): void {
    const compiled = compileRequest(def as unknown as RequestDefinition, this.#dialect.codecContext);
    const existed = this.#requests.has(compiled.name);
    this.#requests.set(compiled.name, compiled);
    this.#sortedRequests = undefined;
    if (this.#state === ServerState.Running) {
      if (existed) this.#changes.record('request', compiled.name, 'removed');
      this.#changes.record('request', compiled.name, 'added');
    }
  }

  /** Removes a request; at runtime sends `#interface-changed request NAME removed`. @returns whether it existed */
  removeRequest(name: string): boolean {
    if (!this.#requests.delete(name)) return false;
    this.#sortedRequests = undefined;
    if (this.#state === ServerState.Running) this.#changes.record('request', name, 'removed');
    return true;
  }

  /** True when a request of this name is registered. */
  hasRequest(name: string): boolean {
    return this.#requests.has(name);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts listening; resolves once connections are accepted.
   * @throws KatcpError when already started; the listen error (e.g. EADDRINUSE)
   */
  async start(): Promise<void> {
    if (this.#state !== ServerState.Created) throw new KatcpError(`cannot start a server that is ${this.#state}`);
    this.#state = ServerState.Starting;
    try {
      this.#address = await this.#clients.listen(this.#port, this.#host);
    } catch (err) {
      this.#state = ServerState.Stopped;
      this.#finish();
      throw err;
    }
    if ((this.#state as ServerState) === ServerState.Stopping) {
      // halt() was called while listening was being set up.
      void this.#stopSequence();
      return;
    }
    this.#state = ServerState.Running;
    this.#tasks.start();
  }

  /** Starts stopping (idempotent); `join()` resolves when done. */
  halt(): void {
    if (this.#state === ServerState.Stopping || this.#state === ServerState.Stopped) return;
    if (this.#state === ServerState.Created) {
      this.#state = ServerState.Stopped;
      this.#finish();
      return;
    }
    const starting = this.#state === ServerState.Starting;
    this.#state = ServerState.Stopping;
    // While starting, start() runs the stop sequence once listening is set up.
    if (!starting) void this.#stopSequence();
  }

  /** Halts and waits until stopped; rejects with a failed service task's error. */
  async stop(): Promise<void> {
    this.halt();
    await this.join();
  }

  /** Resolves once stopped; rejects with the error of a service task that failed. */
  join(): Promise<void> {
    return this.#done.promise;
  }

  /**
   * Runs `task(signal)` while the server runs (from `start()` if added before). When the server
   * stops, `signal` aborts and the task is awaited. A task that fails stops the server, and
   * `join()` rejects with its error.
   * @throws KatcpError when the server is stopping or stopped
   */
  addServiceTask(task: ServiceTask): void {
    if (typeof task !== 'function') throw new KatcpError('a service task must be a function');
    if (this.#state === ServerState.Stopping || this.#state === ServerState.Stopped) {
      throw new KatcpError(`cannot add a service task to a server that is ${this.#state}`);
    }
    this.#tasks.add(task);
  }

  // ---------------------------------------------------------------- informs and logging

  /** Sends an asynchronous inform (no mid) to every client, subject to the slow-client limit. */
  massInform(name: string, ...args: unknown[]): void {
    const msg = Message.inform(name, ...args);
    for (const client of this.#clients) client.sendAsync(msg);
  }

  /**
   * Sends `#log <level> <timestamp> <logger> <message>` to every client when `level` is at or
   * above the device log level.
   */
  log(level: Exclude<LogLevel, 'all' | 'off'>, message: string, opts: { logger?: string; timestamp?: number } = {}): void {
    if (!logLevelEnabled(level, this.#logLevel) || this.#clients.size === 0) return;
    const msg = logInform(level, opts.timestamp ?? this.clock.now(), opts.logger ?? 'device', message, this.#dialect);
    for (const client of this.#clients) client.sendAsync(msg);
  }

  /** A logger object whose messages become `#log` informs under `name`. */
  logger(name: string): KatcpLogger {
    return createKatcpLogger((level, message, logger) => this.log(level, message, { logger }), name);
  }

  // ---------------------------------------------------------------- internals

  #makeHost(): ServerHost {
    const getLevel = (): LogLevel => this.logLevel;
    const setLevel = (level: LogLevel): void => {
      this.logLevel = level;
    };
    return {
      dialect: this.#dialect,
      sensors: this.sensors,
      sortedSensors: () => (this.#sortedSensors ??= [...this.sensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))),
      sortedSensorsAtHand: () => this.#sortedSensors,
      clientOf: (ctx) => {
        const c = ctx.channel;
        if (!(c instanceof ClientConnection)) throw new KatcpError('request context of an unknown client');
        return c;
      },
      clientAddresses: () => this.#clients.addresses(),
      versionRows: () => this.#dialect.versionRows(this.version, this.buildState),
      get logLevel() {
        return getLevel();
      },
      set logLevel(level: LogLevel) {
        setLevel(level);
      },
      requestList: () => (this.#sortedRequests ??= [...this.#requests.values()].sort((a, b) => (a.name < b.name ? -1 : 1))),
      getRequest: (name) => this.#requests.get(name),
      halt: () => this.halt(),
      restart: () => {
        const hook = this.#onRestart;
        if (hook === undefined) return false;
        setImmediate(() => {
          Promise.resolve()
            .then(() => hook(this))
            .catch((err: unknown) => this.#console.error(`katcp server: restart hook failed: ${errorText(err)}`));
        });
        return true;
      },
    };
  }



  #sensorAdded(sensor: Sensor): void {
    this.#sortedSensors = undefined;
    for (const w of compatibilityWarnings(sensor)) this.#console.warn(`katcp server: ${w}`);
    if (this.#state === ServerState.Running) this.#changes.record('sensor', sensor.name, 'added');
  }

  #sensorRemoved(sensor: Sensor): void {
    this.#sortedSensors = undefined;
    for (const client of this.#clients) client.dropSensor(sensor);
    if (this.#state === ServerState.Running) this.#changes.record('sensor', sensor.name, 'removed');
  }

  async #stopSequence(): Promise<void> {
    try {
      await this.#stopSteps();
    } catch (err) {
      this.#console.error('katcp server: error while stopping:', err);
      this.#failure ??= { error: err };
    }
    this.#state = ServerState.Stopped;
    this.#finish();
  }

  async #stopSteps(): Promise<void> {
    const netClosed = this.#clients.closeListener();
    // Let connections accepted in the same tick finish being set up.
    await new Promise((r) => setImmediate(r));
    const cancelled = new KatcpError('server stopping', 'KATCP_ERR_SERVER_STOPPING');
    await this.#clients.disconnectAll(cancelled);
    await this.#tasks.stop(cancelled);
    await netClosed;
  }

  #finish(): void {
    if (this.#failure !== undefined) this.#done.reject(this.#failure.error);
    else this.#done.resolve();
  }
}
