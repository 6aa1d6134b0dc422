/**
 * The device model an inspecting client keeps: the request index, its view of the client's one
 * sensor model (the sensor descriptions live there, applied by the inspection passes), the
 * objects the factories made, and the application of one inspection pass. The sensor objects are
 * attached to the sensor model as targets: readings reach them from it directly. Readings of
 * sensors not known yet are held by the sensor model until a pass has looked the sensor up.
 * @module
 */
import type { Client } from '../client/client.js';
import type { NamedOwner } from '../client/sensor-entry.js';
import type { SensorModel } from '../client/sensor-model.js';
import type { Message } from '../codec/message.js';
import { ModelIndex, modelChanges, sameRequest, sameSensor } from './model.js';
import type { IndexStore, IndexUpdate, ItemChanges, ModelChanges, RequestInfo, SensorInfo } from './model.js';
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
  /** Gets `sensorUpdate` for every applied reading (only when that event has listeners). */
  readonly events: NamedOwner['events'];
  /** Something went wrong that the user should hear about. */
  warn(err: Error): void;
}

/** The sensor descriptions of the client's sensor model, as an index store (applied by this model). */
class SensorStore implements IndexStore<SensorInfo> {
  model: SensorModel | undefined;
  readonly #by: object;

  constructor(by: object) {
    this.#by = by;
  }

  get size(): number {
    return this.model?.sensors.size ?? 0;
  }

  get(name: string): SensorInfo | undefined {
    return this.model?.sensors.get(name)?.info;
  }

  has(name: string): boolean {
    return this.model?.sensors.has(name) ?? false;
  }

  keys(): IterableIterator<string> {
    return (this.model?.sensors ?? new Map<string, never>()).keys();
  }

  *values(): IterableIterator<SensorInfo> {
    for (const s of this.model?.sensors.values() ?? []) yield s.info;
  }

  put(item: SensorInfo): void {
    this.model?.apply(item, this.#by);
  }

  delete(name: string): void {
    const s = this.model?.sensors.get(name);
    if (s !== undefined) this.model!.remove(s, this.#by);
  }
}

/** The request index plus factory-made objects, cached by name and dropped when their item changes. */
export class DeviceModel<S extends SensorTarget, R> {
  /** Requests by name. */
  readonly requests = new ModelIndex<RequestInfo>(sameRequest);
  /** Sensors by name: a view of the client's sensor model. */
  readonly sensors: ModelIndex<SensorInfo>;
  readonly #store: SensorStore;
  /** The made sensor objects (each attached to the sensor model as a target). */
  readonly #sensorObjects = new Map<string, S>();
  readonly #requestObjects = new Map<string, R>();
  readonly #sensorFactory: (info: SensorInfo) => S;
  readonly #requestFactory: (info: RequestInfo) => R;
  readonly #owner: DeviceModelOwner;
  /** Changes another lister applied to the sensor model since the last pass. */
  #foreign: { added: Set<string>; removed: Set<string> } | undefined;
  /** Keeps the sampling engine from setting strategies until this connection's pass applied. */
  #release: (() => void) | undefined;

  /**
   * @param sensorFactory makes the object of a sensor
   * @param requestFactory makes the object of a request
   * @param owner the inspecting client (lookups, events, warnings)
   */
  constructor(sensorFactory: (info: SensorInfo) => S, requestFactory: (info: RequestInfo) => R, owner: DeviceModelOwner) {
    this.#sensorFactory = sensorFactory;
    this.#requestFactory = requestFactory;
    this.#owner = owner;
    this.#store = new SensorStore(this);
    this.sensors = new ModelIndex<SensorInfo>(sameSensor, this.#store);
  }

  /** Follow `client`: its sensor model holds the descriptions and delivers readings. Returns the unhook function. */
  follow(client: Client): () => void {
    const model = client.sensorModel;
    this.#store.model = model;
    const owner = this.#owner;
    const offHolding = model.holding.own({
      heldUnknown: (name) => {
        if (owner.updateOnLookup && owner.canLookUp()) owner.lookUpSensor(name);
      },
      makeTarget: (name) => {
        try {
          return this.sensorObject(name) !== undefined;
        } catch (err) {
          owner.warn(err as Error);
          return false;
        }
      },
      warn: (err) => owner.warn(err),
    });
    const offChanges = model.addChangeListener({ sensorChanged: (name, change, by) => this.#changed(name, change, by) });
    const hold = (): void => {
      this.#release = model.sampling.hold();
    };
    client.on('connected', hold);
    if (client.isConnected) hold();
    return () => {
      offHolding();
      offChanges();
      client.off('connected', hold);
      for (const [name, obj] of this.#sensorObjects) model.detachTarget(name, obj);
    };
  }

  /** The object of a known sensor (made on first use), undefined for an unknown one. @throws what the factory throws */
  sensorObject(name: string): S | undefined {
    let obj = this.#sensorObjects.get(name);
    if (obj === undefined) {
      const info = this.sensors.get(name);
      if (info === undefined) return undefined;
      obj = this.#sensorFactory(info);
      this.#sensorObjects.set(name, obj);
      this.#store.model?.attachTarget(name, obj, this.#owner);
    }
    return obj;
  }

  #dropSensorObject(name: string): void {
    const obj = this.#sensorObjects.get(name);
    if (obj === undefined) return;
    this.#sensorObjects.delete(name);
    this.#store.model?.detachTarget(name, obj);
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

  /** Another lister changed the sensor model: reported with the next pass; the object is made afresh. */
  #changed(name: string, change: 'added' | 'changed' | 'removed', by: object | undefined): void {
    if (by === this) return;
    const f = (this.#foreign ??= { added: new Set(), removed: new Set() });
    if (change !== 'added') {
      f.removed.add(name);
      this.#dropSensorObject(name);
    }
    if (change === 'removed') f.added.delete(name);
    else f.added.add(name);
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
      const update = sensors;
      for (const name of update.changes.removed) this.#dropSensorObject(name);
      const model = this.#store.model;
      if (model === undefined) this.sensors.apply(update);
      else model.batch(() => this.sensors.apply(update));
    }
    const foreign = this.#foreign;
    this.#foreign = undefined;
    return modelChanges(requests?.changes, foreign === undefined ? sensors?.changes : mergeItems(sensors?.changes, foreign));
  }

  /** Apply every reading of a `#sensor-status` / `#sensor-value` inform (the informs of a `?sensor-value` reply). */
  applyInform(msg: Message): void {
    this.#store.model?.applyInform(msg);
  }

  /**
   * After a pass: drop (with one warning) the held readings of sensors the pass looked up in
   * vain (`'all'`: a full listing); owe lookups for the rest. The sampling engine may now set
   * this connection's strategies.
   */
  afterPass(lookedUp: ReadonlySet<string> | 'all'): void {
    const model = this.#store.model;
    if (model !== undefined) {
      for (const name of model.holding.afterListing(lookedUp, !this.#owner.updateOnLookup)) this.#owner.lookUpSensor(name);
    }
    this.passSkipped();
  }

  /** No pass on this connection (or it applied): the sampling engine may set strategies. */
  passSkipped(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}

function mergeItems(a: ItemChanges | undefined, b: ItemChanges): ItemChanges {
  if (a === undefined) return b;
  return { added: new Set([...a.added, ...b.added]), removed: new Set([...a.removed, ...b.removed]) };
}
