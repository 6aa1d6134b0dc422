/**
 * The device model an inspecting client keeps: request and sensor indexes, the objects the
 * factories made for them, the application of one inspection pass, and the routing of sensor
 * readings (`#sensor-status`, `#sensor-value`) to those objects. Readings of sensors the model
 * does not know yet are kept until an inspection pass has looked the sensor up, then applied or
 * dropped with a warning.
 * @module
 */
import type { Client } from '../client/client.js';
import { decodeSensorValue, forEachSensorReading } from '../client/sensor-informs.js';
import type { Message } from '../codec/message.js';
import { KatcpError } from '../errors.js';
import { makeReading } from '../sensor/status.js';
import type { Reading, SensorStatus } from '../sensor/status.js';
import { ModelIndex, modelChanges, sameRequest, sameSensor } from './model.js';
import type { IndexUpdate, ModelChanges, RequestInfo, SensorInfo } from './model.js';
import type { Inspector } from './inspector.js';
import type { SensorTarget } from './options.js';
import type { SyncWork } from './work.js';

/** The up-calls of a device model to the inspecting client that owns it. */
export interface DeviceModelOwner {
  /** Whether lookups of unknown sensors are allowed at all. */
  readonly updateOnLookup: boolean;
  /** True when unknown sensors may be looked up right away (not during an inspection). */
  canLookUp(): boolean;
  /** Owe a lookup of this sensor in the next pass (and wake the sync loop). */
  lookUpSensor(name: string): void;
  /** Listeners of an event (the model skips `sensorUpdated` when `sensorUpdate` has none). */
  listenerCount(event: 'sensorUpdate'): number;
  /** A reading was applied. */
  sensorUpdated(name: string, reading: Reading<unknown>): void;
  /** Something went wrong that the user should hear about. */
  warn(err: Error): void;
}

/** A sensor the model knows, with the object made for it (once made). */
interface SensorEntry<S> {
  readonly info: SensorInfo;
  readonly object: S;
}

/** One `name status value` entry held for a sensor the model does not know yet. */
interface HeldUpdate {
  readonly status: SensorStatus;
  readonly raw: Buffer;
  /** Seconds. */
  readonly timestamp: number;
}

/** Indexes plus factory-made objects, cached by name and dropped when their item changes. */
export class DeviceModel<S extends SensorTarget, R> {
  /** Requests by name. */
  readonly requests = new ModelIndex<RequestInfo>(sameRequest);
  /** Sensors by name. */
  readonly sensors = new ModelIndex<SensorInfo>(sameSensor);
  /** The made sensor objects with the description they were made from (the same object as in {@link sensors}). */
  readonly #sensorEntries = new Map<string, SensorEntry<S>>();
  readonly #requestObjects = new Map<string, R>();
  readonly #sensorFactory: (info: SensorInfo) => S;
  readonly #requestFactory: (info: RequestInfo) => R;
  readonly #owner: DeviceModelOwner;
  #client: Client | undefined;
  /** The protocol major of the current connection, read from the client once per connection. */
  #protocolMajor: number | undefined;
  /** Latest update per sensor the model does not know yet. */
  readonly #held = new Map<string, HeldUpdate>();
  /** Sensors looked up in vain since the last full listing: their updates are dropped. */
  readonly #notFound = new Set<string>();

  /**
   * @param sensorFactory makes the object of a sensor
   * @param requestFactory makes the object of a request
   * @param owner the inspecting client (lookups, events, warnings)
   */
  constructor(sensorFactory: (info: SensorInfo) => S, requestFactory: (info: RequestInfo) => R, owner: DeviceModelOwner) {
    this.#sensorFactory = sensorFactory;
    this.#requestFactory = requestFactory;
    this.#owner = owner;
  }

  /** Follow `client`: its `#sensor-status` informs update the sensor objects. Returns the unhook function. */
  follow(client: Client): () => void {
    this.#client = client;
    this.#protocolMajor = undefined;
    // The flags may change with each connection (and are settled once it is connected).
    const forget = (): void => {
      this.#protocolMajor = undefined;
    };
    client.on('connected', forget);
    client.on('disconnected', forget);
    const off = client.addInformHandler('sensor-status', this.onSensorInform);
    return () => {
      off();
      client.off('connected', forget);
      client.off('disconnected', forget);
    };
  }

  #major(): number | undefined {
    this.#protocolMajor ??= this.#client?.protocolFlags?.major;
    return this.#protocolMajor;
  }

  /** The object of a known sensor (made on first use), undefined for an unknown one. @throws what the factory throws */
  sensorObject(name: string): S | undefined {
    return this.#sensorEntry(name)?.object;
  }

  #sensorEntry(name: string): SensorEntry<S> | undefined {
    let entry = this.#sensorEntries.get(name);
    if (entry === undefined) {
      const info = this.sensors.get(name);
      if (info === undefined) return undefined;
      entry = { info, object: this.#sensorFactory(info) };
      this.#sensorEntries.set(name, entry);
    }
    return entry;
  }

  /** The object of a known request (made on first use). @throws what the factory throws */
  requestObject(name: string): R | undefined {
    let obj = this.#requestObjects.get(name);
    if (obj === undefined) {
      const info = this.requests.get(name);
      if (info === undefined) return undefined;
      obj = this.#requestFactory(info);
      this.#requestObjects.set(name, obj);
    }
    return obj;
  }

  /**
   * Inspect what `work` asks for (requests first, then sensors, as katcp-python) and apply it.
   * Nothing is applied unless every request of the pass succeeded.
   * @throws SyncError from the inspector
   */
  async inspect(work: SyncWork, inspector: Inspector): Promise<ModelChanges | undefined> {
    const lookups = (m: ReadonlyMap<string, string>): string[] => [...m].filter(([, c]) => c !== 'removed').map(([n]) => n);
    let requests: IndexUpdate<RequestInfo> | undefined;
    if (work.requestsAll) requests = this.requests.planFull(await inspector.listRequests());
    else if (work.requests.size > 0) {
      const names = lookups(work.requests);
      requests = this.requests.planNamed(work.requests.keys(), names.length > 0 ? await inspector.lookupRequests(names) : []);
    }
    let sensors: IndexUpdate<SensorInfo> | undefined;
    if (work.sensorsAll) sensors = this.sensors.planFull(await inspector.listSensors());
    else if (work.sensors.size > 0) {
      const names = lookups(work.sensors);
      sensors = this.sensors.planNamed(work.sensors.keys(), names.length > 0 ? await inspector.lookupSensors(names) : []);
    }
    if (requests !== undefined) {
      this.requests.apply(requests);
      // Modified items are in `removed` too: their objects are made afresh with the new description.
      for (const name of requests.changes.removed) this.#requestObjects.delete(name);
    }
    if (sensors !== undefined) {
      this.sensors.apply(sensors);
      for (const name of sensors.changes.removed) this.#sensorEntries.delete(name);
    }
    return modelChanges(requests?.changes, sensors?.changes);
  }

  /** Apply every reading of a `#sensor-status` / `#sensor-value` inform (bound: usable as an inform handler). */
  readonly onSensorInform = (msg: Message): void => {
    try {
      forEachSensorReading(msg, { protocolMajor: this.#major() }, this.#onReading, (err) => this.#owner.warn(err));
    } catch (err) {
      this.#owner.warn(err as Error);
    }
  };

  readonly #onReading = (name: string, status: SensorStatus, raw: Buffer, timestamp: number): void => {
    this.#apply(name, { status, raw, timestamp });
  };

  /**
   * After a pass: apply held readings of sensors now known; drop (with one warning) those the
   * pass looked up in vain (`'all'`: a full listing); owe lookups for the rest.
   */
  afterPass(lookedUp: ReadonlySet<string> | 'all'): void {
    if (lookedUp === 'all') this.#notFound.clear();
    for (const [name, u] of [...this.#held]) {
      if (this.sensors.has(name)) {
        this.#held.delete(name);
        this.#apply(name, u);
      } else if (lookedUp === 'all' || lookedUp.has(name) || !this.#owner.updateOnLookup) {
        this.#held.delete(name);
        this.#notFound.add(name);
        this.#owner.warn(new KatcpError(`update for unknown sensor ${name} dropped (the device does not list it)`, 'KATCP_ERR_SENSOR_UPDATE'));
      } else {
        this.#owner.lookUpSensor(name);
      }
    }
  }

  #apply(name: string, u: HeldUpdate): void {
    const entry = this.#sensorEntries.get(name);
    const info = entry?.info ?? this.sensors.get(name);
    if (info === undefined) {
      this.#hold(name, u);
      return;
    }
    let reading: Reading<unknown>;
    try {
      reading = makeReading(u.timestamp, u.status, decodeSensorValue(info, u.raw, { protocolMajor: this.#major() }));
    } catch (err) {
      this.#owner.warn(new KatcpError(`sensor ${name}: update dropped: ${(err as Error).message}`, 'KATCP_ERR_SENSOR_UPDATE', { cause: err }));
      return;
    }
    try {
      (entry ?? this.#sensorEntry(name))?.object.setReading(reading);
    } catch (err) {
      this.#owner.warn(new KatcpError(`sensor ${name}: the sensor object refused the update: ${(err as Error).message}`, 'KATCP_ERR_SENSOR_UPDATE', { cause: err }));
    }
    if (this.#owner.listenerCount('sensorUpdate') > 0) this.#owner.sensorUpdated(name, reading);
  }

  #hold(name: string, u: HeldUpdate): void {
    if (this.#notFound.has(name)) return;
    // Message arguments may be views into the parser's buffer; keep a copy.
    this.#held.set(name, { ...u, raw: Buffer.from(u.raw) });
    if (this.#owner.updateOnLookup && this.#owner.canLookUp()) this.#owner.lookUpSensor(name);
  }
}
