import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KatcpTypeError } from '../../lib/errors.js';
import { Address } from '../../lib/codec/address.js';
import { Message } from '../../lib/codec/message.js';
import { encodeArgument } from '../../lib/codec/types.js';

type Tagged = Record<string, unknown>;
interface ArgumentVector {
  value: unknown;
  wire?: string;
  error?: string;
}
interface MessageVector {
  description: string;
  factory: 'request' | 'reply' | 'inform' | 'replyTo' | 'informReply';
  name?: string;
  request?: string;
  args: unknown[];
  wire: string;
}

const file = new URL('../../fixtures/codec/arguments.json', import.meta.url);
const fixture = JSON.parse(readFileSync(file, 'utf8')) as { arguments: ArgumentVector[]; messages: MessageVector[] };

/** Turns a tagged fixture value into the JS value it stands for. */
function value(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const t = v as Tagged;
  if ('$float' in t) return { nan: NaN, inf: Infinity, '-inf': -Infinity, '-0.0': -0 }[String(t.$float)];
  if ('$bigint' in t) return BigInt(String(t.$bigint));
  if ('$bytes' in t) return Buffer.from(String(t.$bytes), 'hex');
  if ('$address' in t) return Address.parse(String(t.$address));
  if ('$undefined' in t) return undefined;
  if ('$object' in t) return {};
  if ('$array' in t) return [];
  throw new Error(`unknown tag in ${JSON.stringify(v)}`);
}

describe('encodeArgument and the Message factories - golden vectors (fixtures/codec/arguments.json)', () => {
  it('golden - the fixture holds argument and message cases', () => {
    assert.ok(fixture.arguments.length >= 25);
    assert.ok(fixture.messages.length >= 5);
  });

  for (const v of fixture.arguments) {
    const label = JSON.stringify(v.value);
    if (v.error !== undefined) {
      it(`golden argument - ${label} is refused`, () => {
        assert.throws(() => encodeArgument(value(v.value)), (e: unknown) => e instanceof KatcpTypeError && e.message.includes(v.error!));
      });
    } else {
      it(`golden argument - ${label} encodes as ${JSON.stringify(v.wire)}`, () => {
        assert.equal(encodeArgument(value(v.value)).toString('latin1'), v.wire);
      });
    }
  }

  for (const m of fixture.messages) {
    it(`golden message - ${m.description}`, () => {
      const args = m.args.map(value);
      let msg: Message;
      if (m.factory === 'replyTo' || m.factory === 'informReply') msg = Message[m.factory](Message.parse(m.request!), ...args);
      else msg = Message[m.factory](m.name!, ...args);
      assert.equal(msg.toBytes().toString('latin1'), `${m.wire}\n`);
      assert.ok(Message.parse(msg.toBytes()).equals(msg), 'parses back to the same message');
    });
  }
});
