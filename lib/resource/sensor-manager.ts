/**
 * The strategy cache and wire operations behind a resource's sensors: `?sensor-sampling`
 * (set and re-apply, serialised per sensor) and `?sensor-value` (poll).
 * @module
 */
import type { Message } from '../codec/message.js';
import { ConnectionClosedError, FailReply, InvalidReply, KatcpError, NotConnectedError } from '../errors.js';
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
  /** A cached strategy the device refused on re-application (it has been dropped from the cache). */
  strategyRejected(sensor: ResourceSensor, strategy: SamplingStrategy, err: Error): void;
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

/** Strategy cache and sensor requests of one resource. */
export class SensorManager implements SensorHost {
  readonly clock: Clock;
  readonly #requester: ResourceRequester;
  readonly #owner: SensorManagerOwner;
  readonly #strategies = new Map<ResourceSensor, SamplingStrategy>();
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

  /** Sensors with a cached strategy other than `none`. */
  sensorsWithStrategy(): ResourceSensor[] {
    return [...this.#strategies.keys()];
  }

  strategyOf(sensor: ResourceSensor): SamplingStrategy {
    return this.#strategies.get(sensor) ?? NO_STRATEGY;
  }

  /** Cache a strategy without sending it (`none` clears the cache entry). */
  cache(sensor: ResourceSensor, strategy: SamplingStrategy): void {
    if (strategy.strategy === 'none') this.#strategies.delete(sensor);
    else this.#strategies.set(sensor, strategy);
  }

  dropStrategy(sensor: ResourceSensor): void {
    this.#strategies.delete(sensor);
  }

  warn(err: Error): void {
    this.#owner.warn(err);
  }

  async setStrategy(sensor: ResourceSensor, input: StrategyInput, params: string | number | readonly (string | number)[] | undefined, opts: CallOptions): Promise<boolean> {
    const strategy = normalizeStrategy(input, clientSensorType(sensor.type), params);
    if (!sensor.present || this.#requester.client?.isConnected !== true) {
      this.cache(sensor, strategy);
      return false;
    }
    return this.#enqueue(sensor, async () => {
      try {
        await this.#send(sensor, strategy, opts);
      } catch (err) {
        // Never reached the device: keep it for the next connection. Refused: not cached.
        if (isConnectionError(err)) {
          this.cache(sensor, strategy);
          return false;
        }
        throw err;
      }
      this.cache(sensor, strategy);
      return true;
    });
  }

  /**
   * Send the cached strategy of each of `sensors` once (after a reconnect, or for sensors a
   * resync added). A strategy the device refuses is dropped from the cache and reported.
   */
  async reapply(sensors: Iterable<ResourceSensor>): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const sensor of sensors) {
      if (!this.#strategies.has(sensor) || !sensor.present) continue;
      jobs.push(
        this.#enqueue(sensor, async () => {
          // The cache is read when the request's turn comes, so a newer set wins.
          const strategy = this.#strategies.get(sensor);
          if (strategy === undefined || !sensor.present) return;
          try {
            await this.#send(sensor, strategy, {});
          } catch (err) {
            if (isConnectionError(err)) return;
            if (err instanceof FailReply || err instanceof InvalidReply || (err instanceof KatcpError && err.code === 'KATCP_ERR_INVALID_STRATEGY')) {
              if (this.#strategies.get(sensor) === strategy) this.#strategies.delete(sensor);
              this.#owner.strategyRejected(sensor, strategy, err);
              return;
            }
            this.#owner.warn(new KatcpError(`re-applying the strategy of ${sensor.name} failed: ${(err as Error).message}`, 'KATCP_ERR_STRATEGY', { cause: err }));
          }
        }),
      );
    }
    await Promise.all(jobs);
  }

  async poll(sensor: ResourceSensor, opts: CallOptions): Promise<void> {
    const { reply, informs } = await this.#requester.raw('sensor-value', [sensor.name, opts]);
    if (!reply.isReplyOk) throw replyError(reply, `?sensor-value ${sensor.name}`);
    for (const msg of informs) this.#owner.applyInform(msg);
  }

  async #send(sensor: ResourceSensor, strategy: SamplingStrategy, opts: CallOptions): Promise<void> {
    const args = strategyWireArgs(strategy, clientSensorType(sensor.type), this.#requester.client?.protocolFlags?.major);
    const { reply } = await this.#requester.raw('sensor-sampling', [sensor.name, ...args, opts]);
    if (!reply.isReplyOk) throw replyError(reply, `?sensor-sampling ${sensor.name} ${args.join(' ')}`);
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
