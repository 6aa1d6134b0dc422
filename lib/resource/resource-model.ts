/**
 * The model side of a `KATCPClientResource`: its `req` and `sensor` namespaces, the stable
 * sensor objects, strategies and listeners set by name (on the sensor object, or preset until
 * the sensor appears), and the reconciliation of all of them with the inspecting client's model
 * changes.
 * @module
 */
import type { InspectingClient } from '../inspecting/inspecting-client.js';
import type { ModelChanges, SensorInfo } from '../inspecting/model.js';
import { clientSensorType } from '../client/sensor-informs.js';
import type { SamplingStrategy } from '../sensor/strategy.js';
import type { CallOptions } from '../util/abort.js';
import { Namespace, escapeName } from './namespace.js';
import { createRequestProxy } from './request-proxy.js';
import type { RequestIssuer, RequestProxy } from './request-proxy.js';
import { ResourceSensor } from './resource-sensor.js';
import type { SensorListener } from './resource-sensor.js';
import type { SensorManager } from './sensor-manager.js';
import { normalizeStrategy } from './strategy.js';
import type { StrategyInput } from './strategy.js';

/** The resource events the model raises (a subset of the resource's own events). */
export interface ModelEvents {
  sensorAdded: [sensor: ResourceSensor];
  sensorRemoved: [sensor: ResourceSensor];
  requestAdded: [request: RequestProxy];
  requestRemoved: [request: RequestProxy];
  strategyError: [sensor: ResourceSensor, strategy: SamplingStrategy, error: Error];
}

/** Which requests a resource exposes in `req` (from its spec). */
export interface RequestExposure {
  /** Every request is exposed (the spec's `controlled`). */
  readonly controlled: boolean;
  /** Escaped names exposed also when not controlled. */
  readonly allowed: ReadonlySet<string>;
  /** Escaped names never exposed. */
  readonly excluded: ReadonlySet<string>;
}

/** What a {@link ResourceModel} needs from its resource. */
export interface ModelOwner {
  /** Resource name (given to the sensor objects). */
  readonly name: string;
  /** The resource's strategy cache and listener plumbing. */
  readonly manager: SensorManager;
  /** Sends the requests of the `req` proxies. */
  readonly requester: RequestIssuer;
  /** Which requests are exposed in `req`. */
  readonly exposure: RequestExposure;
  /** Emit a resource event without letting a listener's exception escape. */
  emit<E extends keyof ModelEvents>(event: E, ...args: ModelEvents[E]): void;
}

/** The namespaces and sensor objects of one resource, kept in step with its device. */
export class ResourceModel {
  /** Requests by KATCP name. */
  readonly requests = new Namespace<RequestProxy>();
  /** Sensors by KATCP name. */
  readonly sensors = new Namespace<ResourceSensor>();
  readonly #owner: ModelOwner;
  /** Sensor objects by KATCP name: those present, and removed ones still in use. */
  readonly #objects = new Map<string, ResourceSensor>();
  /** Strategies and listeners set by name before the sensor existed, by escaped name. */
  readonly #presetStrategies = new Map<string, StrategyInput>();
  readonly #presetListeners = new Map<string, SensorListener[]>();
  #reconcile = false;

  constructor(owner: ModelOwner) {
    this.#owner = owner;
  }

  /** True until the first model changes after {@link restarted} have been applied. */
  get reconciling(): boolean {
    return this.#reconcile;
  }

  /** A restarted resource reconciles its namespaces with what the device offers now. */
  restarted(): void {
    this.#reconcile = true;
  }

  /** Every sensor object: those present, and removed ones still in use. */
  objects(): IterableIterator<ResourceSensor> {
    return this.#objects.values();
  }

  /** The sensor object under a KATCP name. */
  object(name: string): ResourceSensor | undefined {
    return this.#objects.get(name);
  }

  /** The sensor under an escaped or KATCP name, or undefined. */
  sensorByName(name: string): ResourceSensor | undefined {
    return this.sensors.lookup(name) ?? this.sensors.lookup(escapeName(name));
  }

  /**
   * Set the strategy of a sensor by name (escaped or KATCP), or keep it until the sensor appears;
   * resolves true when the device accepted it now, false when it is kept for later.
   */
  setSamplingStrategy(sensorName: string, strategy: StrategyInput, opts: CallOptions): Promise<boolean> {
    const sensor = this.sensorByName(sensorName);
    if (sensor !== undefined) return sensor.setStrategy(strategy, undefined, opts);
    this.#presetStrategies.set(escapeName(sensorName), strategy);
    return Promise.resolve(false);
  }

  /** Forget a sensor's strategy, whether set or preset (nothing is sent to the device). */
  dropSamplingStrategy(sensorName: string): void {
    this.#presetStrategies.delete(escapeName(sensorName));
    this.sensorByName(sensorName)?.dropSamplingStrategy();
  }

  /** Register a listener on a sensor by name, or keep it until the sensor appears; true when registered at once. */
  setSensorListener(sensorName: string, listener: SensorListener): boolean {
    const sensor = this.sensorByName(sensorName);
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
    this.sensorByName(sensorName)?.unregisterListener(listener);
  }

  /** Apply the inspecting client's model changes to the namespaces. */
  applyChanges(ic: InspectingClient<ResourceSensor>, changes: ModelChanges): void {
    const owner = this.#owner;
    if (this.#reconcile) {
      // First sync of a restarted resource: the new inspecting client only reports additions,
      // so items that vanished while stopped are removed here.
      this.#reconcile = false;
      const stale = (names: string[], known: readonly string[]): Set<string> => {
        const have = new Set(known);
        return new Set(names.filter((n) => !have.has(n)));
      };
      changes = {
        requests: { added: changes.requests.added, removed: new Set([...changes.requests.removed, ...stale(this.requests.names(), ic.requests)]) },
        sensors: { added: changes.sensors.added, removed: new Set([...changes.sensors.removed, ...stale(this.sensors.names(), ic.sensors)]) },
      };
    }
    for (const name of changes.requests.removed) {
      const proxy = this.requests.get(name);
      if (proxy !== undefined && this.requests.delete(name)) owner.emit('requestRemoved', proxy);
    }
    for (const name of changes.requests.added) {
      const info = ic.requestInfo(name);
      if (info === undefined || !this.#isAllowed(name)) continue;
      const proxy = createRequestProxy(info, escapeName(name), owner.requester);
      this.requests.set(name, proxy);
      owner.emit('requestAdded', proxy);
    }
    for (const name of changes.sensors.removed) {
      if (changes.sensors.added.has(name)) continue; // modified: the object is kept and refreshed below
      const sensor = this.#objects.get(name);
      this.sensors.delete(name);
      if (sensor === undefined) continue;
      sensor.updateInfo(sensor.info, false);
      if (!sensor.inUse) this.#objects.delete(name);
      owner.emit('sensorRemoved', sensor);
    }
    for (const name of changes.sensors.added) {
      const info = ic.sensorInfo(name);
      if (info === undefined) continue;
      const sensor = this.sensorFor(info);
      sensor.updateInfo(info, true);
      const isNew = !this.sensors.has(name);
      this.sensors.set(name, sensor);
      this.#adoptPresets(sensor);
      if (isNew) owner.emit('sensorAdded', sensor);
    }
  }

  /** The (stable) object for a sensor; also the inspecting client's sensor factory. */
  sensorFor(info: SensorInfo): ResourceSensor {
    let sensor = this.#objects.get(info.name);
    if (sensor === undefined) {
      sensor = new ResourceSensor(info, escapeName(info.name), this.#owner.name, this.#owner.manager);
      this.#objects.set(info.name, sensor);
    } else {
      sensor.updateInfo(info, sensor.present);
    }
    return sensor;
  }

  /** True when the request (KATCP name) is exposed in `req`. */
  #isAllowed(name: string): boolean {
    const { controlled, allowed, excluded } = this.#owner.exposure;
    const key = escapeName(name);
    if (excluded.has(key)) return false;
    return controlled || allowed.has(key);
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
          this.#owner.manager.cache(sensor, normalizeForSensor(sensor, strategy));
        } catch (err) {
          this.#owner.emit('strategyError', sensor, { strategy: 'none' }, err as Error);
        }
      }
    }
  }
}

function normalizeForSensor(sensor: ResourceSensor, strategy: StrategyInput): SamplingStrategy {
  return normalizeStrategy(strategy, clientSensorType(sensor.type));
}
