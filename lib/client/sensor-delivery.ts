/**
 * How readings reach their consumers, the delivery half of the sensor model (sensor-model.ts):
 * the one `#sensor-status` handler ({@link SensorDelivery.applyInform}) parses with
 * sensor-informs.ts and hands each reading of a listed sensor to its views (raw, all views in one
 * batch per inform) and to the targets attached to its name (decoded once). It owns the view
 * list, the batch state and the codec context of the connection. The model owns the sensors and
 * is called back only off the common path: a reading of a sensor not listed, or not known to be
 * subscribed.
 * @module
 */
import type { Message } from '../codec/message.js';
import type { CodecContext } from '../codec/types.js';
import { KatcpError } from '../errors.js';
import type { SensorStatus } from '../sensor/index.js';
import { makeReading } from '../sensor/status.js';
import type { Client } from './client.js';
import { earlyReading, NONE } from './sensor-entry.js';
import type { NamedSlot, RemoteSensor, SensorView } from './sensor-entry.js';
import type { SensorHolding } from './sensor-holding.js';
import { decodeSensorValueAt, forEachSensorReading, RawReading } from './sensor-informs.js';
import type { SensorInfo } from './sensor-informs.js';

/**
 * What the delivery needs of the sensor model: its parts (read once, when the delivery is made)
 * and the up-calls for the uncommon readings.
 */
export interface DeliveryModel {
  /** The client (its logger, its inform handlers; its codec context, read once per connection). */
  readonly client: Pick<Client, 'logger' | 'codecContext' | 'addInformHandler'>;
  /** The listed sensors (the model is their one writer). */
  readonly sensors: ReadonlyMap<string, RemoteSensor>;
  /** Readings of sensors not listed yet. */
  readonly holding: SensorHolding;
  /** A reading of a sensor that is not in {@link sensors}. */
  unlistedReading(name: string, r: RawReading): void;
  /** A reading of a sensor believed unsubscribed: it is subscribed after all (somehow). */
  subscribedAfterAll(s: RemoteSensor): void;
}

/** See the module documentation. */
export class SensorDelivery {
  readonly #model: DeliveryModel;
  readonly #client: DeliveryModel['client'];
  readonly #sensors: ReadonlyMap<string, RemoteSensor>;
  readonly #holding: SensorHolding;
  #views: readonly SensorView[] = [];
  #inBatch = false;
  #ctx: CodecContext | undefined;
  #holdingOn = false;
  #offStatus: (() => void) | undefined;
  // The first readings of a bulk subscription come in the order of its names: the sensors of the
  // requests in flight, oldest first (#expected from #head on), and the next one's position in
  // the oldest (#at). A reading of that sensor is found without a lookup by name.
  #expected: (readonly RemoteSensor[])[] = [];
  #head = 0;
  #at = 0;

  /** @param model the sensor model it delivers for */
  constructor(model: DeliveryModel) {
    this.#model = model;
    this.#client = model.client;
    this.#sensors = model.sensors;
    this.#holding = model.holding;
  }

  /** The codec context of this connection (read once per connection). */
  get codecContext(): CodecContext {
    return (this.#ctx ??= this.#client.codecContext);
  }

  /** A new connection, or none: the codec context is read again. */
  newConnection(): void {
    this.#ctx = undefined;
    this.#expected = [];
    this.#head = this.#at = 0;
  }

  /** A bulk subscription of `sensors` was sent (their first readings should come in this order). */
  expectReadings(sensors: readonly RemoteSensor[]): void {
    this.#expected.push(sensors);
  }

  /** The reply to that subscription came: what is left of it is not coming. */
  readingsIn(sensors: readonly RemoteSensor[]): void {
    const expected = this.#expected;
    const i = expected.indexOf(sensors, this.#head);
    if (i < 0) return;
    if (i > this.#head) expected.splice(i, 1);
    else {
      this.#head++;
      this.#at = 0;
    }
    if (this.#head === expected.length) {
      this.#expected = [];
      this.#head = 0;
    }
  }

  /**
   * The expected sensor named by argument `i` of `msg` (tried: the next one, and the one after
   * it), if any; the bytes are compared, not decoded.
   */
  #expectedNamed(msg: Message, i: number): RemoteSensor | undefined {
    const expected = this.#expected;
    while (this.#head < expected.length) {
      const sensors = expected[this.#head]!;
      const at = this.#at;
      if (at >= sensors.length) {
        this.#head++;
        this.#at = 0;
        continue;
      }
      let s = sensors[at]!;
      if (msg.argIs(i, s.info.name)) this.#at = at + 1;
      else if (at + 1 < sensors.length && msg.argIs(i, (s = sensors[at + 1]!).info.name)) this.#at = at + 2;
      else return undefined;
      return s;
    }
    return undefined;
  }

  /** The attached filter views, oldest first (replaced, not modified, when one comes or goes). */
  get views(): readonly SensorView[] {
    return this.#views;
  }

  /** Add a view; false if it was there already. */
  addView(v: SensorView): boolean {
    if (this.#views.includes(v)) return false;
    this.#views = [...this.#views, v];
    return true;
  }

  /** Remove a view; false if it was not there. */
  removeView(v: SensorView): boolean {
    if (!this.#views.includes(v)) return false;
    this.#views = this.#views.filter((x) => x !== v);
    return true;
  }

  /** Register {@link applyInform} as the client's `#sensor-status` handler (`on`), or drop it. */
  listen(on: boolean): void {
    if (on && this.#offStatus === undefined) this.#offStatus = this.#client.addInformHandler('sensor-status', this.applyInform);
    else if (!on && this.#offStatus !== undefined) {
      this.#offStatus();
      this.#offStatus = undefined;
    }
  }

  /** The holding switched on or off. */
  holdingChanged(): void {
    this.#holdingOn = this.#holding.active;
  }

  /** Run `body` as one batch for `views` (nested batches join the outer one). */
  batch(views: readonly SensorView[], body: () => void): void {
    if (this.#inBatch) {
      body();
      return;
    }
    this.#inBatch = true;
    for (const v of views) this.safe(v.batchStart);
    try {
      body();
    } finally {
      for (const v of views) this.safe(v.batchStop);
      this.#inBatch = false;
    }
  }

  /** Call a view callback; a throw is logged. */
  safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#client.logger.error('a sensor view callback threw', err);
    }
  }

  /**
   * Apply every reading of a `#sensor-status` inform, or of the `#sensor-value` informs of a
   * `?sensor-value` reply (bound: it is the client's inform handler).
   */
  readonly applyInform = (msg: Message): void => {
    // batch() inlined: this runs for every update the device sends.
    const views = this.#views;
    const nested = this.#inBatch;
    if (!nested) {
      this.#inBatch = true;
      for (let i = 0; i < views.length; i++) {
        try {
          views[i]!.batchStart();
        } catch (err) {
          this.#client.logger.error('a sensor watcher callback threw', err);
        }
      }
    }
    try {
      forEachSensorReading(msg, this.codecContext, this.#onReading, this.#onBadReading);
    } catch (err) {
      this.#onBadReading(err as Error);
    } finally {
      if (!nested) {
        for (let i = 0; i < views.length; i++) {
          try {
            views[i]!.batchStop();
          } catch (err) {
            this.#client.logger.error('a sensor watcher callback threw', err);
          }
        }
        this.#inBatch = false;
      }
    }
  };

  readonly #onReading = (msg: Message, at: number, status: SensorStatus, timestamp: number): void => {
    // One reading object, whatever becomes of it: its value is decoded from msg by each consumer.
    const reading = new RawReading(timestamp, status, msg, at + 2);
    let s = this.#head < this.#expected.length ? this.#expectedNamed(msg, at) : undefined;
    if (s !== undefined && !s.inModel) {
      if (s.incoming) {
        earlyReading(s, reading);
        return;
      }
      s = undefined;
    }
    if (s === undefined) {
      const name = msg.arg(at);
      s = this.#sensors.get(name);
      if (s === undefined) {
        this.#model.unlistedReading(name, reading);
        return;
      }
    }
    if (s.current === NONE && !this.#holdingOn) this.#model.subscribedAfterAll(s);
    s.reading = reading;
    this.deliver(s, reading);
  };

  readonly #onBadReading = (err: Error): void => {
    if (!this.#holding.warn(err)) this.#client.logger.warn(err.message);
  };

  /** A held reading of a sensor now listed. */
  deliverHeld(name: string, r: RawReading): void {
    const s = this.#sensors.get(name);
    if (s === undefined) return;
    s.reading = r;
    this.deliver(s, r);
  }

  /** Hand reading `r` of the listed sensor `s` to its views and targets. */
  deliver(s: RemoteSensor, r: RawReading): void {
    const name = s.info.name;
    const watchers = s.watchers;
    for (let i = 0; i < watchers.length; i++) {
      try {
        watchers[i]!.sensorUpdated(s, r);
      } catch (err) {
        this.#client.logger.error(`a sensor watcher failed to handle an update of ${name}`, err);
      }
    }
    let targets = s.named?.targets;
    // A target made on its first reading (an inspecting client's sensor object); attaching it
    // links its slot to `s` (the model keeps `named` in step for every listed sensor).
    if ((targets === undefined || targets.length === 0) && this.#holdingOn && this.#holding.makeTarget(name)) targets = s.named?.targets;
    if (targets !== undefined && targets.length > 0) this.#deliverDecoded(s.info, targets, r);
  }

  /** Decode once, then hand the reading to every target of the sensor. */
  #deliverDecoded(info: SensorInfo, targets: NamedSlot['targets'], r: RawReading): void {
    const name = info.name;
    let reading;
    try {
      reading = makeReading(r.timestamp, r.status, decodeSensorValueAt(info, r.message, r.index, this.codecContext));
    } catch (err) {
      for (const t of targets) t.owner.warn(updateError(`sensor ${name}: update dropped: ${(err as Error).message}`, err));
      return;
    }
    for (let i = 0; i < targets.length; i++) {
      const { target, owner } = targets[i]!;
      try {
        target.setReading(reading);
      } catch (err) {
        owner.warn(updateError(`sensor ${name}: the sensor object refused the update: ${(err as Error).message}`, err));
      }
      const events = owner.events;
      if (events.listenerCount('sensorUpdate') === 0) continue;
      try {
        events.emit('sensorUpdate', name, reading);
      } catch (err) {
        owner.warn(new KatcpError(`a sensorUpdate listener threw: ${(err as Error).message}`, 'KATCP_ERR_LISTENER', { cause: err }));
      }
    }
  }
}

function updateError(message: string, cause: unknown): KatcpError {
  return new KatcpError(message, 'KATCP_ERR_SENSOR_UPDATE', { cause });
}
