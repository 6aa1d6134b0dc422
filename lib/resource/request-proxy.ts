/**
 * The request side of a resource: `resource.req.<name>`, a callable request proxy carrying the
 * request's description, and the {@link ResourceRequester} that sends it to the client.
 * @module
 */
import type { Client } from '../client/client.js';
import { Message } from '../codec/message.js';
import { KatcpError, NotConnectedError } from '../errors.js';
import type { ConnectionClosedError } from '../errors.js';
import type { RequestInfo } from '../inspecting/model.js';
import { isCallOptions } from '../util/abort.js';
import type { CallOptions } from '../util/abort.js';
import { CALL_OPTION_KEYS, checkOptions } from '../util/options.js';
import { escapeName } from './namespace.js';
import { KatcpReply } from './reply.js';

const NO_OPTIONS: CallOptions = Object.freeze({});

/**
 * A device request as a function: `await resource.req.pick_fruit()`; the last argument may be
 * `{timeout, signal}` (milliseconds; the default timeout is the request's timeout hint plus one
 * second, else the client's request timeout). Arguments are encoded by type (strings as UTF-8, booleans as
 * `1`/`0`, integers, floats as Python reprs, bigints, Buffers, Addresses).
 */
export interface RequestProxy {
  (...args: unknown[]): Promise<KatcpReply>;
  /** The KATCP request name, e.g. `pick-fruit` (the function's `name`). */
  readonly name: string;
  /** The escaped name it is reachable under, e.g. `pick_fruit`. */
  readonly identifier: string;
  /** The description from `?help`. */
  readonly description: string;
  /** The timeout hint in **seconds** from `?request-timeout-hint`, undefined when none. */
  readonly timeoutHint: number | undefined;
  /** The full request description. */
  readonly info: RequestInfo;
}

/** What sends a proxy's request (the resource). */
export interface RequestIssuer {
  /** Send request `info` with `args` (the last may be `{timeout, signal}`). */
  issue(info: RequestInfo, args: unknown[]): Promise<KatcpReply>;
}

/** Build a {@link RequestProxy} that calls `issuer.issue(info, args)`. */
export function createRequestProxy(info: RequestInfo, identifier: string, issuer: RequestIssuer): RequestProxy {
  const call = (...args: unknown[]): Promise<KatcpReply> => issuer.issue(info, args);
  const ro = (value: unknown): PropertyDescriptor => ({ value, enumerable: true, configurable: false, writable: false });
  Object.defineProperties(call, {
    name: { value: info.name, configurable: true },
    identifier: ro(identifier),
    description: ro(info.description),
    timeoutHint: ro(info.timeoutHint),
    info: ro(info),
    toString: { value: () => `?${info.name}: ${info.description}`, configurable: true },
  });
  return call as RequestProxy;
}

/**
 * Sends a resource's requests straight to its client: the active switch, the closed state after
 * `stop()`, option checks and the wrapping of replies. The single writer of those two fields.
 */
export class ResourceRequester implements RequestIssuer {
  readonly #resource: string;
  #client: Client | undefined;
  #closedError: ConnectionClosedError | undefined;
  #active = true;

  /** @param resource the resource's name, for messages */
  constructor(resource: string) {
    this.#resource = resource;
  }

  /** The client of the current start(), undefined before. */
  get client(): Client | undefined {
    return this.#client;
  }

  /** The error every new request and wait fails with after stop(), undefined while started. */
  get closedError(): ConnectionClosedError | undefined {
    return this.#closedError;
  }

  /** False after `setActive(false)`: requests are then refused. */
  get active(): boolean {
    return this.#active;
  }

  /** Allow or refuse requests. */
  setActive(active: boolean): void {
    this.#active = active;
  }

  /** A start() begins: the closed state ends. */
  reopen(): void {
    this.#closedError = undefined;
  }

  /** Requests go to `client` (the client of the current start()) from now on. */
  attach(client: Client | undefined): void {
    this.#client = client;
  }

  /** A stop(): new requests fail with `err` until the next {@link reopen}. */
  stopped(err: ConnectionClosedError): void {
    this.#closedError = err;
  }

  /**
   * `req.<name>(...args, {timeout, signal})`: any reply of the device resolves (see `succeeded`);
   * a local failure rejects (see the error model in the README). The default timeout is the
   * client's: the timeout hint plus its `timeoutHintMargin`, else its `requestTimeout`.
   */
  async issue(info: RequestInfo, args: unknown[]): Promise<KatcpReply> {
    if (!this.#active) throw this.#inactive();
    // The options are split and checked here, under the resource's name, and only here.
    let opts: CallOptions = NO_OPTIONS;
    const last = args.at(-1);
    if (last !== undefined && isCallOptions(last)) {
      checkOptions(last, CALL_OPTION_KEYS, `${this.#resource}.req.${escapeName(info.name)}`);
      opts = last;
      args = args.slice(0, -1);
    }
    const { reply, informs } = await this.#started().requestRawWith(info.name, args, opts);
    return new KatcpReply(reply, informs);
  }

  /** Send a request straight to the client (the trailing options, if any, are the client's to read). */
  async raw(name: string, args: unknown[]): Promise<{ reply: Message; informs: Message[] }> {
    return this.#started().requestRaw(name, ...args);
  }

  /** The client to send to. @throws the closed error after stop(), NotConnectedError before start() */
  #started(): Client {
    if (this.#closedError !== undefined) throw this.#closedError;
    const client = this.#client;
    if (client === undefined) throw new NotConnectedError(`resource ${this.#resource} not started`);
    return client;
  }

  /** katcp-python's `KATCPDummyRequest`: succeeds at once with `!fake ok`, sending nothing. */
  dummy(key: string): RequestProxy {
    const info: RequestInfo = { name: key, description: `Dummy request: ${this.#resource} does not offer ${key}.`, timeoutHint: undefined };
    return createRequestProxy(info, key, {
      issue: () => (this.#active ? Promise.resolve(new KatcpReply(Message.reply('fake', 'ok'))) : Promise.reject(this.#inactive())),
    });
  }

  #inactive(): KatcpError {
    return new KatcpError(`resource ${this.#resource} is inactive`, 'KATCP_ERR_RESOURCE_INACTIVE');
  }
}
