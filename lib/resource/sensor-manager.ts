/**
 * The wire operations behind a resource's sensors: `?sensor-value` (poll) and the send-now path
 * of `setStrategy` (serialised per sensor). The strategies themselves are claims on the client's
 * sensor model (`client.sensorModel`), the one place that keeps them: its sampling engine
 * re-applies them after a reconnect or resync, in bulk where the device offers `B`, and reports
 * one the device refuses (the claim is then withdrawn).
 * @module
 */
import type { Message } from '../codec/message.js';
import { ConnectionClosedError, FailReply, InvalidReply, NotConnectedError } from '../errors.js';
import type { ClaimOwner } from '../client/sensor-entry.js';
import type { SensorModel } from '../client/sensor-model.js';
import { clientSensorType } from '../client/sensor-informs.js';
import type { SamplingStrategy } from '../sensor/strategy.js';
import type { CallOptions } from '../util/abort.js';
import type { Clock } from '../util/clock.js';
import type { ResourceSensor, SensorHost } from './resource-sensor.js';
import type { ResourceRequester } from './request-proxy.js';
import { NO_STRATEGY, normalizeStrategy, strategyWireArgs } from './strategy.js';
import type { StrategyInput } from './strategy.js';

/** The manager's up-calls to its resource. */
export interface SensorManagerOwner {
  /** Apply a `#sensor-value` inform to the sensors. */
  applyInform(msg: Message): void;
  /** A claimed strategy the device refused on re-application (the claim has been withdrawn). */
  strategyRejected(name: string, strategy: SamplingStrategy, err: Error): void;
  /** Something went wrong that the user should hear about. */
  warn(err: Error): void;
}

function replyError(reply: Message, what: string): Error {
  const details = { requestName: reply.name, reply };
  const reason = reply.arg(1);
  return reply.arg(0) === 'fail' ? new FailReply(`${what}: ${reason}`, details) : new InvalidReply(`${what}: ${reason || reply.toString()}`, details);
}

/** True for errors that mean "the device did not get the request", not "the device said no". */
function isConnectionError(err: unknown): boolean {
  return err instanceof NotConnectedError || err instanceof ConnectionClosedError;
}

/** Strategy claims and sensor requests of one resource. */
export class SensorManager implements SensorHost, ClaimOwner {
  readonly clock: Clock;
  readonly #requester: ResourceRequester;
  readonly #owner: SensorManagerOwner;
  /** Claims made before the resource ever had a client, handed to the first client's model. */
  readonly #early = new Map<string, SamplingStrategy>();
  /** Strategy requests of a sensor run one after the other, so the device ends with the last one. */
  readonly #chains = new Map<ResourceSensor, Promise<unknown>>();

  /**
   * @param clock the resource's clock
   * @param requester sends the resource's requests (and knows its client)
   * @param owner the resource (informs, refused strategies, warnings)
   */
  constructor(clock: Clock, requester: ResourceRequester, owner: SensorManagerOwner) {
    this.clock = clock;
    this.#requester = requester;
    this.#owner = owner;
  }

  /** The sensor model of the current client (undefined before the first start). */
  get #model(): SensorModel | undefined {
    return this.#requester.client?.sensorModel;
  }

  /** Carry the claims over from the model of the previous client (the resource was restarted). */
  adopt(previous: SensorModel | undefined): void {
    const model = this.#model;
    if (model === undefined || previous === model) return;
    for (const [name, strategy] of previous?.claimsBy(this) ?? this.#early) model.claim(name, this, strategy);
    this.#early.clear();
  }

  strategyOf(sensor: ResourceSensor): SamplingStrategy {
    const model = this.#model;
    return (model === undefined ? this.#early.get(sensor.name) : model.claimOf(sensor.name, this)) ?? NO_STRATEGY;
  }

  /** Claim a strategy without sending it now (`none` withdraws the claim). */
  cache(sensor: ResourceSensor, strategy: SamplingStrategy): void {
    const model = this.#model;
    if (model !== undefined) model.claim(sensor.name, this, strategy);
    else if (strategy.strategy === 'none') this.#early.delete(sensor.name);
    else this.#early.set(sensor.name, strategy);
  }

  /** Withdraw the claim; nothing is sent to the device. */
  dropStrategy(sensor: ResourceSensor): void {
    this.#early.delete(sensor.name);
    this.#model?.claim(sensor.name, this, NO_STRATEGY, true);
  }

  /** See {@link ClaimOwner.strategyRejected}. */
  strategyRejected(name: string, strategy: SamplingStrategy, error: Error): void {
    this.#owner.strategyRejected(name, strategy, error);
  }

  warn(err: Error): void {
    this.#owner.warn(err);
  }

  async setStrategy(sensor: ResourceSensor, input: StrategyInput, params: string | number | readonly (string | number)[] | undefined, opts: CallOptions): Promise<boolean> {
    const strategy = normalizeStrategy(input, clientSensorType(sensor.type), params);
    const model = this.#model;
    if (model === undefined || !sensor.present || this.#requester.client?.isConnected !== true) {
      this.cache(sensor, strategy);
      return false;
    }
    return this.#enqueue(sensor, async () => {
      const before = model.claimOf(sensor.name, this) ?? NO_STRATEGY;
      // Claimed first, so the engine never sends an older one; it leaves the sensor to us meanwhile.
      model.beginSend(sensor.name);
      try {
        model.claim(sensor.name, this, strategy);
        let key: string;
        try {
          key = await this.#send(sensor, strategy, opts);
        } catch (err) {
          // Never reached the device: kept for the next connection. Refused: the claim is not changed.
          if (isConnectionError(err)) return false;
          model.claim(sensor.name, this, before, true);
          throw err;
        }
        model.applied(sensor.name, key);
        return true;
      } finally {
        model.endSend(sensor.name);
      }
    });
  }

  async poll(sensor: ResourceSensor, opts: CallOptions): Promise<void> {
    const { reply, informs } = await this.#requester.raw('sensor-value', [sensor.name, opts]);
    if (!reply.isReplyOk) throw replyError(reply, `?sensor-value ${sensor.name}`);
    for (const msg of informs) this.#owner.applyInform(msg);
  }

  /** Send `strategy` now; resolves with its key (the arguments joined by spaces). */
  async #send(sensor: ResourceSensor, strategy: SamplingStrategy, opts: CallOptions): Promise<string> {
    const args = strategyWireArgs(strategy, clientSensorType(sensor.type), this.#requester.client?.protocolFlags?.major);
    const { reply } = await this.#requester.raw('sensor-sampling', [sensor.name, ...args, opts]);
    if (!reply.isReplyOk) throw replyError(reply, `?sensor-sampling ${sensor.name} ${args.join(' ')}`);
    return args.join(' ');
  }

  #enqueue<T>(sensor: ResourceSensor, job: () => Promise<T>): Promise<T> {
    const prev = this.#chains.get(sensor) ?? Promise.resolve();
    const run = prev.then(job, job);
    const tail = run.catch(() => undefined);
    this.#chains.set(sensor, tail);
    void tail.then(() => {
      if (this.#chains.get(sensor) === tail) this.#chains.delete(sensor);
    });
    return run;
  }
}
