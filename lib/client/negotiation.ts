/**
 * Protocol version detection from the connect banner.
 *
 * - `#version-connect katcp-protocol <major>.<minor>[-FLAGS]` gives the version and flags.
 * - `#version ...` or `#build-state ...` (the v4 banner, e.g. CASPER tcpborphserver) means
 *   protocol 4.0 without flags.
 * - Majors 4 and 5 are supported; anything else (or an unparsable version) is a
 *   `ProtocolVersionError`. A v4 peer never gets message ids, bulk sampling or timeout hints,
 *   even if its banner claims the flags (those are v5 features).
 * @module
 */
import type { Message } from '../codec/message.js';
import { ProtocolFlags } from '../codec/protocol-flags.js';
import { ProtocolVersionError } from '../errors.js';
import { parseTimeoutHintInform } from './interface-informs.js';

/** Protocol majors this client speaks. */
export const SUPPORTED_MAJORS: readonly number[] = [4, 5];

/** Flags assumed for a v4 peer (banner `#version`/`#build-state`, or no banner at all). */
export const V4_FLAGS = new ProtocolFlags(4, 0, '');

/** The result of looking at one inform during negotiation. */
export type BannerOutcome =
  | { readonly kind: 'flags'; readonly flags: ProtocolFlags; readonly source: 'version-connect' | 'v4-banner' }
  | { readonly kind: 'error'; readonly error: ProtocolVersionError };

/** Flags usable with a peer of this major version (v4 peers lose the v5-only flags). */
export function effectiveFlags(flags: ProtocolFlags): ProtocolFlags {
  if (flags.major >= 5) return flags;
  const kept = [...flags.flags].filter((f) => f !== 'I' && f !== 'B' && f !== 'T');
  return kept.length === flags.flags.size ? flags : new ProtocolFlags(flags.major, flags.minor, kept);
}

/** Validate a version string from `#version-connect katcp-protocol` or from preset flags. */
export function checkVersion(text: string | Uint8Array): BannerOutcome {
  let flags: ProtocolFlags;
  try {
    flags = ProtocolFlags.parse(text);
  } catch (e) {
    const shown = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
    return { kind: 'error', error: new ProtocolVersionError(`unparsable katcp-protocol version ${JSON.stringify(shown)}`, { cause: e }) };
  }
  if (!SUPPORTED_MAJORS.includes(flags.major)) {
    return {
      kind: 'error',
      error: new ProtocolVersionError(`unsupported KATCP protocol version ${flags.major}.${flags.minor} (this client speaks ${SUPPORTED_MAJORS.join(' and ')})`),
    };
  }
  return { kind: 'flags', flags: effectiveFlags(flags), source: 'version-connect' };
}

/** Interpret an inform as part of the banner; undefined when it is not a protocol banner. */
export function interpretBanner(msg: Message): BannerOutcome | undefined {
  if (msg.mtype !== '#') return undefined;
  switch (msg.name) {
    case 'version-connect': {
      if (msg.arguments.length < 2 || msg.arg(0) !== 'katcp-protocol') return undefined;
      return checkVersion(msg.arguments[1] as Buffer);
    }
    case 'version':
    case 'build-state':
      return { kind: 'flags', flags: V4_FLAGS, source: 'v4-banner' };
    default:
      return undefined;
  }
}

/** What the client should do about one banner inform. */
export type BannerAction =
  | { readonly kind: 'adopt'; readonly flags: ProtocolFlags; readonly connect: boolean }
  | { readonly kind: 'refuse'; readonly error: ProtocolVersionError }
  | { readonly kind: 'warn'; readonly message: string }
  | { readonly kind: 'none' };

/** Protocol facts of one connection. */
export class ProtocolSession {
  /** `#version-connect` entries: name -> remaining arguments. */
  readonly versions = new Map<string, string[]>();
  /** `?request-timeout-hint` values in seconds (hints of 0 are left out). */
  readonly hints = new Map<string, number>();
  /** The protocol is decided (banner, preset flags, or banner timeout). */
  decided = false;
  /** It was decided by the banner timeout, so a real banner may still correct it. */
  assumed = false;
  /** The flags in use. */
  flags: ProtocolFlags | undefined;

  /** Record a `#version-connect name version...` entry. */
  recordVersion(msg: Message): void {
    if (msg.arguments.length >= 2) this.versions.set(msg.arg(0), msg.arguments.slice(1).map((b) => b.toString('utf8')));
  }

  /** Store `#request-timeout-hint name seconds` informs; returns the malformed ones. */
  storeHints(informs: readonly Message[]): Message[] {
    // upper-floors seam: the one #request-timeout-hint parser (interface-informs.ts).
    const bad: Message[] = [];
    for (const inform of informs) {
      try {
        const h = parseTimeoutHintInform(inform);
        if (h.timeoutHint !== undefined) this.hints.set(h.name, h.timeoutHint);
      } catch {
        bad.push(inform);
      }
    }
    return bad;
  }

  /**
   * Decide what a banner means: while negotiating, the first banner decides (a refused version
   * ends the connection); a real banner after the timeout's assumption replaces it; otherwise a
   * disagreeing banner is only worth a warning (the first detection stands, unlike katcp-python,
   * which disconnects for good).
   */
  judge(outcome: BannerOutcome, negotiating: boolean, preset: boolean, text: string): BannerAction {
    if (negotiating && !this.decided) {
      return outcome.kind === 'error' ? { kind: 'refuse', error: outcome.error } : { kind: 'adopt', flags: outcome.flags, connect: true };
    }
    if (this.assumed && !preset) {
      return outcome.kind === 'error' ? { kind: 'refuse', error: outcome.error } : { kind: 'adopt', flags: outcome.flags, connect: false };
    }
    const current = this.flags;
    if (outcome.kind === 'error' || current === undefined) return { kind: 'warn', message: `ignored a protocol banner after negotiation: ${text}` };
    const consistent = outcome.flags.equals(current) || (outcome.source === 'v4-banner' && current.major === 4);
    return consistent ? { kind: 'none' } : { kind: 'warn', message: `ignored protocol banner ${text}: the connection already uses KATCP ${current.toString()}` };
  }
}
