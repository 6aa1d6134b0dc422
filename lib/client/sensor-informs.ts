/**
 * Parsing of the sensor informs a client receives: `#sensor-list`, `#sensor-value` and
 * `#sensor-status`. Timestamps are returned in seconds (v4 peers send milliseconds).
 * @module
 */
import type { Message } from '../codec/message.js';
import { getType } from '../codec/types.js';
import type { CodecContext } from '../codec/types.js';
import { KatcpError } from '../errors.js';
import type { SensorStatus } from '../sensor/index.js';

/** The static description of a remote sensor, from one `#sensor-list` inform. */
export interface RemoteSensorInfo {
  readonly name: string;
  readonly description: string;
  readonly units: string;
  /** KATCP type name on the wire: integer, float, boolean, discrete, lru, string, timestamp, address... */
  readonly type: string;
  /** The remaining arguments (discrete values, ranges), decoded as UTF-8. */
  readonly params: readonly string[];
}

/** One `(name, status, value)` triple of a sensor inform; the value is still raw bytes. */
export interface RawSensorReading {
  readonly name: string;
  readonly status: SensorStatus;
  readonly value: Buffer;
}

/** A parsed `#sensor-status` or `#sensor-value` inform. */
export interface SensorInformBody {
  /** Seconds since the epoch. */
  readonly timestamp: number;
  readonly readings: RawSensorReading[];
  /** Triples that could not be parsed (bad status, bad name); the others are still returned. */
  readonly errors: KatcpError[];
}

const timestampCodec = getType('timestamp');

const STATUSES: ReadonlySet<string> = new Set(['unknown', 'nominal', 'warn', 'error', 'failure', 'unreachable', 'inactive']);

/** Parse `#sensor-list name description units type params...`. @throws KatcpError when malformed */
export function parseSensorListInform(msg: Message): RemoteSensorInfo {
  const args = msg.arguments;
  if (args.length < 4) throw new KatcpError(`malformed #sensor-list inform (needs name, description, units and type): ${msg.toString()}`, 'KATCP_ERR_BAD_INFORM');
  const name = msg.arg(0);
  if (name === '') throw new KatcpError(`malformed #sensor-list inform (empty name): ${msg.toString()}`, 'KATCP_ERR_BAD_INFORM');
  const params: string[] = [];
  for (let i = 4; i < args.length; i++) params.push(msg.arg(i));
  return { name, description: msg.arg(1), units: msg.arg(2), type: msg.arg(3), params };
}

/** True when two sensor descriptions are identical. */
export function sameSensorInfo(a: RemoteSensorInfo, b: RemoteSensorInfo): boolean {
  if (a.name !== b.name || a.description !== b.description || a.units !== b.units || a.type !== b.type) return false;
  if (a.params.length !== b.params.length) return false;
  for (let i = 0; i < a.params.length; i++) if (a.params[i] !== b.params[i]) return false;
  return true;
}

/**
 * Parse `#sensor-status <timestamp> <n> (<name> <status> <value>)*n` (also `#sensor-value`).
 * @throws KatcpError when the timestamp or the count is malformed (nothing usable then)
 */
export function parseSensorInform(msg: Message, ctx: CodecContext): SensorInformBody {
  const args = msg.arguments;
  if (args.length < 2) throw new KatcpError(`malformed #${msg.name} inform (no timestamp and count): ${msg.toString()}`, 'KATCP_ERR_BAD_INFORM');
  let timestamp: number;
  try {
    timestamp = timestampCodec.decode(args[0] as Buffer, ctx) as number;
  } catch (e) {
    throw new KatcpError(`malformed #${msg.name} inform (bad timestamp): ${msg.toString()}`, 'KATCP_ERR_BAD_INFORM', { cause: e });
  }
  const countText = msg.arg(1);
  const n = /^\d{1,9}$/.test(countText) ? Number(countText) : -1;
  if (n < 0 || args.length !== 2 + 3 * n) {
    throw new KatcpError(`malformed #${msg.name} inform (count ${JSON.stringify(countText)} does not match ${args.length - 2} arguments): ${msg.toString()}`, 'KATCP_ERR_BAD_INFORM');
  }
  const readings: RawSensorReading[] = [];
  const errors: KatcpError[] = [];
  for (let i = 0; i < n; i++) {
    const base = 2 + 3 * i;
    const name = msg.arg(base);
    let status = msg.arg(base + 1);
    if (!STATUSES.has(status)) {
      const lower = status.toLowerCase();
      if (!STATUSES.has(lower)) {
        errors.push(new KatcpError(`#${msg.name}: sensor ${JSON.stringify(name)} has unknown status ${JSON.stringify(status)}`, 'KATCP_ERR_BAD_INFORM'));
        continue;
      }
      status = lower;
    }
    readings.push({ name, status: status as SensorStatus, value: args[base + 2] as Buffer });
  }
  return { timestamp, readings, errors };
}
