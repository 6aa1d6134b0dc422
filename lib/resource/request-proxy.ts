/**
 * `resource.req.<name>`: a callable request proxy carrying the request's description.
 * @module
 */
import type { RequestInfo } from '../inspecting/model.js';
import type { KatcpReply } from './reply.js';

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
