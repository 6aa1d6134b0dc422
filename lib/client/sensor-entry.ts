/**
 * The pieces of the per-client sensor model (see sensor-model.ts): one entry per remote sensor,
 * the views that consume it and the strategy claims on it.
 * @module
 */
import type { Reading, SamplingStrategy } from '../sensor/index.js';
import type { RawReading, SensorInfo } from './sensor-informs.js';

/** The strategy key of an unsubscribed sensor. */
export const NONE = 'none';

/** `?sensor-sampling` arguments after the sensor name, and the same joined by spaces. */
export interface WantedStrategy {
  readonly args: readonly string[];
  readonly key: string;
}

/** No view (shared by every sensor no view wants: never modified). */
export const NO_VIEWS: readonly SensorView[] = Object.freeze([]);

/** What nobody claims: `none`. */
export const UNSUBSCRIBED: WantedStrategy = Object.freeze({ args: Object.freeze([NONE]), key: NONE });

/**
 * A view that follows every sensor its filter accepts, with raw readings and a strategy for them
 * (implemented by SensorWatcher through the sensor monitor). The callbacks get the model's entry,
 * on which a view may keep its own data for the sensor ({@link RemoteSensor.viewData}).
 */
export interface SensorView {
  /** The strategy this view wants for its sensors. */
  readonly strategy: SamplingStrategy;
  /** Whether the view wants this sensor. */
  filter(info: SensorInfo): boolean;
  readonly batchStart: () => void;
  readonly batchStop: () => void;
  /**
   * A sensor appeared, or its description changed. `old` is the entry this view was given for the
   * name before (its data there is to be replaced), undefined when it was given none.
   */
  sensorAdded(s: RemoteSensor, old: RemoteSensor | undefined): void;
  sensorRemoved(s: RemoteSensor): void;
  /** A reading of `s` (decode its value in place: {@link RawReading}). */
  sensorUpdated(s: RemoteSensor, r: RawReading): void;
  /** The device refused the strategy this view wanted for `name`. */
  strategyRejected(name: string, strategy: SamplingStrategy, error: Error): void;
}

/** What takes the decoded readings of one named sensor (an inspecting client's sensor object). */
export interface ReadingTarget {
  setReading(reading: Reading<unknown>): void;
}

/** An event emitter with a `sensorUpdate` event (the inspecting client). */
export interface ReadingEvents {
  listenerCount(event: 'sensorUpdate'): number;
  emit(event: 'sensorUpdate', name: string, reading: Reading<unknown>): boolean;
}

/** The owner of named targets (the inspecting client). */
export interface NamedOwner {
  /** A reading could not be decoded, a target refused it, or a listener threw. */
  warn(err: Error): void;
  /** Gets `sensorUpdate` after each delivered reading, when that event has listeners. */
  readonly events: ReadingEvents;
}

/** A strategy claimed on one sensor by name (a resource sensor's `setStrategy`). */
export interface StrategyClaim {
  /** Who claimed it: told when the device refuses it. */
  readonly claimant: ClaimOwner;
  readonly strategy: SamplingStrategy;
  /** Claim order: the oldest claim on a sensor wins. */
  readonly seq: number;
  /** The formatted strategy (cached per sensor type and protocol major). */
  wanted: WantedStrategy | undefined;
  wantedKind: number;
}

/** Who claims strategies by name. */
export interface ClaimOwner {
  /** The device refused `strategy` for `name`; the claim has been withdrawn. */
  strategyRejected(name: string, strategy: SamplingStrategy, error: Error): void;
}

/** What is attached to a sensor name, whether the device lists it or not. */
export class NamedSlot {
  targets: { readonly target: ReadingTarget; readonly owner: NamedOwner }[] = [];
  claims: StrategyClaim[] = [];

  /** True when nothing is attached. */
  get empty(): boolean {
    return this.targets.length === 0 && this.claims.length === 0;
  }
}

/**
 * One sensor of the device, as the model knows it. A changed description makes a new entry (a
 * strategy set for the old one cannot be trusted for the new one); the named slot is shared.
 */
export class RemoteSensor {
  /** Its description. */
  readonly info: SensorInfo;
  /**
   * The filter views that want it (rarely more than one, so a list rather than a set). Never
   * modified, only replaced: a delivery in progress goes on over the list it started with, and
   * the sensors every view wants share the model's list of views instead of one array each.
   */
  watchers: readonly SensorView[] = NO_VIEWS;
  /** What is attached to its name (targets, claims), if anything. */
  named: NamedSlot | undefined;
  /** Strategy key in force on the server: 'none', a strategy, or undefined when unknown. */
  current: string | undefined = NONE;
  /** The last full listing (the lister's count) that included it. */
  listing = 0;
  /** The latest reading (kept for views that come later). */
  reading: RawReading | undefined;
  /** True while it is the model's entry for its name (set by the listing, cleared when replaced or removed). */
  inModel = false;
  /** Member of the model's set of sensors that need a strategy (see sensor-need.ts). */
  needed = false;
  /** In that set's list (see sensor-need.ts). */
  queued = false;
  /** Announced by a full list still arriving and not applied yet (see sensor-listing.ts). */
  incoming = false;
  /**
   * The view whose data {@link viewData} is (the first view that stored some; the model clears
   * both when that view leaves). Other views keep theirs elsewhere. One view per sensor is the
   * common case: its data is then found without a lookup by name.
   */
  viewDataOwner: SensorView | undefined = undefined;
  /** See {@link viewDataOwner} (a SensorWatcher: the local mirror of the sensor). */
  viewData: unknown = undefined;

  /** @param info its description */
  constructor(info: SensorInfo) {
    this.info = info;
  }
}

/** A reading of `s`, a sensor a full list still arriving announced (see sensor-listing.ts): kept for the list's apply. */
export function earlyReading(s: RemoteSensor, r: RawReading): void {
  s.reading = r;
  // An update means the sensor is subscribed (somehow).
  if (s.current === NONE) s.current = undefined;
}
