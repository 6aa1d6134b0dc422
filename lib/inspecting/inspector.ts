/**
 * One inspection pass on the wire: `?help` and `?sensor-list`, whole or for named items, under
 * one shared time budget. Timeout hints come from the client's table (fetched once per
 * connection); only a named lookup asks `?request-timeout-hint <name>` (flag `T`).
 * @module
 */
import type { Message } from '../codec/message.js';
import { FailReply, KatcpAbortError, SyncError } from '../errors.js';
import type { RequestOptions } from '../client/options.js';
import type { Clock } from '../util/clock.js';
import type { RequestInfo, SensorInfo } from './model.js';
import { parseSensorListInforms, sensorListInfo } from '../client/sensor-informs.js';
import { buildRequestInfos, timeoutHintTable } from './parse.js';

/** What the inspector needs from the client: raw requests with per-call options, and its timeout-hint table. */
export interface RawRequester {
  requestRaw(name: string, ...args: unknown[]): Promise<{ reply: Message; informs: Message[] }>;
  /** The hints (seconds) the client fetched when it connected. */
  readonly timeoutHints: ReadonlyMap<string, number>;
}

/** Settings of one {@link Inspector} pass. */
export interface InspectorOptions {
  /** Clock giving the monotonic time for the budget. */
  clock: Clock;
  /** Total time budget of the pass, milliseconds. */
  budget: number;
  /** Ask `?request-timeout-hint` (the device advertised flag `T`). */
  timeoutHints: boolean;
  /** Aborts the pass (the client is closing); requests then fail with `KatcpAbortError`. */
  signal: AbortSignal;
  /** Receives malformed informs and other non-fatal problems. */
  warn: (err: Error) => void;
}

/**
 * A reply that means "no such item" to a named lookup: `fail` with a reason mentioning
 * `unknown`, `not found` or `no such` (katcp-python and aiokatcp say `Unknown sensor ...` /
 * `Unknown request ...`; katcp-python only accepts those exact words).
 */
export function isUnknownItemReply(reply: Message): boolean {
  return reply.mtype === '!' && reply.arg(0) === 'fail' && /unknown|not found|no such/i.test(reply.arg(1));
}

/** Runs the requests of one inspection pass; every failure becomes a {@link SyncError}. */
export class Inspector {
  readonly #client: RawRequester;
  readonly #opts: InspectorOptions;
  readonly #deadline: number;

  constructor(client: RawRequester, opts: InspectorOptions) {
    this.#client = client;
    this.#opts = opts;
    this.#deadline = opts.clock.monotonic() + opts.budget;
  }

  /** Every request the device offers (`?help`; the hints are the client's). */
  async listRequests(): Promise<RequestInfo[]> {
    const help = await this.#call('help', [], false);
    return buildRequestInfos(help ?? [], this.#client.timeoutHints, this.#opts.warn);
  }

  /** The named requests the device knows (unknown names are simply absent). */
  async lookupRequests(names: readonly string[]): Promise<RequestInfo[]> {
    const results = await Promise.all(
      names.map(async (name) => {
        const help = await this.#call('help', [name], true);
        // katcp-python asks for the hint even when ?help said the request is unknown, and then
        // fails the lookup with a SyncError; an unknown request simply has no hint to ask for.
        if (help === undefined) return [];
        // A named request may be new or changed since the client fetched its table.
        const hints = this.#opts.timeoutHints ? timeoutHintTable(await this.#hints([name]), this.#opts.warn) : this.#client.timeoutHints;
        return buildRequestInfos(help, hints, this.#opts.warn);
      }),
    );
    return results.flat();
  }

  /** Every sensor the device offers (`?sensor-list`). */
  async listSensors(): Promise<SensorInfo[]> {
    const infos: SensorInfo[] = [];
    const warn = this.#opts.warn;
    // Parsed as they arrive, while each is the parser's latest line: a message read after the
    // parser has moved on is scanned again.
    await this.#call('sensor-list', [], false, (msg) => {
      const info = sensorListInfo(msg, warn);
      if (info !== undefined) infos.push(info);
    });
    return infos;
  }

  /** The named sensors the device knows (unknown names are simply absent). */
  async lookupSensors(names: readonly string[]): Promise<SensorInfo[]> {
    const results = await Promise.all(names.map(async (name) => parseSensorListInforms((await this.#call('sensor-list', [name], true)) ?? [], this.#opts.warn)));
    return results.flat();
  }

  /** Timeout hints are advisory: a device that fails to give them is reported, not a sync failure. */
  async #hints(args: string[]): Promise<Message[]> {
    try {
      return (await this.#call('request-timeout-hint', args, false)) ?? [];
    } catch (err) {
      if (err instanceof KatcpAbortError) throw err;
      if ((err as SyncError).cause instanceof FailReply) {
        this.#opts.warn(err as Error);
        return [];
      }
      throw err;
    }
  }

  /** Send one request; undefined means "no such item" for a named lookup. */
  async #call(name: string, args: string[], named: boolean, onInform?: (msg: Message) => void): Promise<Message[] | undefined> {
    const what = `?${[name, ...args].join(' ')}`;
    const remaining = this.#deadline - this.#opts.clock.monotonic();
    if (remaining <= 0) throw new SyncError(`sync timed out after ${this.#opts.budget} ms before ${what}`);
    let result: { reply: Message; informs: Message[] };
    try {
      const opts: RequestOptions = { timeout: remaining, signal: this.#opts.signal, onInform };
      result = await this.#client.requestRaw(name, ...args, opts);
    } catch (err) {
      if (err instanceof KatcpAbortError && this.#opts.signal.aborted) throw err;
      throw new SyncError(`${what} failed during inspection: ${(err as Error).message}`, { cause: err });
    }
    const { reply, informs } = result;
    if (reply.isReplyOk) return informs;
    if (named && isUnknownItemReply(reply)) return undefined;
    throw new SyncError(`${what} failed during inspection: ${reply.toString()}`, {
      cause: new FailReply(reply.arg(1), { requestName: name, reply }),
    });
  }
}
