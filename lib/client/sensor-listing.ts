/**
 * The listing side of the sensor model (see sensor-model.ts): descriptions applied by listers
 * ({@link SensorListing.apply}, {@link SensorListing.remove}) and the sensors of a full list still
 * arriving, announced early so that they can be subscribed before the list is complete
 * ({@link SensorListing.incoming}; early-sampling.ts), with the readings that come for them
 * before the list does.
 *
 * A sensor that every view wants shares the views' list as its `watchers` (the model's list is
 * replaced, never modified, when a view comes or goes), so that a mirror of many sensors makes no
 * array per sensor.
 * @module
 */
import type { ClientLogger } from './logger.js';
import { earlyReading, NO_VIEWS, RemoteSensor } from './sensor-entry.js';
import type { SensorView } from './sensor-entry.js';
import type { RawReading } from './sensor-informs.js';
import type { SensorDelivery } from './sensor-delivery.js';
import type { SensorHolding } from './sensor-holding.js';
import { sameSensorInfo } from './sensor-informs.js';
import type { SensorInfo } from './sensor-informs.js';
import type { NamedSlots } from './sensor-named.js';
import type { NeedSet } from './sensor-need.js';

/** What the listing works on: the model's collections and the two things it asks of the model. */
export interface ListingParts {
  readonly logger: Pick<ClientLogger, 'error'>;
  /** The model's sensors by name (the listing adds, replaces and removes them). */
  readonly sensors: Map<string, RemoteSensor>;
  readonly needSampling: NeedSet;
  readonly delivery: SensorDelivery;
  readonly named: NamedSlots;
  readonly holding: SensorHolding;
  /** Works out whether `s` needs a new strategy, unless it left the model meanwhile. */
  updateNeed(s: RemoteSensor): void;
  /** Tells the change listeners. */
  changed(name: string, change: 'added' | 'changed' | 'removed', by: object | undefined): void;
}

/** Whether view `v` wants the sensor `info` (a filter that throws is logged and means no). */
export function viewWants(v: SensorView, info: SensorInfo, logger: Pick<ClientLogger, 'error'>): boolean {
  try {
    return v.filter(info);
  } catch (err) {
    logger.error(`a sensor watcher filter threw for ${info.name}`, err);
    return false;
  }
}

/** The views of `views` that want `info`: `views` itself when all do, a shared empty list when none. */
function wantingViews(views: readonly SensorView[], info: SensorInfo, logger: Pick<ClientLogger, 'error'>): readonly SensorView[] {
  let some: SensorView[] | undefined;
  for (let i = 0; i < views.length; i++) {
    const v = views[i]!;
    const wants = viewWants(v, info, logger);
    if (some !== undefined) {
      if (wants) some.push(v);
    } else if (!wants) some = views.slice(0, i);
  }
  if (some === undefined) return views.length === 0 ? NO_VIEWS : views;
  return some.length === 0 ? NO_VIEWS : some;
}

/** See the module documentation. */
export class SensorListing {
  readonly #parts: ListingParts;
  // New sensors of a full list still arriving, subscribed early (see incoming()), in list order;
  // their `watchers` were worked out against `#against` unless the views changed meanwhile
  // (`#stale`).
  #incoming: RemoteSensor[] = [];
  // The same by name, made only once the names come out of order (see #named()): while they
  // increase, as devices list them, a name listed twice is the previous one and a name is found
  // by binary search (see #announced()).
  #byName: Map<string, RemoteSensor> | undefined;
  // The previous name of the list, while the names come in increasing order.
  #lastName: string | undefined;
  #against: readonly SensorView[] = NO_VIEWS;
  #stale = false;
  // Entries the model gained other than by apply() taking a sensor incoming() announced, and their
  // number when the first sensor of the incoming list was announced: while the two are equal, a
  // name incoming() found absent is still absent (see #known()).
  #otherEntries = 0;
  #announcedAt = 0;
  // Announced sensors apply() has not taken yet (clearIncoming() has no flags to clear at 0).
  #untaken = 0;

  /** @param parts the model's collections */
  constructor(parts: ListingParts) {
    this.#parts = parts;
  }

  /** See {@link SensorModel.incoming}. */
  incoming(info: SensorInfo): RemoteSensor | undefined {
    const parts = this.#parts;
    const name = info.name;
    const incoming = this.#incoming;
    let again = false;
    if (this.#byName === undefined) {
      const last = this.#lastName;
      this.#lastName = name;
      if (last !== undefined && !(name > last)) {
        if (name === last) again = true;
        else this.#named();
      }
    }
    const old = parts.sensors.size === 0 ? undefined : parts.sensors.get(name);
    if (old !== undefined) return sameSensorInfo(old.info, info) && parts.needSampling.has(old) ? old : undefined;
    // Listed twice (a device bug): the first one stands.
    if (again ? incoming[incoming.length - 1]?.info.name === name : this.#byName?.has(name) === true) return undefined;
    const views = parts.delivery.views;
    if (incoming.length === 0) {
      this.#against = views;
      this.#stale = false;
      this.#announcedAt = this.#otherEntries;
    } else if (views !== this.#against) this.#stale = true;
    const s = new RemoteSensor(info);
    s.watchers = wantingViews(views, info, parts.logger);
    s.named = parts.named.size === 0 ? undefined : parts.named.get(name);
    if (s.watchers.length === 0 && (s.named === undefined || s.named.claims.length === 0)) return undefined;
    incoming.push(s);
    this.#byName?.set(name, s);
    s.incoming = true;
    this.#untaken++;
    return s;
  }

  /** The sensors {@link incoming} announced, by name (made on first use for the rest of the list). */
  #named(): Map<string, RemoteSensor> {
    let byName = this.#byName;
    if (byName === undefined) {
      byName = this.#byName = new Map();
      for (const s of this.#incoming) byName.set(s.info.name, s);
    }
    return byName;
  }

  /** The sensor {@link incoming} announced under `name`, if any. */
  #announced(name: string): RemoteSensor | undefined {
    const incoming = this.#incoming;
    if (incoming.length === 0) return undefined;
    if (this.#byName !== undefined) return this.#byName.get(name);
    // The names came in increasing order so far, so the announced ones are sorted: no map of
    // them is made (a mirror's early readings of sensors not yet applied come here).
    let lo = 0;
    let hi = incoming.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = incoming[mid]!;
      const at = s.info.name;
      if (at === name) return s;
      if (at < name) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  /**
   * The model's entry for `name`, without a lookup where `early` proves it: an entry is its
   * name's entry while `inModel`; a sensor {@link incoming} announced, still unapplied, was absent
   * when announced (the model was empty or the lookup missed), and stays absent while no entry
   * came other than by taking an announced sensor (each a different name).
   */
  #known(name: string, early: RemoteSensor | null | undefined): RemoteSensor | undefined {
    if (early != null && early.info.name === name) {
      if (early.incoming && this.#announcedAt === this.#otherEntries) return undefined;
      if (early.inModel) return early;
    }
    return this.#parts.sensors.get(name);
  }

  /** See {@link SensorModel.clearIncoming}. */
  clearIncoming(): void {
    this.#lastName = undefined;
    this.#byName = undefined;
    if (this.#incoming.length === 0) return;
    const incoming = this.#incoming;
    // After a whole list was applied, apply() cleared every flag already.
    if (this.#untaken > 0) for (let i = 0; i < incoming.length; i++) incoming[i]!.incoming = false;
    this.#untaken = 0;
    this.#incoming = [];
    this.#against = NO_VIEWS;
    this.#stale = false;
  }

  /**
   * See {@link SensorModel.apply}. `early` is the sensor {@link incoming} announced for `info`,
   * null when the caller knows it announced none, undefined to look it up by name.
   */
  apply(info: SensorInfo, by: object | undefined, early?: RemoteSensor | null): RemoteSensor {
    const parts = this.#parts;
    const sensors = parts.sensors;
    const name = info.name;
    const old = this.#known(name, early);
    if (old !== undefined && sameSensorInfo(old.info, info)) return old;
    if (early === undefined) early = this.#announced(name);
    const taken = early != null && early.incoming && old === undefined && sameSensorInfo(early.info, info);
    const s = taken ? early! : new RemoteSensor(info);
    if (taken) this.#untaken--;
    s.incoming = false;
    s.named = parts.named.size === 0 ? undefined : parts.named.get(name);
    const views = parts.delivery.views;
    // The views' filters already ran for an early sensor, unless the views changed since.
    const known = taken && !this.#stale && this.#against === views;
    let watchers = known ? s.watchers : views;
    let some: SensorView[] | undefined;
    for (let i = 0; i < views.length; i++) {
      const v = views[i]!;
      const wants = known ? watchers === views || watchers.includes(v) : viewWants(v, info, parts.logger);
      if (!known) {
        if (some !== undefined) {
          if (wants) some.push(v);
        } else if (!wants) some = views.slice(0, i);
      }
      // No closures here (nor in remove): one would give every call a context to allocate.
      try {
        if (wants) v.sensorAdded(s, old?.watchers.includes(v) === true ? old : undefined);
        else if (old?.watchers.includes(v) === true) v.sensorRemoved(old);
      } catch (err) {
        parts.logger.error('a sensor view callback threw', err);
      }
    }
    if (some !== undefined) watchers = some.length === 0 ? NO_VIEWS : some;
    else if (views.length === 0) watchers = NO_VIEWS;
    s.watchers = watchers;
    sensors.set(name, s);
    if (!taken) this.#otherEntries++;
    s.inModel = true;
    if (old !== undefined) {
      old.inModel = false;
      // We cannot tell which version of the sensor an earlier (un)subscription applied to.
      parts.needSampling.delete(old);
      s.current = undefined;
    }
    parts.changed(name, old === undefined ? 'added' : 'changed', by);
    // A reading that came with an early subscription goes out with the sensor, and is kept for
    // later views (updateNeed forgets readings of sensors not known to be subscribed).
    const reading = s.reading;
    if (reading !== undefined) parts.delivery.deliver(s, reading);
    parts.updateNeed(s);
    if (reading !== undefined) s.reading = reading;
    parts.holding.listed(name);
    return s;
  }

  /** See {@link SensorModel.remove}. */
  remove(s: RemoteSensor, by: object | undefined): void {
    const parts = this.#parts;
    const name = s.info.name;
    if (!s.inModel) return;
    s.inModel = false;
    parts.sensors.delete(name);
    parts.needSampling.delete(s);
    const watchers = s.watchers;
    for (let i = 0; i < watchers.length; i++) {
      try {
        watchers[i]!.sensorRemoved(s);
      } catch (err) {
        parts.logger.error('a sensor view callback threw', err);
      }
    }
    parts.changed(name, 'removed', by);
  }

  /** See {@link SensorModel.unlistedReading}. */
  unlistedReading(name: string, r: RawReading): void {
    const early = this.#announced(name);
    if (early === undefined) this.#parts.holding.unknown(name, r);
    else earlyReading(early, r);
  }
}
