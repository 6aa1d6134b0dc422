/**
 * Request declarations: a request's name, help text, typed parameters, return types and handler.
 * The parameter list drives both the decoding of incoming arguments and the handler's TypeScript
 * signature:
 *
 * ```ts
 * const add = defineRequest({
 *   name: 'add',
 *   description: 'Add two numbers.',
 *   params: [{ type: 'float', name: 'x' }, { type: 'float', name: 'y' }],
 *   returns: ['float'],
 *   handler: (_ctx, x, y) => x + y,          // x, y: number
 * });
 * ```
 * @module
 */
import type { Address } from '../codec/address.js';
import type { IntegerValue, TypeCodec } from '../codec/types.js';
import type { CodecContext } from '../codec/type-codec.js';
import { discreteType, encodeArgument, getType } from '../codec/types.js';
import type { LogLevel } from '../codec/log-level.js';
import type { Message } from '../codec/message.js';
import { FailReply, KatcpError, KatcpTypeError } from '../errors.js';
import type { RequestContext } from './context.js';

/** The JS value each built-in parameter type decodes to. */
export interface ParamTypes {
  integer: IntegerValue;
  float: number;
  boolean: boolean;
  string: string;
  bytes: Buffer;
  discrete: string;
  lru: 'nominal' | 'error';
  timestamp: number;
  'timestamp-or-now': number | 'now';
  address: Address;
  'log-level': LogLevel;
  'device-status': 'ok' | 'degraded' | 'fail';
  'sensor-status': 'unknown' | 'nominal' | 'warn' | 'error' | 'failure' | 'unreachable' | 'inactive';
}

/** One declared request parameter. */
export interface ParamSpec {
  /** A registered type name (`integer`, `float`, `boolean`, `string`, `bytes`, `discrete`, `address`...). */
  readonly type: string;
  /** Name used in error messages (`missing a required argument: 'x'`). */
  readonly name: string;
  /** Free text for documentation. */
  readonly description?: string;
  /** Allowed values of a `discrete` parameter (without them any token is accepted). */
  readonly values?: readonly string[];
  /** The argument may be left out (the handler then gets `undefined`, or `default`). */
  readonly optional?: boolean;
  /** Value used when the argument is left out (implies optional). */
  readonly default?: unknown;
  /** Variadic: absorbs every remaining argument (last parameter only). */
  readonly rest?: boolean;
}

/** The decoded value type of one parameter. */
export type ParamValue<P extends ParamSpec> = P extends { readonly values: readonly (infer V extends string)[] }
  ? V
  : P['type'] extends keyof ParamTypes
    ? ParamTypes[P['type']]
    : unknown;

type ArgOf<P> = P extends ParamSpec
  ? P extends { readonly default: unknown }
    ? ParamValue<P>
    : P extends { readonly optional: true }
      ? ParamValue<P> | undefined
      : ParamValue<P>
  : never;

type MapArgs<Ps extends readonly unknown[]> = { -readonly [K in keyof Ps]: ArgOf<Ps[K]> };

/** The handler's argument list (after the context) for a parameter list. */
export type HandlerArgs<Ps extends readonly ParamSpec[]> = Ps extends readonly [
  ...infer Init extends readonly ParamSpec[],
  infer Last extends ParamSpec,
]
  ? Last extends { readonly rest: true }
    ? [...MapArgs<Init>, ...ParamValue<Last>[]]
    : MapArgs<Ps>
  : Ps extends readonly []
    ? []
    : unknown[];

type TypeValue<T> = T extends keyof ParamTypes ? ParamTypes[T] : unknown;
type MapTypes<R extends readonly unknown[]> = { -readonly [K in keyof R]: TypeValue<R[K]> };

/**
 * What a handler may return. With `returns` declared: a single value (one return type), an
 * array of values in the declared order, or nothing (after replying itself, or after
 * `ctx.replyLater()`). Without: any encodable value, an array of them (one argument each) or
 * nothing.
 */
export type HandlerResult<R extends readonly string[] | undefined> = R extends readonly [infer One]
  ? TypeValue<One> | readonly [TypeValue<One>] | void
  : R extends readonly string[]
    ? // An array literal is not contextually typed as a tuple while R is being inferred, so plain
      // arrays of the right element types are accepted too (the count is checked at run time).
      MapTypes<R> | readonly TypeValue<R[number]>[] | void
    : unknown;

/** A request declaration. Build it with {@link defineRequest} (or pass it to `server.addRequest`). */
export interface RequestDefinition<
  Ps extends readonly ParamSpec[] = readonly ParamSpec[],
  R extends readonly string[] | undefined = readonly string[] | undefined,
> {
  /** Request name: a letter, then letters, digits and `-`. */
  readonly name: string;
  /** Help text: the first line is the `?help` summary, `?help name` shows all of it. */
  readonly description: string;
  /** Parameters, in order. */
  readonly params?: Ps;
  /** Types of the reply arguments after `ok` (otherwise values are encoded by their JS type). */
  readonly returns?: R;
  /** Seconds a client should allow for this request (`?request-timeout-hint`); 0 or absent = no hint. */
  readonly timeoutHint?: number;
  /**
   * Handles one request; may be async. Its return value (or its promise's) is the reply, a thrown
   * `FailReply`/`InvalidReply` is `fail`/`invalid`, any other error is logged and becomes `fail`.
   * See {@link RequestContext} for informs, early replies and `replyLater()` (reply from a timer
   * or callback after returning).
   */
  readonly handler: (ctx: RequestContext, ...args: HandlerArgs<Ps>) => HandlerResult<R> | Promise<HandlerResult<R>>;
}

/** A validated request, ready to dispatch. */
export interface CompiledRequest {
  readonly name: string;
  readonly description: string;
  /** The first line of the description (`?help` summary). */
  readonly summary: string;
  /** Seconds, 0 when there is no hint. */
  readonly timeoutHint: number;
  /**
   * Decodes the arguments of a request message, reading each from the message (no Buffer per
   * argument for a `string` parameter). @throws FailReply with aiokatcp's texts, or `too many
   * arguments` beyond {@link MAX_REST_ARGUMENTS} for a rest parameter
   */
  decodeMessage(msg: Message): unknown[];
  /** Encodes a handler's return value as reply arguments (after `ok`). @throws KatcpTypeError */
  encodeResult(result: unknown): Buffer[];
  /** Calls the handler. */
  readonly invoke: (ctx: RequestContext, args: unknown[]) => unknown;
}

const NAME_RE = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Most arguments a rest parameter takes. A handler is a variadic JS function, and V8 cannot pass
 * much more than 120,000 arguments in one call (it throws RangeError), while a 16 MiB line can
 * carry millions; beyond this cap the request fails with a clear reason instead.
 */
export const MAX_REST_ARGUMENTS = 65_536;

const compiledCache = new WeakMap<object, CompiledRequest>();
// Compiled for a v4 server: typed timestamps are decoded from and encoded to milliseconds.
const compiledCacheV4 = new WeakMap<object, CompiledRequest>();

/**
 * Declares a request with typed parameters; the handler's argument types are inferred from
 * `params` (integer -> `number | bigint`, float -> `number`, string -> `string`, bytes -> `Buffer`,
 * boolean, discrete with `values` -> their union, optional -> `| undefined` unless a default is
 * given, `rest: true` -> a variadic tail).
 * @throws KatcpError for a bad name, a missing description, an unknown type, a discrete parameter
 *   without values, a required parameter after an optional one or a rest parameter not last
 */
export function defineRequest<
  const Ps extends readonly ParamSpec[] = readonly [],
  const R extends readonly string[] | undefined = undefined,
>(def: RequestDefinition<Ps, R>): RequestDefinition<Ps, R> {
  compileRequest(def as unknown as RequestDefinition);
  return def;
}

/**
 * Validates a declaration and builds its decoder and encoder (cached per declaration object and
 * protocol). `codec` is passed to the type codecs: `{ protocolMajor: 4 }` for a v4 server.
 */
export function compileRequest(def: RequestDefinition, codec?: CodecContext): CompiledRequest {
  const cache = codec?.protocolMajor === 4 ? compiledCacheV4 : compiledCache;
  const cached = cache.get(def);
  if (cached !== undefined) return cached;
  const compiled = buildCompiled(def, codec);
  cache.set(def, compiled);
  return compiled;
}

interface CompiledParam {
  readonly name: string;
  readonly codec: TypeCodec<unknown>;
  readonly optional: boolean;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly rest: boolean;
}

function buildCompiled(def: RequestDefinition, cctx: CodecContext | undefined): CompiledRequest {
  if (def === null || typeof def !== 'object') throw new KatcpError('a request definition must be an object');
  const { name, description, handler } = def;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new KatcpError(`invalid request name ${JSON.stringify(name)}: use a letter, then letters, digits and '-'`);
  }
  if (typeof description !== 'string' || description.trim() === '') {
    throw new KatcpError(`request ${name} needs a description (it is the ?help text)`);
  }
  if (typeof handler !== 'function') throw new KatcpError(`request ${name} needs a handler function`);
  const timeoutHint = def.timeoutHint ?? 0;
  if (typeof timeoutHint !== 'number' || !Number.isFinite(timeoutHint) || timeoutHint < 0) {
    throw new KatcpError(`request ${name}: timeoutHint must be a finite number of seconds >= 0`);
  }
  const params = compileParams(name, def.params ?? []);
  const returns = (def.returns ?? undefined)?.map((t) => resolveType(name, t, undefined, 'return value'));
  const required = params.filter((p) => !p.optional && !p.rest).length;
  const rest = params.length > 0 && params[params.length - 1]!.rest ? params[params.length - 1] : undefined;
  const fixed = rest === undefined ? params : params.slice(0, -1);

  const checkCount = (count: number): void => {
    if (rest === undefined && count > fixed.length) throw new FailReply(`too many arguments for ${name}`);
    if (rest !== undefined && count - fixed.length > MAX_REST_ARGUMENTS) {
      throw new FailReply(`too many arguments for ${name} (${count - fixed.length}, at most ${MAX_REST_ARGUMENTS} for its rest parameter)`);
    }
    if (count < required) throw new FailReply(`missing a required argument: '${fixed[count]!.name}'`);
  };

  const decodeMessage = (msg: Message): unknown[] => {
    const count = msg.argCount;
    checkCount(count);
    const out: unknown[] = [];
    for (let i = 0; i < fixed.length; i++) {
      const p = fixed[i]!;
      out.push(i >= count ? (p.hasDefault ? p.defaultValue : undefined) : decodeArgOf(msg, i, p.codec, cctx));
    }
    if (rest !== undefined) {
      for (let i = fixed.length; i < count; i++) out.push(decodeArgOf(msg, i, rest.codec, cctx));
    }
    return out;
  };

  const encodeResult = (result: unknown): Buffer[] => {
    if (result === undefined) return [];
    const values = Array.isArray(result) ? (result as unknown[]) : [result];
    if (returns === undefined) return values.map((v) => encodeArgument(v));
    if (values.length !== returns.length) {
      throw new KatcpTypeError('return value', `request ${name} returned ${values.length} value(s) but declares ${returns.length}`);
    }
    return values.map((v, i) => {
      const codec = returns[i]!;
      return codec.encode(codec.coerce(v), cctx);
    });
  };

  const fn = handler;
  const summary = description.split('\n', 1)[0]!.trim();
  return Object.freeze({
    name,
    description,
    summary,
    timeoutHint,
    decodeMessage,
    encodeResult,
    invoke: (ctx: RequestContext, args: unknown[]) => fn(ctx, ...args),
  });
}

/** Argument `i` of `msg` decoded by `codec` (in place, see `Message.argDecode`); a refusal is a FailReply. */
function decodeArgOf(msg: Message, i: number, codec: TypeCodec<unknown>, cctx: CodecContext | undefined): unknown {
  try {
    return msg.argDecode(i, codec, cctx);
  } catch (err) {
    throw new FailReply(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function compileParams(request: string, specs: readonly ParamSpec[]): CompiledParam[] {
  const given: unknown = specs;
  if (!Array.isArray(given)) throw new KatcpError(`request ${request}: params must be an array`);
  const out: CompiledParam[] = [];
  let sawOptional = false;
  specs.forEach((p, i) => {
    if (p === null || typeof p !== 'object' || typeof p.name !== 'string' || p.name === '') {
      throw new KatcpError(`request ${request}: parameter ${i} needs a name`);
    }
    const codec = resolveType(request, p.type, p.values, `parameter '${p.name}'`);
    const rest = p.rest === true;
    if (rest && i !== specs.length - 1) throw new KatcpError(`request ${request}: rest parameter '${p.name}' must be last`);
    const hasDefault = Object.hasOwn(p, 'default') && p.default !== undefined;
    const optional = p.optional === true || hasDefault;
    if (rest && hasDefault) throw new KatcpError(`request ${request}: rest parameter '${p.name}' cannot have a default`);
    if (!optional && !rest && sawOptional) {
      throw new KatcpError(`request ${request}: required parameter '${p.name}' follows an optional one`);
    }
    sawOptional ||= optional;
    let defaultValue: unknown;
    if (hasDefault) {
      try {
        defaultValue = codec.coerce(p.default);
      } catch (err) {
        throw new KatcpTypeError(codec.name, `request ${request}: bad default for '${p.name}': ${(err as Error).message}`, undefined, {
          cause: err,
        });
      }
    }
    out.push({ name: p.name, codec, optional, hasDefault, defaultValue, rest });
  });
  return out;
}

function resolveType(request: string, type: unknown, values: readonly string[] | undefined, what: string): TypeCodec<unknown> {
  if (typeof type !== 'string') throw new KatcpTypeError(String(type), `request ${request}: ${what} needs a type name`);
  if (values !== undefined) {
    if (type !== 'discrete') throw new KatcpTypeError(type, `request ${request}: ${what} lists values but its type is ${type}, not discrete`);
    return discreteType(values);
  }
  try {
    return getType(type);
  } catch (err) {
    throw new KatcpTypeError(type, `request ${request}: ${what}: ${(err as Error).message}`, undefined, { cause: err });
  }
}
