import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../lib/codec/message.js';
import { isPrintable, jsonMessage, jsonValue, readableMessage, requestArgument, showArg, showValue, splitWords } from '../../lib/cli/format.js';

describe('cli/format', () => {
  const msg = Message.parse('!echo[7] ok a\\_b \\0\\e \\@');

  it('readableMessage - escapes undone, no message id, control bytes as \\xNN', () => {
    assert.equal(readableMessage(msg), '!echo ok a b \\x00\\x1b ');
  });

  it('readableMessage - hex and auto-hex (hex only for arguments that are not printable)', () => {
    assert.equal(readableMessage(msg, 'hex'), '!echo 0x6f6b 0x612062 0x001b 0x');
    assert.equal(readableMessage(msg, 'auto-hex'), '!echo ok a b 0x001b ');
    assert.equal(isPrintable(Buffer.from([0xff])), false);
    assert.equal(showArg(Buffer.from([0x61, 0xff]), 'text'), 'a\\xff');
  });

  it('jsonMessage - keeps the message id and the arguments as text', () => {
    assert.deepEqual(jsonMessage(msg), { name: 'echo', mid: 7, arguments: ['ok', 'a b', '\u0000\u001b', ''] });
  });

  it('requestArgument - 0x arguments are bytes only in hex modes', () => {
    assert.deepEqual(requestArgument('0x00ff', 'auto-hex'), Buffer.from([0, 255]));
    assert.equal(requestArgument('0x00ff', 'text'), '0x00ff');
    assert.equal(requestArgument('0xabc', 'hex'), '0xabc');
  });

  it('showValue - buffers, addresses, numbers', () => {
    assert.equal(showValue(Buffer.from('x\ny')), 'x\\ny');
    assert.equal(showValue(3.25), '3.25');
    assert.equal(showValue(undefined), '');
  });

  it('splitWords - quotes keep spaces, backslash escapes; an open quote is an error', () => {
    assert.deepEqual(splitWords(`?set-sensor "a b" 'c d' e\\ f ""`), ['?set-sensor', 'a b', 'c d', 'e f', '']);
    assert.throws(() => splitWords('say "unfinished'), /unterminated/);
  });
});

describe('cli/format JSON values', () => {
  it('keep every byte of a value that is not UTF-8 (as hex), text stays text', () => {
    assert.deepEqual(jsonValue(Buffer.from([0x72, 0x61, 0x77, 0x00, 0xff])), { hex: '72617700ff' });
    assert.equal(jsonValue(Buffer.from('héllo')), 'héllo');
  });
});
