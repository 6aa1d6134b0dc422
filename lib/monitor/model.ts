/**
 * {@link MonitorModel}: what the monitor knows of its devices, kept from a resource container.
 * Every sensor gets the `auto` strategy and a listener when it appears (also after a resync on
 * `#interface-changed`), and loses both when it disappears; the model numbers the sensors so
 * the page can address them compactly, and counts reconnects and received informs per device.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import type { KATCPClientResourceContainer } from '../resource/container.js';
import type { KATCPClientResource } from '../resource/resource.js';
import type { ResourceState } from '../resource/resource-events.js';
import type { ResourceSensor, SensorListener } from '../resource/resource-sensor.js';

/** One watched sensor. */
export interface SensorEntry {
  /** A number unique within this process (a sensor removed and added again gets a new one). */
  readonly id: number;
  /** The device (container child) name. */
  readonly device: string;
  /** The resource's sensor object. */
  readonly sensor: ResourceSensor;
}

/** One watched device and its counters. */
export class DeviceEntry {
  /** The resource client of the device. */
  readonly resource: KATCPClientResource;
  #reconnects = 0;
  #messages = 0;
  #everConnected = false;

  /** @internal created by the model */
  constructor(resource: KATCPClientResource) {
    this.resource = resource;
  }

  /** The device name. */
  get name(): string {
    return this.resource.name;
  }

  /** `disconnected`, `syncing` or `synced` (the resource's own state). */
  get state(): ResourceState {
    return this.resource.state;
  }

  /** Connections made after the first one. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Asynchronous informs received from the device (sensor updates, logs, interface changes...). */
  get messagesReceived(): number {
    return this.#messages;
  }

  /** @internal the model saw the resource connect */
  noteConnected(): void {
    if (this.#everConnected) this.#reconnects++;
    this.#everConnected = true;
  }

  /** @internal the model saw an inform */
  noteMessage(): void {
    this.#messages++;
  }
}

/** Events of a {@link MonitorModel}. */
export interface MonitorModelEvents {
  /** A device changed state, or its list of requests changed. */
  device: [device: DeviceEntry];
  /** A sensor appeared. */
  sensorAdded: [entry: SensorEntry];
  /** A sensor disappeared. */
  sensorRemoved: [entry: SensorEntry];
  /** A sensor got a reading. */
  reading: [entry: SensorEntry];
  /** Something went wrong that the monitor works around (a refused strategy, a failed sync...). */
  warning: [device: string, error: Error];
}

/** The devices and sensors of a container, as the monitor shows them. */
export class MonitorModel extends EventEmitter<MonitorModelEvents> {
  readonly #container: KATCPClientResourceContainer;
  readonly #devices = new Map<string, DeviceEntry>();
  /** Sensor entries by id, and by `device\0sensor` to find them again on removal. */
  readonly #byId = new Map<number, SensorEntry>();
  readonly #byName = new Map<string, { entry: SensorEntry; listener: SensorListener }>();
  #nextId = 1;

  /** Watch `container` (not started yet: call {@link start}). */
  constructor(container: KATCPClientResourceContainer) {
    super();
    this.#container = container;
    for (const child of container.childList) this.#watch(child);
    container.on('warning', (child, err) => this.emit('warning', child.name, err));
  }

  /** The devices, in the order given. */
  get devices(): DeviceEntry[] {
    return [...this.#devices.values()];
  }

  /** The device called `name`. */
  device(name: string): DeviceEntry | undefined {
    return this.#devices.get(name);
  }

  /** Every present sensor, in the order they appeared. */
  get sensors(): IterableIterator<SensorEntry> {
    return this.#byId.values();
  }

  /** The sensor with this id. */
  sensorById(id: number): SensorEntry | undefined {
    return this.#byId.get(id);
  }

  /** Number of present sensors. */
  get sensorCount(): number {
    return this.#byId.size;
  }

  /** Connect to every device and keep them synced. */
  start(): void {
    this.#container.start();
    for (const device of this.#devices.values()) {
      // The client object lives as long as the resource runs; reconnects reuse it.
      device.resource.inspectingClient?.client?.on('inform', () => device.noteMessage());
    }
  }

  /** Disconnect from every device. */
  async stop(): Promise<void> {
    await this.#container.stop();
  }

  #watch(resource: KATCPClientResource): void {
    const device = new DeviceEntry(resource);
    this.#devices.set(resource.name, device);
    resource.on('stateChange', (state, previous) => {
      if (previous === 'disconnected' && state !== 'disconnected') device.noteConnected();
      this.emit('device', device);
    });
    resource.on('requestAdded', () => this.emit('device', device));
    resource.on('requestRemoved', () => this.emit('device', device));
    resource.on('sensorAdded', (sensor) => this.#added(device, sensor));
    resource.on('sensorRemoved', (sensor) => this.#removed(device, sensor));
  }

  #added(device: DeviceEntry, sensor: ResourceSensor): void {
    const key = `${device.name}\0${sensor.name}`;
    if (this.#byName.has(key)) return;
    const entry: SensorEntry = { id: this.#nextId++, device: device.name, sensor };
    const listener: SensorListener = () => this.emit('reading', entry);
    this.#byId.set(entry.id, entry);
    this.#byName.set(key, { entry, listener });
    sensor.registerListener(listener);
    this.emit('sensorAdded', entry);
    sensor.setStrategy('auto').catch((err: unknown) => {
      this.emit('warning', device.name, err instanceof Error ? err : new Error(String(err)));
    });
  }

  #removed(device: DeviceEntry, sensor: ResourceSensor): void {
    const key = `${device.name}\0${sensor.name}`;
    const found = this.#byName.get(key);
    if (found === undefined) return;
    this.#byName.delete(key);
    this.#byId.delete(found.entry.id);
    sensor.unregisterListener(found.listener);
    sensor.dropSamplingStrategy();
    this.emit('sensorRemoved', found.entry);
  }
}
