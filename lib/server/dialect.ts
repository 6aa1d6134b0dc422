/**
 * The KATCP dialect a device server speaks (`DeviceServerOptions.protocol`): v5.x with its
 * flags, or v4. One {@link ServerDialect} answers every "which form?" question, so the rest of
 * the server asks it instead of testing version numbers itself.
 *
 * v4 (NRF-KAT7-6.0-IFCE/002 Rev 4) differs on the wire: a `#version` + `#build-state` banner
 * instead of `#version-connect`; no message ids; timestamps (sensor readings, timestamp values,
 * `#log`, the `period` parameter) in integer milliseconds; five statuses; five strategies; no
 * `?version-list`, `?request-timeout-hint`, bulk sampling or address type.
 * @module
 */
import type { CodecContext } from '../codec/type-codec.js';
import { formatFloat } from '../codec/float.js';
import { Message } from '../codec/message.js';
import { ProtocolFlags } from '../codec/protocol-flags.js';
import { formatStrategy } from '../sensor/parse-strategy.js';
import type { Sensor } from '../sensor/sensor.js';
import type { SensorStatus } from '../sensor/status.js';
import type { SamplingStrategy, StrategyName } from '../sensor/strategy.js';
import { KatcpTypeError } from '../errors.js';
import { PROTOCOL_INFO, libraryVersionStrings } from './version.js';

const KNOWN_FLAGS = 'MIBT';

/** Requests that exist only from v5 on (the v4 spec has neither). */
const V5_REQUESTS: ReadonlySet<string> = new Set(['version-list', 'sensor-sampling-clear']);

/** Strategies v4 has (Rev 4 Table 9). */
const V4_STRATEGIES: ReadonlySet<string> = new Set(['none', 'auto', 'period', 'event', 'differential']);

/**
 * Parses and checks a server protocol: major 4 or 5, flags among M, I, B, T, `I` only from v5,
 * `B` and `T` only from v5.1 (katcp-python's rules). Without `M` the device is single-client.
 * @throws KatcpTypeError naming what is wrong and what is accepted
 */
export function parseServerProtocol(value: unknown): ProtocolFlags {
  let flags: ProtocolFlags;
  if (value instanceof ProtocolFlags) flags = value;
  else if (typeof value === 'string') flags = ProtocolFlags.parse(value);
  else throw new KatcpTypeError('protocol-flags', `protocol must be a string such as '4.0-M' or a ProtocolFlags, not ${typeof value}`);
  const bad = (why: string): KatcpTypeError =>
    new KatcpTypeError('protocol-flags', `protocol ${String(flags)}: ${why} (accepted: 4.x[-M], or 5.x with flags M, I, and from 5.1 B, T)`);
  if (flags.major !== 4 && flags.major !== 5) throw bad(`KATCP major version ${flags.major} is not served, only 4 and 5`);
  for (const f of flags.flags) if (!KNOWN_FLAGS.includes(f)) throw bad(`unknown flag ${JSON.stringify(f)}`);
  if (flags.major < 5 && flags.messageIds) throw bad('message ids (I) need KATCP 5');
  const v51 = flags.major > 5 || (flags.major === 5 && flags.minor >= 1);
  if (!v51 && (flags.bulkSetSensorSampling || flags.requestTimeoutHints)) throw bad('flags B and T need KATCP 5.1');
  return flags;
}

/** The wire forms of one protocol version; see the module comment. */
export class ServerDialect {
  /** The protocol version and flags (`#version-connect katcp-protocol` in v5). */
  readonly flags: ProtocolFlags;
  /** True for KATCP v4. */
  readonly v4: boolean;
  /** What the type codecs need to know (v4: timestamps in milliseconds). */
  readonly codecContext: CodecContext;

  /** @throws KatcpTypeError for a protocol the server cannot speak (see {@link parseServerProtocol}) */
  constructor(protocol: string | ProtocolFlags = PROTOCOL_INFO) {
    this.flags = parseServerProtocol(protocol);
    this.v4 = this.flags.major === 4;
    this.codecContext = Object.freeze({ protocolMajor: this.flags.major });
    Object.freeze(this);
  }

  /** The `#version-connect` / `?version-list` rows of a device: protocol, library, device. */
  versionRows(version: string, buildState: string): string[][] {
    const [api, full] = libraryVersionStrings();
    const device = buildState === '' ? ['katcp-device', version] : ['katcp-device', version, buildState];
    return [['katcp-protocol', String(this.flags)], ['katcp-library', api, full], device];
  }

  /**
   * What a new client gets first: v5's three `#version-connect`, or v4's `#version` and
   * `#build-state` (v4 always sends one: without a build state, this library's name and version).
   */
  greeting(version: string, buildState: string): Message[] {
    if (this.v4) {
      return [Message.inform('version', version), Message.inform('build-state', buildState === '' ? libraryVersionStrings()[1] : buildState)];
    }
    return this.versionRows(version, buildState).map((row) => Message.inform('version-connect', ...row));
  }

  /** A timestamp in seconds as it goes on the wire: a float repr (v5) or integer milliseconds (v4). */
  timestamp(seconds: number): string {
    return this.v4 ? msText(seconds * 1000) : formatFloat(seconds);
  }

  /** A status as it goes on the wire: v4 has no `unreachable` (sent as `failure`) or `inactive` (`unknown`). */
  status(status: SensorStatus): SensorStatus {
    if (!this.v4) return status;
    if (status === 'unreachable') return 'failure';
    if (status === 'inactive') return 'unknown';
    return status;
  }

  /** True when a standard request of this name belongs to this protocol and flags. */
  offers(request: string): boolean {
    if (request === 'request-timeout-hint') return this.flags.requestTimeoutHints;
    if (request === 'client-list') return this.flags.multiClient;
    if (V5_REQUESTS.has(request)) return !this.v4;
    return true;
  }

  /** True when the strategy exists in this protocol (v4 has no `event-rate` / `differential-rate`). */
  allowsStrategy(name: StrategyName): boolean {
    return !this.v4 || V4_STRATEGIES.has(name);
  }

  /**
   * A strategy whose parameters were read as seconds, rescaled to what the client meant: in v4
   * a `period` and a timestamp sensor's `differential` are milliseconds.
   */
  strategyFromWire(s: SamplingStrategy, sensorType: string): SamplingStrategy {
    if (!this.v4) return s;
    if (s.strategy === 'period') return Object.freeze({ strategy: 'period', period: s.period / 1000 });
    if (s.strategy === 'differential' && sensorType === 'timestamp') return Object.freeze({ strategy: 'differential', difference: s.difference / 1000 });
    return s;
  }

  /** The `!sensor-sampling` strategy arguments (`period 1000` in v4, `period 1.0` in v5). */
  strategyToWire(s: SamplingStrategy, sensor: Pick<Sensor, 'type'>): string[] {
    if (this.v4) {
      if (s.strategy === 'period') return ['period', msNumber(s.period)];
      if (s.strategy === 'differential' && sensor.type === 'timestamp') return ['differential', msNumber(s.difference)];
    }
    return formatStrategy(s, sensor);
  }
}

/**
 * Seconds as the milliseconds a v4 client gave: an integer when whole (`250`), otherwise a float
 * repr (`0.5`). Rounded to a nanosecond so that `0.333 s` reads back `333`, not `333.00000000000006`.
 */
function msNumber(seconds: number): string {
  const ms = Math.round(seconds * 1e9) / 1e6;
  return Number.isInteger(ms) ? msText(ms) : formatFloat(ms);
}

/** An integer count of milliseconds as decimal text (rounded; safe well past the year 275,000). */
export function msText(ms: number): string {
  const r = Math.round(ms);
  return Object.is(r, -0) ? '0' : String(r);
}
