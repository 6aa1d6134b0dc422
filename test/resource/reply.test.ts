import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../lib/codec/message.js';
import { KatcpReply } from '../../lib/resource/reply.js';
import { FailReply, InvalidReply, KatcpRangeError, KatcpTimeoutError, KatcpTypeError } from '../../lib/errors.js';

test('reply - string forms match katcp-python str() and repr() (upstream test_KATCPReply)', () => {
  const a = new KatcpReply(Message.parse('!watchdog[123] ok'), []);
  assert.equal(a.toReadableString(), '!watchdog ok');
  assert.equal(String(a), '!watchdog[123] ok');
  const b = new KatcpReply(Message.parse('!help[123] this is\\_a\\_test'), []);
  assert.equal(b.toReadableString(), '!help this is a test');
  assert.equal(String(b), '!help[123] this is\\_a\\_test');
});

test('reply - succeeded, status, values and typed accessors skip the status word', () => {
  const r = new KatcpReply(Message.parse('!add[7] ok 9.0 3 1 hello\\_there'), [Message.parse('#add[7] note')]);
  assert.equal(r.succeeded, true);
  assert.equal(r.status, 'ok');
  assert.equal(r.reason, '');
  assert.deepEqual(r.args, ['9.0', '3', '1', 'hello there']);
  assert.equal(r.float(0), 9);
  assert.equal(r.int(1), 3);
  assert.equal(r.bool(2), true);
  assert.equal(r.text(3), 'hello there');
  assert.equal(r.decode('string', 3), 'hello there');
  assert.throws(() => r.int(0), KatcpTypeError);
  assert.throws(() => r.text(9), KatcpTypeError);
  assert.equal(r.messages.length, 2);
  assert.equal(String(r), '#add[7] note\n!add[7] ok 9.0 3 1 hello\\_there');
  assert.equal(r.check(), r);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), { succeeded: true, reply: '!add[7] ok 9.0 3 1 hello\\_there', informs: ['#add[7] note'] });
});

test('reply - failures: fail and invalid replies, and synthesized ones with the cause', () => {
  const fail = new KatcpReply(Message.parse('!x fail bad\\_thing'));
  assert.equal(fail.succeeded, false);
  assert.equal(fail.reason, 'bad thing');
  assert.throws(() => fail.check(), FailReply);
  const inv = new KatcpReply(Message.parse('!x invalid wrong'));
  assert.throws(() => inv.check(), InvalidReply);
  const err = new KatcpTimeoutError('request ?slow timed out after 10 ms');
  const synth = KatcpReply.failure('slow', err);
  assert.equal(synth.succeeded, false);
  assert.equal(synth.error, err);
  assert.equal(String(synth), '!slow fail request\\_?slow\\_timed\\_out\\_after\\_10\\_ms');
  assert.throws(() => synth.check(), (e: unknown) => e instanceof FailReply && e.cause === err);
  // A request message, as katcp-python returns when not connected, is never a success.
  assert.equal(new KatcpReply(Message.parse('?watchdog ok')).succeeded, false);
});

test('reply - int() is a number (reply.int(0) + 1 compiles); beyond 2^53 it points to bigint()', () => {
  const r = new KatcpReply(Message.parse('!x ok 41 9007199254740993'));
  const n: number = r.int(0) + 1;
  assert.equal(n, 42);
  assert.throws(() => r.int(1), (e: unknown) => e instanceof KatcpRangeError && /bigint\(1\)/.test(e.message));
  assert.equal(r.bigint(1), 9007199254740993n);
  assert.equal(r.bigint(0), 41n);
});
