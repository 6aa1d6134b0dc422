/**
 * The KATCP `address` type: an IPv4 or IPv6 address (never a hostname) with an optional port.
 * Text form `a.b.c.d[:port]` or `[v6][:port]`, IPv6 always in the compressed canonical form
 * Python's `ipaddress` prints, so `[00:00::1]:7148` reads back as `[::1]:7148`.
 * @module
 */
import { KatcpTypeError } from '../errors.js';
import { checkInput } from './input.js';
import { bytesRepr } from './repr.js';

/** Parses dotted-quad IPv4 text with Python's rules; returns the 32-bit value or undefined. */
function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    // 1-3 ASCII digits, no leading zero (ambiguous octal), at most 255.
    if (!/^(?:0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Parses IPv6 text (no brackets, no zone) into 8 hextets with Python's rules, or undefined. */
function parseIPv6(text: string): number[] | undefined {
  const parts = text.split(':');
  if (parts.length < 3) return undefined;
  const last = parts[parts.length - 1]!;
  if (last.includes('.')) {
    const v4 = parseIPv4(last);
    if (v4 === undefined) return undefined;
    parts[parts.length - 1] = (Math.floor(v4 / 65536)).toString(16);
    parts.push((v4 % 65536).toString(16));
  }
  if (parts.length > 9) return undefined;
  let skip = -1;
  for (let i = 1; i < parts.length - 1; i++) {
    if (parts[i] === '') {
      if (skip !== -1) return undefined; // '::' twice
      skip = i;
    }
  }
  let hi: number;
  let lo: number;
  if (skip !== -1) {
    hi = skip;
    lo = parts.length - skip - 1;
    if (parts[0] === '' && --hi !== 0) return undefined; // a leading ':' must be part of '::'
    if (parts[parts.length - 1] === '' && --lo !== 0) return undefined;
    if (8 - (hi + lo) < 1) return undefined;
  } else {
    if (parts.length !== 8 || parts[0] === '' || parts[7] === '') return undefined;
    hi = 8;
    lo = 0;
  }
  const hextets: number[] = [];
  const take = (s: string): boolean => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(s)) return false;
    hextets.push(parseInt(s, 16));
    return true;
  };
  for (let i = 0; i < hi; i++) if (!take(parts[i]!)) return undefined;
  for (let i = 0; i < 8 - hi - lo; i++) hextets.push(0);
  for (let i = parts.length - lo; i < parts.length; i++) if (!take(parts[i]!)) return undefined;
  return hextets;
}

/** Python's compressed form: the longest run (first on ties) of two or more zero hextets becomes '::'. */
function compressIPv6(hextets: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && hextets[i] === 0) {
      if (runStart === -1) runStart = i;
    } else if (runStart !== -1) {
      if (i - runStart > bestLen) {
        bestLen = i - runStart;
        bestStart = runStart;
      }
      runStart = -1;
    }
  }
  const words = hextets.map((h) => h.toString(16));
  if (bestLen < 2) return words.join(':');
  const head = words.slice(0, bestStart).join(':');
  const tail = words.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/**
 * Canonicalises an IP address literal (IPv6 without brackets, optionally with a `%zone`).
 * Returns the canonical text and family, or undefined when `text` is not an IP literal.
 */
function canonicalHost(text: string): { host: string; family: 4 | 6 } | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { host: text, family: 4 };
  const pct = text.indexOf('%');
  const addr = pct === -1 ? text : text.slice(0, pct);
  const zone = pct === -1 ? '' : text.slice(pct + 1);
  if (pct !== -1 && (zone === '' || zone.includes('%'))) return undefined;
  const hextets = parseIPv6(addr);
  if (hextets === undefined) return undefined;
  return { host: compressIPv6(hextets) + (pct === -1 ? '' : '%' + zone), family: 6 };
}

const V6_RE = /^\[([^\]]+)\](?::(\d+))?$/;
const V4_RE = /^([^:]+)(?::(\d+))?$/;

/**
 * An IP address with an optional port, the value of KATCP `address` sensors and arguments.
 * Immutable; compare with `equals()`.
 *
 * ```ts
 * Address.parse('[00:00::1]:7148').toString(); // '[::1]:7148'
 * new Address('127.0.0.1', 7147).family;       // 4
 * ```
 */
export class Address {
  /** The address in canonical text form, without brackets (`127.0.0.1`, `::1`, `fe80::1%eth0`). */
  readonly host: string;
  /** The port, or undefined when absent. */
  readonly port: number | undefined;
  /** 4 or 6. */
  readonly family: 4 | 6;

  /**
   * @param host an IPv4 or IPv6 literal (no brackets); hostnames are refused
   * @param port optional non-negative integer (not range-checked, like aiokatcp)
   * @throws KatcpTypeError for a host that is not an IP literal or a bad port
   */
  constructor(host: string, port?: number) {
    const canon = typeof host === 'string' ? canonicalHost(host) : undefined;
    if (canon === undefined) {
      throw new KatcpTypeError('address', `${JSON.stringify(String(host))} is not an IPv4 or IPv6 address`);
    }
    if (port !== undefined && !(Number.isSafeInteger(port) && port >= 0)) {
      throw new KatcpTypeError('address', `port ${String(port)} is not a non-negative integer`);
    }
    this.host = canon.host;
    this.port = port;
    this.family = canon.family;
    Object.freeze(this);
  }

  /**
   * Parses `a.b.c.d`, `a.b.c.d:port`, `[v6]` or `[v6]:port` (bytes or text). Refuses hostnames,
   * unbracketed IPv6, `[127.0.0.1]`, leading-zero octets and empty input.
   * @throws KatcpTypeError naming the offending bytes
   */
  static parse(text: string | Uint8Array): Address {
    checkInput(text, 'address', 'Address.parse()', true);
    const str = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
    const fail = (): KatcpTypeError => {
      const raw = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      return new KatcpTypeError('address', `could not parse ${bytesRepr(raw)} as an address`, raw);
    };
    let host: string;
    let port: string | undefined;
    let m = V6_RE.exec(str);
    if (m !== null) {
      host = m[1]!;
      port = m[2];
      const canon = canonicalHost(host);
      if (canon === undefined || canon.family !== 6) throw fail();
    } else {
      m = V4_RE.exec(str);
      if (m === null) throw fail();
      host = m[1]!;
      port = m[2];
      if (parseIPv4(host) === undefined) throw fail();
    }
    const portNum = port === undefined ? undefined : Number(port);
    if (portNum !== undefined && !Number.isSafeInteger(portNum)) throw fail();
    return new Address(host, portNum);
  }

  /** The wire form: `127.0.0.1`, `127.0.0.1:7148`, `[::1]`, `[::1]:7148`. */
  toString(): string {
    const host = this.family === 6 ? `[${this.host}]` : this.host;
    return this.port === undefined ? host : `${host}:${this.port}`;
  }

  /** Same host (canonical form) and same port (or both without a port). */
  equals(other: unknown): boolean {
    return other instanceof Address && other.host === this.host && other.port === this.port;
  }

  /** A new Address with the same host and another port (or none). */
  withPort(port: number | undefined): Address {
    return new Address(this.host, port);
  }
}
