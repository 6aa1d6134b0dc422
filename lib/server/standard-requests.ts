/**
 * The standard KATCP requests every device answers (except the sensor ones, in
 * `sensor-requests.ts`): help, halt, restart, watchdog, version-list, client-list, log-level,
 * request-timeout-hint.
 * @module
 */
import { formatFloat } from '../codec/types.js';
import type { LogLevel } from '../codec/log-level.js';
import type { Sensor } from '../sensor/sensor.js';
import type { SensorSet } from '../sensor/sensor-set.js';
import { FailReply } from '../errors.js';
import type { ClientConnection } from './client-connection.js';
import type { ServerDialect } from './dialect.js';
import type { RequestContext } from './context.js';
import { defineRequest } from './request.js';
import type { CompiledRequest, RequestDefinition } from './request.js';

/** What the standard requests need from the server. */
export interface ServerHost {
  /** The protocol the server speaks. */
  readonly dialect: ServerDialect;
  readonly sensors: SensorSet;
  /** Every sensor, sorted by name (cached by the server). */
  sortedSensors(): readonly Sensor[];
  /** The same, when the server has it at hand (made for a listing and unchanged since), else undefined. */
  sortedSensorsAtHand(): readonly Sensor[] | undefined;
  /** The connection a request came from. */
  clientOf(ctx: RequestContext): ClientConnection;
  /** Every connected client's `host:port`. */
  clientAddresses(): string[];
  /** The `#version-connect` / `#version-list` rows. */
  versionRows(): string[][];
  /** The device log level (shared by all clients). */
  logLevel: LogLevel;
  /** The registered requests, sorted by name. */
  requestList(): readonly CompiledRequest[];
  /** One registered request. */
  getRequest(name: string): CompiledRequest | undefined;
  /** Starts stopping the server. */
  halt(): void;
  /** Schedules the restart hook (it runs after the reply is sent); false when the device has none. */
  restart(): boolean;
}

/** Builds the standard request declarations bound to `host`. */
export function standardRequests(host: ServerHost): RequestDefinition[] {
  return [
    defineRequest({
      name: 'help',
      description:
        'Return help on the available requests.\n\n' +
        'With no argument, one #help inform per request with its summary; with a request name,\n' +
        'one #help inform with its full description. The reply gives the number of informs.',
      params: [{ type: 'string', name: 'request', optional: true }],
      handler: (ctx, name) => {
        if (name === undefined) {
          ctx.informs(host.requestList().map((r) => [r.name, r.summary]));
          return;
        }
        const req = host.getRequest(name);
        if (req === undefined) throw new FailReply(`Unknown request '${name}'`);
        ctx.informs([[req.name, req.description]]);
      },
    }),
    defineRequest({
      name: 'halt',
      description: 'Halt the device server.\n\nReplies ok, then tells every client #disconnect and stops.',
      handler: (ctx) => {
        ctx.reply('ok');
        host.halt();
      },
    }),
    defineRequest({
      name: 'restart',
      description: 'Restart the device server.\n\nReplies ok, then runs the device\'s restart hook; fails when it has none.',
      handler: (ctx) => {
        if (!host.restart()) throw new FailReply('restart is not supported by this device');
        ctx.reply('ok');
      },
    }),
    defineRequest({
      name: 'watchdog',
      description: 'Check that the server is still alive.',
      handler: () => undefined,
    }),
    defineRequest({
      name: 'version-list',
      description: 'Request the list of versions of roles and subcomponents.',
      handler: (ctx) => {
        ctx.informs(host.versionRows());
      },
    }),
    defineRequest({
      name: 'client-list',
      description: 'Request the list of connected clients.',
      handler: (ctx) => {
        ctx.informs(host.clientAddresses().map((a) => [a]));
      },
    }),
    defineRequest({
      name: 'log-level',
      description:
        'Query or set the current logging level.\n\n' +
        'Levels: all, trace, debug, info, warn, error, fatal, off. The level is global to the device.',
      params: [{ type: 'log-level', name: 'level', optional: true }],
      handler: (_ctx, level) => {
        if (level !== undefined) host.logLevel = level;
        return host.logLevel;
      },
    }),
    defineRequest({
      name: 'request-timeout-hint',
      description:
        'Return timeout hints for requests.\n\n' +
        'With no argument, one #request-timeout-hint inform per request that has a hint; with a\n' +
        'request name, one inform for it (0 means no hint). Hints are in seconds.',
      params: [{ type: 'string', name: 'request', optional: true }],
      handler: (ctx, name) => {
        if (name === undefined) {
          const hinted = host.requestList().filter((r) => r.timeoutHint > 0);
          ctx.informs(hinted.map((r) => [r.name, Buffer.from(formatFloat(r.timeoutHint))]));
          return;
        }
        const req = host.getRequest(name);
        if (req === undefined) throw new FailReply(`Unknown request '${name}'`);
        ctx.informs([[req.name, Buffer.from(formatFloat(req.timeoutHint))]]);
      },
    }),
  ] as unknown as RequestDefinition[];
}

