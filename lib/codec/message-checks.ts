/**
 * What a built message's parts must be: a name of `[A-Za-z][A-Za-z0-9-]*`, a message id from 1 to
 * 2^31-1, arguments of bytes. The parser checks lines itself while scanning; these check what a
 * caller hands to the `Message` constructor and its factories.
 * @module
 */
import { KatcpSyntaxError, KatcpTypeError } from '../errors.js';
import { MAX_MID } from './scan.js';

const NAME_RE = /^[A-Za-z][A-Za-z0-9-]*$/;

// The name most recently found valid: a client sends the same few names over and over.
let lastValidName: string | undefined;

/** Throws KatcpSyntaxError `bad-name` unless `name` is a valid message name. */
export function checkName(name: string): void {
  if (name === lastValidName) return;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new KatcpSyntaxError('bad-name', `invalid message name ${JSON.stringify(name)}: must match [A-Za-z][A-Za-z0-9-]*`, Buffer.from(String(name)));
  }
  lastValidName = name;
}

/** Throws KatcpSyntaxError `bad-mid` or `mid-overflow` unless `mid` is undefined or a valid id (`raw` goes into the error). */
export function checkMid(mid: number | undefined, raw: string): void {
  if (mid === undefined) return;
  if (!Number.isInteger(mid) || mid < 1) {
    throw new KatcpSyntaxError('bad-mid', `message id must be an integer from 1 to ${MAX_MID}, not ${String(mid)}`, Buffer.from(raw));
  }
  if (mid > MAX_MID) {
    throw new KatcpSyntaxError('mid-overflow', `message id ${mid} exceeds ${MAX_MID}`, Buffer.from(raw));
  }
}

/** Argument `i` as a Buffer (a Uint8Array is viewed, not copied); throws KatcpTypeError otherwise. */
export function toBuffer(arg: unknown, i: number): Buffer {
  if (Buffer.isBuffer(arg)) return arg;
  if (arg instanceof Uint8Array) return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength);
  throw new KatcpTypeError('bytes', `message argument ${i} must be a Buffer or Uint8Array, not ${typeof arg} (use Message.request/inform/reply to encode values)`);
}
