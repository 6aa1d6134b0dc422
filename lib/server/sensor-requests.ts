/**
 * The standard sensor requests: `?sensor-list`, `?sensor-value`, `?sensor-sampling` (query,
 * set, bulk) and `?sensor-sampling-clear`.
 * @module
 */
import { parseStrategy } from '../sensor/parse-strategy.js';
import { isStrategyName } from '../sensor/strategy.js';
import type { Sensor } from '../sensor/sensor.js';
import type { SamplingStrategy } from '../sensor/strategy.js';
import { FailReply } from '../errors.js';
import type { ClientConnection } from './client-connection.js';
import type { RequestContext } from './context.js';
import { defineRequest } from './request.js';
import type { RequestDefinition } from './request.js';
import { filterByName } from './sensor-filter.js';
import type { ServerHost } from './standard-requests.js';
import type { ServerDialect } from './dialect.js';
import { listingBytes } from './sensor-listing.js';
import { lookupSensors, unknownSensor } from './sensor-lookup.js';
import { wireLine } from './wire.js';
import type { ListingKind } from './sensor-listing.js';

/**
 * Sensors committed per batch by a bulk `?sensor-sampling` before the server yields to other
 * work and lets the client drain (aiokatcp uses 50; our per-sensor cost is far lower).
 */
export const SAMPLING_BATCH = 500;

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function lookup(host: ServerHost, name: string): Sensor {
  const s = host.sensors.get(name);
  if (s === undefined) throw unknownSensor(name);
  return s;
}

/** True when a name occurs twice (names in increasing order, as a listing gives them, need no set). */
function hasDuplicate(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) {
    if (!(names[i - 1]! < names[i]!)) return new Set(names).size !== names.length;
  }
  return false;
}

/**
 * Informs per `?sensor-list` / `?sensor-value` batch: a longer listing goes out in batches with
 * a yield between them, so the client can start on the first ones while the rest are formatted,
 * and other clients are not held up by a very long listing.
 */
export const LIST_BATCH = 1000;

/**
 * Sends one reply inform per sensor, then `!name ok <n>`: at once, in one buffer, when they fit in
 * one batch (no promise), otherwise in batches with a yield between them.
 */
function sendSensorInforms(ctx: RequestContext, kind: ListingKind, sensors: readonly Sensor[], dialect: ServerDialect): Promise<void> | undefined {
  const n = sensors.length;
  if (n <= LIST_BATCH) {
    ctx.sendRaw(listingBytes(kind, ctx.name, ctx.mid, sensors, 0, n, dialect, n), true);
    return undefined;
  }
  return sendInBatches(ctx, kind, sensors, dialect);
}

async function sendInBatches(ctx: RequestContext, kind: ListingKind, sensors: readonly Sensor[], dialect: ServerDialect): Promise<void> {
  const n = sensors.length;
  for (let start = 0; start < n; start += LIST_BATCH) {
    const end = Math.min(n, start + LIST_BATCH);
    if (end === n) {
      ctx.sendRaw(listingBytes(kind, ctx.name, ctx.mid, sensors, start, end, dialect, n), true);
      return;
    }
    ctx.sendRaw(listingBytes(kind, ctx.name, ctx.mid, sensors, start, end, dialect), false);
    // Nothing more for a client that went away (the request was cancelled).
    if (ctx.cancelled) return;
    await yieldToLoop();
  }
}

/** A strategy parsed for a sensor type, with its reply arguments (`!sensor-sampling` after the names). */
interface ParsedStrategy {
  readonly strategy: SamplingStrategy;
  readonly wire: readonly string[];
}

// Strategies without parameters (`event`, `auto`, `none`) parsed and formatted once per dialect
// (v5, v4), sensor type and name: a subscription of one sensor is the most common request there
// is. Looked up by type, then name, so a request builds no key.
const bareStrategies = [new Map<string, Map<string, ParsedStrategy>>(), new Map<string, Map<string, ParsedStrategy>>()] as const;

/** The strategy `args` (name, parameters) for `sensor` in `dialect`. @throws FailReply when invalid */
function strategyFor(dialect: ServerDialect, sensor: Sensor, args: readonly (string | Buffer)[]): ParsedStrategy {
  let byName: Map<string, ParsedStrategy> | undefined;
  if (args.length === 1) {
    const byType = bareStrategies[dialect.v4 ? 1 : 0];
    byName = byType.get(sensor.type);
    if (byName === undefined) byType.set(sensor.type, (byName = new Map<string, ParsedStrategy>()));
    const known = byName.get(args[0] as string);
    if (known !== undefined) return known;
  }
  let strategy: SamplingStrategy;
  try {
    strategy = dialect.strategyFromWire(parseStrategy(sensor, args), sensor.type);
  } catch (err) {
    throw new FailReply((err as Error).message, { cause: err });
  }
  const parsed: ParsedStrategy = { strategy, wire: dialect.strategyToWire(strategy, sensor) };
  byName?.set(args[0] as string, parsed);
  return parsed;
}

/**
 * Subscribes `client` to `sensor`, looked up when the client's count of dropped sensors was
 * `drops`; one removed from the server meanwhile still gets its value once, but no subscription.
 */
function commit(host: ServerHost, client: ClientConnection, sensor: Sensor, strategy: SamplingStrategy, drops: number): void {
  client.setStrategy(sensor, strategy, client.sensorDrops === drops || host.sensors.get(sensor.name) === sensor);
}

/**
 * Replies `!name[mid] ok <names> <strategy...>` to a change of sampling, written straight to
 * bytes (no Message, no Buffer per argument).
 * @param names the names of sensors found, with commas between them: nothing to escape
 */
function replyChanged(ctx: RequestContext, names: string, wire: readonly string[]): void {
  // A request cancelled meanwhile (its client left) ends without a word, as a returned value would.
  if (ctx.aborted) return;
  const head = ctx.mid === undefined ? `!${ctx.name} ok ` : `!${ctx.name}[${ctx.mid}] ok `;
  ctx.sendRaw(wireLine(head + names, [...wire]), true);
}

/** `?sensor-sampling names [strategy params...]`: a query, or a change of one or (bulk) several sensors. */
function samplingRequest(
  host: ServerHost,
  ctx: RequestContext,
  names: string,
  strategyName: string | undefined,
  params: readonly Buffer[],
): Promise<string[] | undefined> | string[] | undefined {
  const client = host.clientOf(ctx);
  const dialect = host.dialect;
  if (strategyName === undefined) {
    // A query takes one name, literally (a comma is not a list separator here).
    const sensor = lookup(host, names);
    return client.withSamplingLock(() => [names, ...dialect.strategyToWire(client.strategyOf(sensor), sensor)]);
  }
  if (isStrategyName(strategyName) && !dialect.allowsStrategy(strategyName)) {
    // katcp-python's words.
    throw new FailReply(`Strategy ${strategyName} not allowed for version ${dialect.flags.major} of katcp`);
  }
  const args = params.length === 0 ? [strategyName] : [strategyName, ...params];
  // Without the B flag a comma is part of the (unknown) name.
  if (!dialect.flags.bulkSetSensorSampling || !names.includes(',')) {
    const sensor = lookup(host, names);
    const parsed = strategyFor(dialect, sensor, args);
    const drops = client.sensorDrops;
    return client.withSamplingLock(() => {
      if (!client.isClosed) commit(host, client, sensor, parsed.strategy, drops);
      replyChanged(ctx, names, parsed.wire);
      return undefined;
    });
  }
  const list = names.split(',');
  if (hasDuplicate(list)) throw new FailReply('Duplicate sensor name');
  const n = list.length;
  const sensors = lookupSensors(list, host.sensors, host.sortedSensorsAtHand());
  const drops = client.sensorDrops;
  // Parse for every sensor first so that one bad sensor changes nothing. Parsing depends only on
  // the sensor type, so it is done once per type (sensors of one type usually come in a run).
  const byType = new Map<string, ParsedStrategy>();
  let type: string | undefined;
  let parsed: ParsedStrategy | undefined;
  for (let i = 0; i < n; i++) {
    const s = sensors[i]!;
    if (s.type === type) continue;
    type = s.type;
    parsed = byType.get(type);
    if (parsed === undefined) byType.set(type, (parsed = strategyFor(dialect, s, args)));
  }
  const wire = parsed!.wire;
  const commitFrom = (from: number, to: number): void => {
    for (let i = from; i < to && !client.isClosed; i++) {
      const s = sensors[i]!;
      if (s.type !== type) parsed = byType.get((type = s.type));
      commit(host, client, s, parsed!.strategy, drops);
    }
  };
  return client.withSamplingLock(() => {
    // One batch is committed at once (no promise); a longer list yields between batches so its
    // burst of values drains.
    if (n <= SAMPLING_BATCH) {
      commitFrom(0, n);
      replyChanged(ctx, names, wire);
      return undefined;
    }
    return (async () => {
      for (let from = 0; from < n && !client.isClosed; from += SAMPLING_BATCH) {
        if (from > 0) {
          await client.drain();
          await yieldToLoop();
        }
        commitFrom(from, Math.min(n, from + SAMPLING_BATCH));
      }
      replyChanged(ctx, names, wire);
      return undefined;
    })();
  });
}

/** Builds the sensor request declarations bound to `host`. */
export function sensorRequests(host: ServerHost): RequestDefinition[] {
  const select = (filter: string | undefined): readonly Sensor[] => filterByName(host.sortedSensors(), filter, (n) => host.sensors.get(n));
  return [
    defineRequest({
      name: 'sensor-list',
      description:
        'Request the list of sensors.\n\n' +
        'With no argument, every sensor; with a name, that sensor; with /regex/, the sensors whose\n' +
        'names contain a match. One #sensor-list inform per sensor: name description units type\n' +
        '[params...], sorted by name.',
      params: [{ type: 'string', name: 'name', optional: true }],
      handler: (ctx, filter) => sendSensorInforms(ctx, 'list', select(filter), host.dialect),
    }),
    defineRequest({
      name: 'sensor-value',
      description:
        'Request the value of a sensor or sensors.\n\n' +
        'The argument selects sensors as for ?sensor-list. One #sensor-value inform per sensor:\n' +
        'timestamp 1 name status value.',
      params: [{ type: 'string', name: 'name', optional: true }],
      handler: (ctx, filter) => sendSensorInforms(ctx, 'value', select(filter), host.dialect),
    }),
    defineRequest({
      name: 'sensor-sampling',
      description:
        host.dialect.v4
          ? 'Configure or query the way a sensor is sampled.\n\n' +
            'With only a name, reply with its strategy. With a strategy (none, auto, period P, event,\n' +
            'differential D; the period in milliseconds), set it; the current value is sent at once\n' +
            'as #sensor-status.'
          : 'Configure or query the way a sensor is sampled.\n\n' +
            'With only a name, reply with its strategy. With a strategy (none, auto, period P, event,\n' +
            'differential D, event-rate S L, differential-rate D S L; times in seconds), set it for a\n' +
            'sensor or a comma-separated list of sensors (all or nothing); the current value of each\n' +
            'is sent at once as #sensor-status.',
      params: [
        { type: 'string', name: 'names' },
        { type: 'string', name: 'strategy', optional: true },
        { type: 'bytes', name: 'params', rest: true },
      ],
      handler: (ctx, names, strategyName, ...params) => samplingRequest(host, ctx, names, strategyName, params),
    }),
    defineRequest({
      name: 'sensor-sampling-clear',
      description: 'Set the sampling strategy of every sensor to none for this client.',
      handler: (ctx) => {
        const client = host.clientOf(ctx);
        return client.withSamplingLock(() => client.clearSamplers());
      },
    }),
  ] as unknown as RequestDefinition[];
}
