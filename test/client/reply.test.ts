import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../lib/codec/message.js';
import { interpretReply } from '../../lib/client/reply.js';
import { FailReply, InvalidReply } from '../../lib/errors.js';

test('interpretReply - ok gives the arguments after ok, for parsed and built replies alike', () => {
  for (const reply of [Message.parse('!x[4] ok a\\_b 2'), Message.reply('x', 'ok', 'a b', 2)]) {
    const got = interpretReply('x', reply, []);
    assert.deepEqual(got.reply.map(String), ['a b', '2']);
  }
  assert.deepEqual(interpretReply('x', Message.parse('!x ok'), []).reply, []);
  const informs = [Message.parse('#x 1')];
  assert.equal(interpretReply('x', Message.parse('!x[1] ok'), informs).informs, informs);
});

test('interpretReply - fail, unknown codes and empty replies are typed errors', () => {
  assert.throws(() => interpretReply('x', Message.parse('!x fail on\\_fire'), []), (e: unknown) => e instanceof FailReply && e.message.includes('on fire'));
  assert.throws(() => interpretReply('x', Message.parse('!x fail'), []), FailReply);
  assert.throws(() => interpretReply('x', Message.parse('!x okay'), []), InvalidReply);
  assert.throws(() => interpretReply('x', Message.parse('!x ok\\_'), []), InvalidReply);
  assert.throws(() => interpretReply('x', Message.parse('!x'), []), (e: unknown) => e instanceof InvalidReply && /empty reply to \?x/.test(e.message));
});
