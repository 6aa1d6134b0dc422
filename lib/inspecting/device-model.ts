/**
 * The device model an inspecting client keeps: request and sensor indexes, the objects the
 * factories made for them, and the application of one inspection pass.
 * @module
 */
import { ModelIndex, modelChanges, sameRequest, sameSensor } from './model.js';
import type { IndexUpdate, ModelChanges, RequestInfo, SensorInfo } from './model.js';
import type { Inspector } from './inspector.js';
import type { SyncWork } from './work.js';

/** Indexes plus factory-made objects, cached by name and dropped when their item changes. */
export class DeviceModel<S, R> {
  /** Requests by name. */
  readonly requests = new ModelIndex<RequestInfo>(sameRequest);
  /** Sensors by name. */
  readonly sensors = new ModelIndex<SensorInfo>(sameSensor);
  readonly #sensorObjects = new Map<string, S>();
  readonly #requestObjects = new Map<string, R>();
  readonly #sensorFactory: (info: SensorInfo) => S;
  readonly #requestFactory: (info: RequestInfo) => R;

  constructor(sensorFactory: (info: SensorInfo) => S, requestFactory: (info: RequestInfo) => R) {
    this.#sensorFactory = sensorFactory;
    this.#requestFactory = requestFactory;
  }

  /** The object of a known sensor (made on first use), undefined for an unknown one. @throws what the factory throws */
  sensorObject(name: string): S | undefined {
    let obj = this.#sensorObjects.get(name);
    if (obj === undefined) {
      const info = this.sensors.get(name);
      if (info === undefined) return undefined;
      obj = this.#sensorFactory(info);
      this.#sensorObjects.set(name, obj);
    }
    return obj;
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
      for (const name of sensors.changes.removed) this.#sensorObjects.delete(name);
    }
    return modelChanges(requests?.changes, sensors?.changes);
  }
}
