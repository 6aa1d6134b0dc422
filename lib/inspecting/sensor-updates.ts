/**
 * Routing of sensor readings (`#sensor-status`, `#sensor-value`) to sensor objects, including
 * readings for sensors the model does not know yet: they are kept until an inspection pass has
 * looked the sensor up, then applied or dropped with a warning.
 * @module
 */
import type { Message } from '../codec/message.js';
import { forEachSensorReading } from '../client/sensor-informs.js';
import { decodeSensorValue } from '../client/sensor-values.js';
import { KatcpError } from '../errors.js';
import { makeReading } from '../sensor/status.js';
import type { Reading, SensorStatus } from '../sensor/status.js';
import type { SensorInfo } from './model.js';

/** One `name status value` entry of a `#sensor-status` / `#sensor-value` inform. */
interface SensorUpdate {
  readonly name: string;
  /** Seconds. */
  readonly timestamp: number;
  readonly status: SensorStatus;
  readonly raw: Buffer;
}

/** What the router needs from the inspecting client. */
export interface UpdateRouterDeps {
  /** The description of a known sensor. */
  info(name: string): SensorInfo | undefined;
  /** The object of a known sensor (made on demand). */
  target(name: string): { setReading(reading: Reading<unknown>): void } | undefined;
  /** The device's protocol major version (timestamps are milliseconds for 4). */
  protocolMajor(): number | undefined;
  /** True when unknown sensors may be looked up right away (not during an inspection). */
  canLookUp(): boolean;
  /** Whether lookups of unknown sensors are allowed at all. */
  readonly updateOnLookup: boolean;
  /** Owe a lookup of this sensor in the next pass (and wake the sync loop). */
  lookUp(name: string): void;
  /** A reading was applied. */
  updated(name: string, reading: Reading<unknown>): void;
  warn(err: Error): void;
}

/** Applies sensor informs to sensor objects. */
export class UpdateRouter {
  readonly #deps: UpdateRouterDeps;
  /** Latest update per sensor the model does not know yet. */
  readonly #held = new Map<string, SensorUpdate>();
  /** Sensors looked up in vain since the last full listing: their updates are dropped. */
  readonly #notFound = new Set<string>();

  constructor(deps: UpdateRouterDeps) {
    this.#deps = deps;
  }

  /** Apply every reading of a `#sensor-status` / `#sensor-value` inform. */
  onInform(msg: Message): void {
    try {
      forEachSensorReading(msg, { protocolMajor: this.#deps.protocolMajor() }, this.#onReading, (err) => this.#deps.warn(err));
    } catch (err) {
      this.#deps.warn(err as Error);
    }
  }

  readonly #onReading = (name: string, status: SensorStatus, raw: Buffer, timestamp: number): void => {
    this.#apply({ name, status, raw, timestamp });
  };

  /**
   * After a pass: apply held readings of sensors now known; drop (with one warning) those the
   * pass looked up in vain (`'all'`: a full listing); owe lookups for the rest.
   */
  afterPass(lookedUp: ReadonlySet<string> | 'all'): void {
    if (lookedUp === 'all') this.#notFound.clear();
    for (const [name, u] of [...this.#held]) {
      if (this.#deps.info(name) !== undefined) {
        this.#held.delete(name);
        this.#apply(u);
      } else if (lookedUp === 'all' || lookedUp.has(name) || !this.#deps.updateOnLookup) {
        this.#held.delete(name);
        this.#notFound.add(name);
        this.#deps.warn(new KatcpError(`update for unknown sensor ${name} dropped (the device does not list it)`, 'KATCP_ERR_SENSOR_UPDATE'));
      } else {
        this.#deps.lookUp(name);
      }
    }
  }

  #apply(u: SensorUpdate): void {
    const info = this.#deps.info(u.name);
    if (info === undefined) {
      this.#hold(u);
      return;
    }
    let reading: Reading<unknown>;
    try {
      reading = makeReading(u.timestamp, u.status, decodeSensorValue(info, u.raw, { protocolMajor: this.#deps.protocolMajor() }));
    } catch (err) {
      this.#deps.warn(new KatcpError(`sensor ${u.name}: update dropped: ${(err as Error).message}`, 'KATCP_ERR_SENSOR_UPDATE', { cause: err }));
      return;
    }
    try {
      this.#deps.target(u.name)?.setReading(reading);
    } catch (err) {
      this.#deps.warn(new KatcpError(`sensor ${u.name}: the sensor object refused the update: ${(err as Error).message}`, 'KATCP_ERR_SENSOR_UPDATE', { cause: err }));
    }
    this.#deps.updated(u.name, reading);
  }

  #hold(u: SensorUpdate): void {
    if (this.#notFound.has(u.name)) return;
    // Message arguments may be views into the parser's buffer; keep a copy.
    this.#held.set(u.name, { ...u, raw: Buffer.from(u.raw) });
    if (this.#deps.updateOnLookup && this.#deps.canLookUp()) this.#deps.lookUp(u.name);
  }
}
