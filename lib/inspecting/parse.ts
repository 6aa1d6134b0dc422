/**
 * Parsing of the informs the inspecting client reads: `#help`, `#request-timeout-hint`,
 * `#sensor-list`, `#sensor-status` / `#sensor-value` and `#interface-changed`.
 * @module
 */
import { KatcpError } from '../errors.js';
import type { Message } from '../codec/message.js';
import { decodeValue } from '../codec/types.js';
import type { SensorStatus } from '../sensor/index.js';
import type { RequestInfo, SensorInfo } from './model.js';

/** The seven sensor status names, in KATCP order. */
const STATUSES: ReadonlySet<string> = new Set(['unknown', 'nominal', 'warn', 'error', 'failure', 'unreachable', 'inactive']);

/** True when `s` is one of the seven KATCP sensor status names. */
export function isSensorStatus(s: unknown): s is SensorStatus {
  return typeof s === 'string' && STATUSES.has(s);
}

/** A malformed inform (the reason names the inform and what is wrong). */
function malformed(msg: Message, why: string): KatcpError {
  return new KatcpError(`malformed #${msg.name} inform (${why}): ${truncate(msg.toString())}`, 'KATCP_ERR_MALFORMED_INFORM');
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/** `#help <name> [<description>]` -> name and description. @throws KatcpError when the name is missing */
export function parseHelpInform(msg: Message): { name: string; description: string } {
  if (msg.arguments.length < 1 || msg.arguments[0]!.length === 0) throw malformed(msg, 'no request name');
  return { name: msg.arg(0), description: msg.arg(1) };
}

/**
 * `#request-timeout-hint <name> <seconds>` -> name and hint in seconds (undefined for `0`,
 * which means "no hint"). @throws KatcpError when malformed or negative
 */
export function parseTimeoutHintInform(msg: Message): { name: string; timeoutHint: number | undefined } {
  if (msg.arguments.length < 2) throw malformed(msg, 'expected a request name and a number of seconds');
  const text = msg.arg(1);
  const secs = Number(text);
  if (text.trim() === '' || !Number.isFinite(secs) || secs < 0) throw malformed(msg, `bad number of seconds ${JSON.stringify(text)}`);
  return { name: msg.arg(0), timeoutHint: secs > 0 ? secs : undefined };
}

/** Build request descriptions from `#help` informs and the `#request-timeout-hint` informs (may be empty). */
export function buildRequestInfos(help: readonly Message[], hints: readonly Message[], warn: (err: Error) => void): RequestInfo[] {
  const hintByName = new Map<string, number | undefined>();
  for (const msg of hints) {
    if (msg.name !== 'request-timeout-hint') continue;
    try {
      const h = parseTimeoutHintInform(msg);
      hintByName.set(h.name, h.timeoutHint);
    } catch (err) {
      warn(err as Error);
    }
  }
  const out: RequestInfo[] = [];
  for (const msg of help) {
    if (msg.name !== 'help') continue;
    try {
      const h = parseHelpInform(msg);
      out.push(Object.freeze({ name: h.name, description: h.description, timeoutHint: hintByName.get(h.name) }));
    } catch (err) {
      warn(err as Error);
    }
  }
  return out;
}

/**
 * `#sensor-list <name> <description> <units> <type> [params...]` -> a sensor description.
 * @throws KatcpError when the name or type is missing
 */
export function parseSensorListInform(msg: Message): SensorInfo {
  const n = msg.arguments.length;
  if (n < 1 || msg.arguments[0]!.length === 0) throw malformed(msg, 'no sensor name');
  if (n < 4) throw malformed(msg, 'expected name, description, units and type');
  const params: string[] = [];
  for (let i = 4; i < n; i++) params.push(msg.arg(i));
  return Object.freeze({
    name: msg.arg(0),
    description: msg.arg(1),
    units: msg.arg(2),
    type: msg.arg(3),
    params: Object.freeze(params),
  });
}

/** Build sensor descriptions from `#sensor-list` informs; malformed ones are reported to `warn` and skipped. */
export function buildSensorInfos(informs: readonly Message[], warn: (err: Error) => void): SensorInfo[] {
  const out: SensorInfo[] = [];
  for (const msg of informs) {
    if (msg.name !== 'sensor-list') continue;
    try {
      out.push(parseSensorListInform(msg));
    } catch (err) {
      warn(err as Error);
    }
  }
  return out;
}

/** One `name status value` triple of a `#sensor-status` / `#sensor-value` inform. */
export interface SensorUpdate {
  readonly name: string;
  readonly timestamp: number;
  readonly status: SensorStatus;
  /** The value as sent (decode it with the sensor's type). */
  readonly raw: Buffer;
}

/**
 * `#sensor-status <timestamp> <n> {<name> <status> <value>}*n` (also `#sensor-value`) -> the
 * updates, timestamps in seconds (milliseconds on the wire when `protocolMajor` is 4).
 * @throws KatcpError when the argument count does not match, or the timestamp or a status is bad
 */
export function parseSensorUpdates(msg: Message, protocolMajor: number | undefined): SensorUpdate[] {
  const args = msg.arguments;
  if (args.length < 2) throw malformed(msg, 'expected a timestamp and a count');
  const count = Number(msg.arg(1));
  if (!Number.isInteger(count) || count < 0 || args.length !== 2 + 3 * count) {
    throw malformed(msg, `count ${msg.arg(1)} does not match ${args.length - 2} further arguments`);
  }
  let timestamp: number;
  try {
    timestamp = decodeValue('timestamp', args[0]!, { protocolMajor }) as number;
  } catch (err) {
    throw new KatcpError(`malformed #${msg.name} inform (bad timestamp): ${truncate(msg.toString())}`, 'KATCP_ERR_MALFORMED_INFORM', { cause: err });
  }
  const out: SensorUpdate[] = [];
  for (let i = 0; i < count; i++) {
    const status = msg.arg(3 + 3 * i);
    if (!isSensorStatus(status)) throw malformed(msg, `unknown status ${JSON.stringify(status)}`);
    out.push({ name: msg.arg(2 + 3 * i), timestamp, status, raw: args[4 + 3 * i]! });
  }
  return out;
}

/** What an `#interface-changed` (or `#device-changed`) inform asks to re-inspect. */
export type InterfaceChange =
  | { readonly scope: 'all' }
  | { readonly scope: 'sensors' }
  | { readonly scope: 'requests' }
  | { readonly scope: 'sensor' | 'request'; readonly name: string; readonly change: 'added' | 'removed' | 'modified' };

/**
 * Classify `#interface-changed` arguments: `sensor <name> added|removed|modified` and
 * `request <name> ...` name one item; `sensor-list` / `request-list` mean "all sensors" /
 * "all requests"; no arguments, `#device-changed`, or any form not recognised means everything.
 */
export function parseInterfaceChanged(msg: Message): InterfaceChange {
  if (msg.name !== 'interface-changed') return { scope: 'all' };
  const n = msg.arguments.length;
  const kind = msg.arg(0);
  if (n === 1 && kind === 'sensor-list') return { scope: 'sensors' };
  if (n === 1 && kind === 'request-list') return { scope: 'requests' };
  if (n === 3 && (kind === 'sensor' || kind === 'request')) {
    const change = msg.arg(2);
    const name = msg.arg(1);
    if (name !== '' && (change === 'added' || change === 'removed' || change === 'modified')) {
      return { scope: kind, name, change };
    }
  }
  return { scope: 'all' };
}
