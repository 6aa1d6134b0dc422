/**
 * Readings of sensors the sensor model does not know yet, held (copied) until a listing says
 * whether the sensor exists: then applied, or dropped with one `KATCP_ERR_SENSOR_UPDATE`
 * warning. Holding is on while an owner (the inspecting client) asks for it; without one, such
 * readings are dropped at once, as a SensorWatcher alone has always done.
 * @module
 */
import { KatcpError } from '../errors.js';
import type { RawReading } from './sensor-informs.js';

/** The up-calls of the holding's owner (the inspecting client). */
export interface HoldingOwner {
  /** A reading of an unknown sensor is now held: a lookup may be owed. */
  heldUnknown(name: string): void;
  /** A listed sensor without a target got a reading: attach one now if wanted; true if done. */
  makeTarget(name: string): boolean;
  /** Something the user should hear about (a malformed inform, a dropped reading). */
  warn(err: Error): void;
}

/** What the holding needs of the model. */
export interface HoldingModel {
  readonly client: { readonly logger: { debug(message: string): void } };
  holdingChanged(): void;
  deliverHeld(name: string, r: RawReading): void;
}

/** See the module documentation. */
export class SensorHolding {
  readonly #model: HoldingModel;
  #owner: HoldingOwner | undefined;
  /** Latest reading per sensor not known yet. */
  readonly #held = new Map<string, RawReading>();
  /** Sensors looked up in vain since the last full listing: their readings are dropped. */
  readonly #notFound = new Set<string>();

  /** @param model the model it holds for */
  constructor(model: HoldingModel) {
    this.#model = model;
  }

  /** True while an owner asks for holding. */
  get active(): boolean {
    return this.#owner !== undefined;
  }

  /** Names with a held reading. */
  get names(): IterableIterator<string> {
    return this.#held.keys();
  }

  /** Start holding for `owner`; returns the function that stops it (and forgets what is held). */
  own(owner: HoldingOwner): () => void {
    this.#owner = owner;
    this.#model.holdingChanged();
    return () => {
      if (this.#owner !== owner) return;
      this.#owner = undefined;
      this.#held.clear();
      this.#notFound.clear();
      this.#model.holdingChanged();
    };
  }

  /** A reading of a sensor the model does not know. */
  unknown(name: string, r: RawReading): void {
    const owner = this.#owner;
    if (owner === undefined) {
      this.#model.client.logger.debug(`update for unknown sensor ${name}`);
      return;
    }
    if (this.#notFound.has(name)) return;
    // Held for as long as a listing takes: a copy of the value, not the bytes of its inform.
    this.#held.set(name, r.detached());
    owner.heldUnknown(name);
  }

  /** `name` was listed: its held reading is applied. */
  listed(name: string): void {
    if (this.#held.size === 0 && this.#notFound.size === 0) return;
    this.#notFound.delete(name);
    const r = this.#held.get(name);
    if (r === undefined) return;
    this.#held.delete(name);
    this.#model.deliverHeld(name, r);
  }

  /** See {@link HoldingOwner.makeTarget}. */
  makeTarget(name: string): boolean {
    return this.#owner?.makeTarget(name) ?? false;
  }

  /**
   * A listing is complete (`'all'`) or named lookups are (`names`): the readings held for
   * sensors it did not find are dropped with a warning (all of them when `dropAll`).
   * Returns the names still held.
   */
  afterListing(lookedUp: ReadonlySet<string> | 'all', dropAll: boolean): string[] {
    if (lookedUp === 'all') this.#notFound.clear();
    const left: string[] = [];
    for (const name of [...this.#held.keys()]) {
      if (lookedUp === 'all' || lookedUp.has(name) || dropAll) {
        this.#held.delete(name);
        this.#notFound.add(name);
        this.warn(new KatcpError(`update for unknown sensor ${name} dropped (the device does not list it)`, 'KATCP_ERR_SENSOR_UPDATE'));
      } else left.push(name);
    }
    return left;
  }

  /** Report to the owner; false when there is none. */
  warn(err: Error): boolean {
    if (this.#owner === undefined) return false;
    this.#owner.warn(err);
    return true;
  }
}
