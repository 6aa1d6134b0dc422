import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KatcpTypeError } from '../../lib/errors.js';
import { Address } from '../../lib/codec/address.js';
import { Message } from '../../lib/codec/message.js';
import { LineParser } from '../../lib/codec/parser.js';
import { ProtocolFlags } from '../../lib/codec/protocol-flags.js';
import { decodeValue } from '../../lib/codec/types.js';

/** JavaScript callers (no type checker) passing the wrong kind of value. */
const calls: [string, () => unknown, RegExp][] = [
  ['Message.parse(123)', () => Message.parse(123 as never), /Message\.parse\(\) takes a Buffer, Uint8Array or string, not 123/],
  ['Message.parse(null)', () => Message.parse(null as never), /not null/],
  ['LineParser.feed(string)', () => new LineParser().feed('?a\n' as never), /feed\(\) takes a Buffer or Uint8Array, not "\?a\\n"/],
  ['LineParser.feed(null)', () => new LineParser().feed(null as never), /feed\(\) takes a Buffer or Uint8Array, not null/],
  ['decodeValue(float, 5)', () => decodeValue('float', 5 as never), /decodeValue\(\) takes a Buffer, Uint8Array or string, not 5/],
  ['decodeValue(integer, null)', () => decodeValue('integer', null as never), /not null/],
  ['ProtocolFlags.parse(5)', () => ProtocolFlags.parse(5 as never), /ProtocolFlags\.parse\(\) takes a Buffer, Uint8Array or string, not 5/],
  ['Address.parse(undefined)', () => Address.parse(undefined as never), /Address\.parse\(\) takes a Buffer, Uint8Array or string, not undefined/],
  ['new Message(args not an array)', () => new Message('?', 'a', 'x' as never), /message arguments must be an array/],
];

describe('codec entry points - wrong JS argument types', () => {
  for (const [what, call, message] of calls) {
    it(`input - ${what} throws a KatcpTypeError saying what it takes`, () => {
      assert.throws(call, (err: unknown) => {
        assert.ok(err instanceof KatcpTypeError, `${what} threw ${String(err)}`);
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
