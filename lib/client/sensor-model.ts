/**
 * The one sensor model of a {@link Client} (`client.sensorModel`): per remote sensor name ONE
 * entry with its description (whoever listed it), the latest reading, the views that consume it
 * and the strategy claims on it, the strategy the device applies on this connection; the one
 * `#sensor-status` handler and the delivery of readings (sensor-delivery.ts); readings of sensors
 * not listed yet, held until a listing says whether they exist; and the sampling engine
 * (sensor-sampling-engine.ts) that sets every wanted strategy after a (re)connection, in bulk for
 * all views together.
 *
 * Listers (the SensorWatcher's monitor, the inspecting client's inspector) apply descriptions
 * ({@link apply}, {@link remove}; the listing side is sensor-listing.ts); views (SensorWatcher
 * through its filter, the inspecting client's sensor objects by name) get the changes and
 * readings; claims (a resource sensor's strategy) want a strategy for one name. The wanted
 * strategy of a sensor is that of its oldest view or claim. The set of sensors that need a
 * strategy is sensor-need.ts.
 * @module
 */
import type { Message } from '../codec/message.js';
import type { CodecContext } from '../codec/types.js';
import type { SamplingStrategy } from '../sensor/index.js';
import type { Client } from './client.js';
import { NONE } from './sensor-entry.js';
import type { NamedSlot, RemoteSensor } from './sensor-entry.js';
import { SensorListing, viewWants } from './sensor-listing.js';
import { NamedSlots } from './sensor-named.js';
import { NeedSet } from './sensor-need.js';
import type { ClaimOwner, NamedOwner, ReadingTarget, SensorView, WantedStrategy } from './sensor-entry.js';
import type { RawReading } from './sensor-informs.js';
import { SensorDelivery } from './sensor-delivery.js';
import type { DeliveryModel } from './sensor-delivery.js';
import type { SensorInfo } from './sensor-informs.js';
import { SamplingEngine } from './sensor-sampling-engine.js';
import { SensorHolding } from './sensor-holding.js';
import { WantedStrategies } from './sensor-wanted.js';

/** Something that follows description changes applied by any lister. */
export interface ChangeListener {
  /** Sensor `name` was added, its description changed, or it was removed, by lister `by`. */
  sensorChanged(name: string, change: 'added' | 'changed' | 'removed', by: object | undefined): void;
}

/** See the module documentation. */
export class SensorModel implements DeliveryModel {
  /** The client whose device this models. */
  readonly client: Client;
  /** The sampling engine (listers hold it while they list). */
  readonly sampling: SamplingEngine;
  /** @internal the SensorWatchers' sync engine, once a watcher exists */
  watcherMonitor: { readonly isClosed: boolean } | undefined;
  /**
   * Apply every reading of a `#sensor-status` inform, or of the `#sensor-value` informs of a
   * `?sensor-value` reply (bound: it is the client's inform handler; see sensor-delivery.ts).
   */
  readonly applyInform: (msg: Message) => void;
  readonly #holding: SensorHolding;
  readonly #delivery: SensorDelivery;
  readonly #wanted = new WantedStrategies();
  readonly #sensors = new Map<string, RemoteSensor>();
  readonly #named = new NamedSlots(this);
  readonly #needSampling = new NeedSet();
  readonly #listing: SensorListing;
  #changeListeners: ChangeListener[] = [];
  #closed = false;

  /** @param client the client (use `client.sensorModel`) */
  constructor(client: Client) {
    this.client = client;
    this.sampling = new SamplingEngine(client, this);
    this.#holding = new SensorHolding(this);
    this.#delivery = new SensorDelivery(this);
    this.applyInform = this.#delivery.applyInform;
    this.#listing = new SensorListing({
      logger: client.logger,
      sensors: this.#sensors,
      needSampling: this.#needSampling,
      delivery: this.#delivery,
      named: this.#named,
      holding: this.#holding,
      updateNeed: (s) => this.#updateNeed(s),
      changed: (name, change, by) => {
        // No closure per listener: this runs for every sensor applied, and a closure here would
        // give every call a context to allocate (with no listener at all).
        const listeners = this.#changeListeners;
        for (let i = 0; i < listeners.length; i++) {
          try {
            listeners[i]!.sensorChanged(name, change, by);
          } catch (err) {
            client.logger.error('a sensor view callback threw', err);
          }
        }
      },
    });
    const onConnected = (): void => {
      this.#delivery.newConnection();
      this.sampling.newGeneration();
      this.#resetSubscriptions();
    };
    const onDisconnected = (): void => {
      this.#delivery.newConnection();
      this.sampling.newGeneration();
    };
    const onState = (state: string): void => {
      if (state !== 'closed') return;
      client.off('connected', onConnected);
      client.off('disconnected', onDisconnected);
      client.off('stateChange', onState);
      this.#close();
    };
    client.on('connected', onConnected);
    client.on('disconnected', onDisconnected);
    client.on('stateChange', onState);
    if (client.state === 'closed') onState('closed');
  }

  /** Known remote sensors (all of them, wanted or not). */
  get sensors(): ReadonlyMap<string, RemoteSensor> {
    return this.#sensors;
  }

  /** Sensors whose strategy on the server is not (known to be) the wanted one. */
  get needSampling(): Pick<NeedSet, 'size' | 'has' | typeof Symbol.iterator> {
    return this.#needSampling;
  }

  /** The codec context of this connection (read once per connection). */
  get codecContext(): CodecContext {
    return this.#delivery.codecContext;
  }

  /** Held readings of sensors not listed yet (see sensor-holding.ts). */
  get holding(): SensorHolding {
    return this.#holding;
  }

  // ------------------------------------------------------------ views, targets, claims

  /** Attach a filter view and bring it up to date (sensors, last readings). */
  addView(v: SensorView): void {
    if (!this.#delivery.addView(v)) return;
    this.#wanted.addView(v);
    this.#updateHandler();
    if (this.#sensors.size === 0) return;
    this.#delivery.batch([v], () => {
      for (const s of this.#sensors.values()) {
        if (!viewWants(v, s.info, this.client.logger)) continue;
        v.sensorAdded(s, undefined);
        s.watchers = [...s.watchers, v];
        const r = s.reading;
        if (r !== undefined) v.sensorUpdated(s, r);
        this.#updateNeed(s);
      }
    });
  }

  /** Detach a filter view; the sensors it wanted get the next view's strategy, or `none`. */
  removeView(v: SensorView): void {
    if (!this.#delivery.removeView(v)) return;
    this.#wanted.removeView(v);
    for (const s of this.#sensors.values()) {
      if (s.viewDataOwner === v) s.viewDataOwner = s.viewData = undefined;
      if (!s.watchers.includes(v)) continue;
      s.watchers = s.watchers.filter((x) => x !== v);
      this.#reconsider(s);
    }
    this.#updateHandler();
  }

  /** Follow description changes applied by any lister. Returns the function that stops it. */
  addChangeListener(l: ChangeListener): () => void {
    this.#changeListeners = [...this.#changeListeners, l];
    return () => {
      this.#changeListeners = this.#changeListeners.filter((x) => x !== l);
    };
  }

  /** Deliver the decoded readings of `name` to `target` (once; the owner hears about failures). */
  attachTarget(name: string, target: ReadingTarget, owner: NamedOwner): void {
    this.#named.attachTarget(name, target, owner);
    this.#updateHandler();
  }

  /** Stop delivering to `target`. */
  detachTarget(name: string, target: ReadingTarget): void {
    this.#named.detachTarget(name, target);
    this.#updateHandler();
  }

  /**
   * Claim `strategy` for sensor `name` (replacing the claimant's earlier claim, which keeps its
   * place in the order); `none` withdraws the claim. The sampling engine sets it when it wins.
   * With `quiet`, nothing is sent because of this change (a claim dropped without unsubscribing).
   */
  claim(name: string, claimant: ClaimOwner, strategy: SamplingStrategy, quiet = false): void {
    this.#named.claim(name, claimant, strategy, () => this.#wanted.nextSeq());
    this.#updateHandler();
    const s = this.#sensors.get(name);
    if (s !== undefined && !quiet) this.#reconsider(s);
  }

  /** The strategy `claimant` claims for `name`, if any. */
  claimOf(name: string, claimant: ClaimOwner): SamplingStrategy | undefined {
    return this.#named.claimOf(name, claimant);
  }

  /** Every claim of `claimant`, by name (to carry them over to the model of a new client). */
  claimsBy(claimant: ClaimOwner): [string, SamplingStrategy][] {
    return this.#named.claimsBy(claimant);
  }

  /**
   * The claimant sends the strategy of `name` itself now (a resource's `setStrategy`): the engine
   * leaves the sensor alone until {@link endSend}.
   */
  beginSend(name: string): void {
    this.#named.beginSend(name);
  }

  /** See {@link beginSend}. */
  endSend(name: string): void {
    this.#named.endSend(name);
    const s = this.#sensors.get(name);
    if (s !== undefined && this.#needSampling.has(s)) this.sampling.kick();
  }

  /** True when the claimant sends the strategy of `s` itself right now. */
  sendingNow(s: RemoteSensor): boolean {
    return this.#named.sending(s.info.name);
  }

  /** True when some sensor needs a strategy that the engine should set. */
  get pendingWork(): boolean {
    if (this.#named.noneSending) return this.#needSampling.size > 0;
    for (const s of this.#needSampling) if (!this.#named.sending(s.info.name)) return true;
    return false;
  }

  /** The device now applies `key` to the sensor `name` (a strategy set outside the engine). */
  applied(name: string, key: string): void {
    const s = this.#sensors.get(name);
    if (s !== undefined) this.mark([s], key);
  }

  /** @internal a slot of {@link NamedSlots} was made or dropped */
  linkSlot(name: string, slot: NamedSlot | undefined): void {
    const s = this.#sensors.get(name);
    if (s !== undefined) s.named = slot;
  }

  /** The one `#sensor-status` handler is registered while something consumes readings. */
  #updateHandler(): void {
    this.#delivery.listen(!this.#closed && (this.#delivery.views.length > 0 || this.#named.size > 0 || this.#holding.active));
  }

  /** @internal the holding switched on or off */
  holdingChanged(): void {
    this.#delivery.holdingChanged();
    this.#updateHandler();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.sampling.newGeneration();
    this.#updateHandler();
    for (const s of this.#sensors.values()) s.inModel = false;
    this.#sensors.clear();
    this.#listing.clearIncoming();
    this.#needSampling.clear();
  }

  /** A new connection: no sensor is subscribed yet. */
  #resetSubscriptions(): void {
    for (const s of this.#sensors.values()) {
      s.current = NONE;
      this.#reconsider(s);
    }
  }

  // ------------------------------------------------------------ wanted strategies

  /**
   * Strategy arguments wanted for `s` (the oldest view's or claim's), or ['none'], with their
   * key (the arguments joined by spaces). Do not modify: the result is shared.
   */
  desired(s: RemoteSensor): WantedStrategy {
    return this.#wanted.desired(s, this.#delivery.codecContext.protocolMajor === 4);
  }

  /** #reconsider() for `s` unless it left the model (view callbacks ran since it was looked up). */
  #updateNeed(s: RemoteSensor): void {
    if (s.inModel) this.#reconsider(s);
  }

  /** Whether `s`, known to be in the model, needs a new strategy on the device. */
  #reconsider(s: RemoteSensor): void {
    const wanted = this.desired(s).key;
    if (s.current === wanted) {
      this.#needSampling.delete(s);
      return;
    }
    if (s.current === NONE || s.current === undefined) s.reading = undefined;
    this.#needSampling.add(s);
    this.sampling.kick();
  }

  /** The server now applies strategy `key` to these sensors. */
  mark(sensors: readonly RemoteSensor[], key: string): void {
    // Indexed: a loop over every sensor of a mirror, which a fresh process runs unoptimised.
    for (let i = 0; i < sensors.length; i++) {
      const s = sensors[i]!;
      if (!s.inModel) {
        if (s.incoming) s.current = key;
        continue;
      }
      s.current = key;
      this.#reconsider(s);
    }
  }

  /** See {@link SamplingTable.expectReadings} (the delivery finds those readings' sensors). */
  expectReadings(sensors: readonly RemoteSensor[]): void {
    this.#delivery.expectReadings(sensors);
  }

  /** See {@link SamplingTable.readingsIn}. */
  readingsIn(sensors: readonly RemoteSensor[]): void {
    this.#delivery.readingsIn(sensors);
  }

  /** The device refused `key` for `s`: the views and claims that wanted it hear of it. */
  rejected(s: RemoteSensor, key: string, err: Error): void {
    const integer = s.info.type === 'integer';
    const v4 = this.codecContext.protocolMajor === 4;
    const name = s.info.name;
    for (const c of s.named?.claims ?? []) {
      if (this.#wanted.ofClaim(c, integer, v4).key !== key) continue;
      // Withdrawn: the next claim (or none) is wanted instead.
      this.claim(name, c.claimant, { strategy: 'none' });
      this.#delivery.safe(() => c.claimant.strategyRejected(name, c.strategy, err));
    }
    for (const w of s.watchers) if (this.#wanted.ofView(w, integer, v4).key === key) this.#delivery.safe(() => w.strategyRejected(name, w.strategy, err));
  }

  // ------------------------------------------------------------ descriptions

  /** Run `body` as one batch for every view (nested batches join the outer one). */
  batch(body: () => void): void {
    this.#delivery.batch(this.#delivery.views, body);
  }

  /**
   * A sensor of a full list that is still arriving (see early-sampling.ts). Returns the sensor to
   * subscribe already, if any: a known, unchanged sensor whose strategy is not the wanted one,
   * or a new sensor some view or claim wants. A new sensor stays invisible to the views until
   * {@link apply} takes it with the list; a reading for it is kept until then.
   */
  incoming(info: SensorInfo): RemoteSensor | undefined {
    return this.#listing.incoming(info);
  }

  /** The list is in (or failed): forget the sensors {@link incoming} announced that {@link apply} did not take. */
  clearIncoming(): void {
    this.#listing.clearIncoming();
  }

  /**
   * A new or possibly changed sensor description, applied by lister `by`. Returns the sensor now
   * known under its name. A lister of a full list passes `early`, what {@link incoming} returned
   * for `info` (null for nothing), which saves a lookup per sensor.
   */
  apply(info: SensorInfo, by?: object, early?: RemoteSensor | null): RemoteSensor {
    return this.#listing.apply(info, by, early);
  }

  /** The sensor is gone from the device (lister `by` says so). */
  remove(s: RemoteSensor, by?: object): void {
    this.#listing.remove(s, by);
  }

  // ------------------------------------------------------------ readings (see sensor-delivery.ts)

  /** @internal a reading of a sensor not listed: kept for {@link apply} if announced early, else held */
  unlistedReading(name: string, r: RawReading): void {
    this.#listing.unlistedReading(name, r);
  }

  /** @internal a reading of a sensor believed unsubscribed (not called while holding is on) */
  subscribedAfterAll(s: RemoteSensor): void {
    // Updates mean it is subscribed after all (with some strategy): set what we want. A sensor
    // already waiting for its strategy (typically the first reading of a subscription whose
    // reply is still to come) needs nothing more. Not with an inspecting client: there, the
    // strategies of the sensors nobody claims are the user's (raw ?sensor-sampling requests).
    s.current = undefined;
    if (!this.#needSampling.has(s)) this.#reconsider(s);
  }

  /** @internal a held reading of a sensor now listed */
  deliverHeld(name: string, r: RawReading): void {
    this.#delivery.deliverHeld(name, r);
  }
}
