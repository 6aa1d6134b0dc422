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
