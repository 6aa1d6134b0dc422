import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Message, MessageType } from '../../lib/codec/message.js';
import { KatcpSyntaxError, KatcpTypeError } from '../../lib/errors.js';

const kind = (k: string) => (err: unknown): boolean => {
  assert.ok(err instanceof KatcpSyntaxError, String(err));
  assert.equal(err.kind, k);
  return true;
};

describe('message', () => {
  it('message - request() encodes plain values by type (aiokatcp example)', () => {
    const binary = Buffer.from('_bin ary\xff\x00\n\r\t\\\x1b', 'latin1');
    const msg = Message.request('hello', 'café', binary, 123, 234.5, true, false, '');
    assert.equal(msg.mtype, '?');
    assert.equal(msg.name, 'hello');
    assert.equal(msg.mid, undefined);
    assert.deepEqual(
      msg.arguments.map((a) => a.toString('latin1')),
      ['caf\xc3\xa9', '_bin ary\xff\x00\n\r\t\\\x1b', '123', '234.5', '1', '0', ''],
    );
    assert.equal(
      msg.toBytes().toString('latin1'),
      '?hello caf\xc3\xa9 _bin\\_ary\xff\\0\\n\\r\\t\\\\\\e 123 234.5 1 0 \\@\n',
    );
  });

  it('message - integer-valued numbers format as integers, others as Python floats', () => {
    const msg = Message.inform('n', 5, -3, 1e20, 0.1, 1e-5, Infinity, 12345678901234567890n);
    assert.equal(msg.toString(), '#n 5 -3 100000000000000000000 0.1 1e-05 inf 12345678901234567890');
  });

  it('message - factories refuse values that have no KATCP encoding', () => {
    for (const bad of [null, undefined, {}, [], () => 1, Symbol('x')]) {
      assert.throws(() => Message.request('x', bad), KatcpTypeError);
    }
  });

  it('message - reply with a mid (aiokatcp example)', () => {
    const msg = Message.reply('fail', 'on fire').withMid(234);
    assert.equal(msg.toBytes().toString(), '!fail[234] on\\_fire\n');
    assert.equal(msg.mtype, MessageType.Reply);
  });

  it('message - request, reply and inform set the type', () => {
    assert.equal(Message.request('a').mtype, '?');
    assert.equal(Message.reply('a').mtype, '!');
    assert.equal(Message.inform('a').mtype, '#');
    assert.deepEqual(MessageType, { Request: '?', Reply: '!', Inform: '#' });
  });

  it('message - replyTo and informReply copy the name and mid of the request', () => {
    const req = Message.parse('?sensor-value[42] foo');
    const reply = Message.replyTo(req, 'ok', 1);
    assert.equal(reply.toString(), '!sensor-value[42] ok 1');
    const inform = Message.informReply(req, 1.5, 1, 'foo', 'nominal', 3);
    assert.equal(inform.toString(), '#sensor-value[42] 1.5 1 foo nominal 3');
    assert.equal(Message.replyTo(Message.request('x')).toString(), '!x');
  });

  it('message - replyTo works for a lenient request whose name is not strictly valid', () => {
    const req = Message.parse('?tap_start[3] x', { lenient: true });
    assert.equal(Message.replyTo(req, 'ok').toString(), '!tap_start[3] ok');
  });

  it('message - the constructor validates the name', () => {
    for (const name of ['underscores_bad', '', '1numberfirst', '-a', 'a b', 'a.b', 'é']) {
      assert.throws(() => new Message('?', name), kind('bad-name'), name);
    }
    assert.throws(() => Message.request('bad name'), kind('bad-name'));
    assert.equal(new Message('?', 'A-1b').name, 'A-1b');
  });

  it('message - request, inform and reply check the name every time, also right after a valid one', () => {
    const makers = [(n: string, ...a: unknown[]) => Message.request(n, ...a), (n: string) => Message.inform(n), (n: string) => Message.reply(n)];
    for (const make of makers) {
      assert.equal(make('ok-name', 1).name, 'ok-name');
      for (const name of ['', 'a b', 'ok_name', 'ok-name ']) assert.throws(() => make(name), kind('bad-name'), JSON.stringify(name));
      assert.equal(make('ok-name').toString().slice(1), 'ok-name');
    }
    assert.throws(() => Message.request(42 as unknown as string), kind('bad-name'));
  });

  it('message - the constructor validates the mid', () => {
    assert.throws(() => new Message('?', 'a', [], 0), kind('bad-mid'));
    assert.throws(() => new Message('?', 'a', [], -1), kind('bad-mid'));
    assert.throws(() => new Message('?', 'a', [], 1.5), kind('bad-mid'));
    assert.throws(() => new Message('?', 'a', [], NaN), kind('bad-mid'));
    assert.throws(() => new Message('?', 'a', [], 0x1000000000), kind('mid-overflow'));
    assert.throws(() => new Message('?', 'a', [], 2 ** 31), kind('mid-overflow'));
    assert.equal(new Message('?', 'a', [], 2 ** 31 - 1).mid, 2147483647);
    assert.equal(new Message('?', 'a', [], 345).mid, 345);
  });

  it('message - the constructor validates the type and argument bytes', () => {
    assert.throws(() => new Message('x' as MessageType, 'a'), kind('bad-type'));
    assert.throws(() => new Message('?', 'a', ['text' as unknown as Buffer]), KatcpTypeError);
    const u8 = new Uint8Array([1, 2, 3]);
    const msg = new Message('#', 'a', [u8 as unknown as Buffer]);
    assert.ok(Buffer.isBuffer(msg.arguments[0]));
    assert.deepEqual([...msg.arguments[0]], [1, 2, 3]);
  });

  it('message - the constructor copies the argument array', () => {
    const args = [Buffer.from('a')];
    const msg = new Message('#', 'x', args);
    args.push(Buffer.from('b'));
    assert.equal(msg.arguments.length, 1);
  });

  it('message - withMid replaces or removes the mid and validates it', () => {
    const msg = Message.request('a', 'x');
    assert.equal(msg.withMid(9).toString(), '?a[9] x');
    assert.equal(msg.withMid(9).withMid(undefined).toString(), '?a x');
    assert.throws(() => msg.withMid(0), kind('bad-mid'));
    assert.throws(() => msg.withMid(2 ** 31), kind('mid-overflow'));
  });

  it('message - withMid of a parsed message gives a copy with the new id and leaves the original as it was', () => {
    const parsed = Message.parse('#sensor-value[5] 1.5 1 a\\_b nominal 3');
    const copy = parsed.withMid(77);
    assert.equal(copy.toString(), '#sensor-value[77] 1.5 1 a\\_b nominal 3');
    assert.equal(copy.mid, 77);
    assert.equal(parsed.mid, 5);
    assert.equal(parsed.toString(), '#sensor-value[5] 1.5 1 a\\_b nominal 3');
    assert.equal(parsed.withMid(undefined).mid, undefined);
  });

  it('message - type, name and id stay the same after the arguments of a parsed message are built', () => {
    const msg = Message.parse('!watchdog[12] ok x');
    assert.equal(msg.arguments.length, 2);
    assert.deepEqual([msg.mtype, msg.name, msg.mid, msg.argCount, msg.arg(1)], ['!', 'watchdog', 12, 2, 'x']);
    assert.equal(msg.arguments, msg.arguments, 'the same array every time');
  });

  it('message - JSON.stringify shows the type, name and id, built or parsed', () => {
    assert.equal(JSON.stringify(Message.parse('?help[3] x')), '{"mtype":"?","name":"help","mid":3}');
    assert.equal(JSON.stringify(Message.inform('log', 'x')), '{"mtype":"#","name":"log"}');
  });

  it('message - parse accepts LF, CR, CRLF or no line end', () => {
    for (const line of ['?a b', '?a b\n', '?a b\r', '?a b\r\n']) {
      assert.equal(Message.parse(line).toString(), '?a b');
    }
  });

  it('message - parse rejects more than one line', () => {
    assert.throws(() => Message.parse('?a\n?b\n'), kind('internal-newline'));
    assert.throws(() => Message.parse('?a\n\n'), kind('internal-newline'));
    assert.throws(() => Message.parse('?a\n\r'), kind('internal-newline'));
  });

  it('message - parse errors keep the raw line and say what and where (aiokatcp cases)', () => {
    const cases: [string, string][] = [
      ['', 'empty'],
      ['\n', 'empty'],
      ['\t \t\n', 'empty'],
      [' !ok\n', 'bad-type'],
      ['?bad_name message', 'bad-name'],
      ['? message', 'bad-name'],
      ['!ok[1000000000000]\n', 'mid-overflow'],
      ['!ok[0]\n', 'bad-mid'],
      ['!ok[10\n', 'bad-mid'],
      ['!ok[a]\n', 'bad-mid'],
      ['%ok\n', 'bad-type'],
      ['!ok \\q\n', 'invalid-escape'],
      ['!ok q\\ other\n', 'invalid-escape'],
      ['!ok \x1b\n', 'unescaped-special'],
      ['!ok a\\', 'trailing-backslash'],
    ];
    for (const [line, k] of cases) assert.throws(() => Message.parse(line), kind(k), JSON.stringify(line));
    try {
      Message.parse('!ok ab\\q\n');
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof KatcpSyntaxError);
      assert.equal(err.message, "invalid escape '\\q' at byte 7");
      assert.equal(err.position, 7);
      assert.equal(err.raw.toString(), '!ok ab\\q');
      assert.equal(err.name, 'KatcpSyntaxError');
    }
  });

  it('message - parse of a string encodes it as UTF-8', () => {
    const msg = Message.parse('#x café');
    assert.equal(msg.arg(0), 'café');
    assert.deepEqual([...msg.arguments[0]!], [0x63, 0x61, 0x66, 0xc3, 0xa9]);
  });

  it('message - parse result does not share memory with the input', () => {
    const line = Buffer.from('#x abc\n');
    const msg = Message.parse(line);
    line.fill(0x7a);
    assert.equal(msg.arg(0), 'abc');
  });

  it('message - parse accepts a Uint8Array', () => {
    const msg = Message.parse(new TextEncoder().encode('!ok[3] 1\n'));
    assert.equal(msg.toString(), '!ok[3] 1');
  });

  it('message - parse in lenient mode', () => {
    const msg = Message.parse('xx#x a\\qb \x00', { lenient: true });
    assert.deepEqual(msg.arguments, [Buffer.from('aqb'), Buffer.from([0])]);
    assert.throws(() => Message.parse('xx#x', { lenient: false }), kind('bad-type'));
  });

  it('message - equals compares type, name, mid and argument bytes', () => {
    const a = Message.parse('?a[1] x y');
    assert.ok(a.equals(Message.parse('?a[1] x y')));
    assert.ok(a.equals(a));
    assert.ok(!a.equals(Message.parse('!a[1] x y')));
    assert.ok(!a.equals(Message.parse('?b[1] x y')));
    assert.ok(!a.equals(Message.parse('?a[2] x y')));
    assert.ok(!a.equals(Message.parse('?a x y')));
    assert.ok(!a.equals(Message.parse('?a[1] x')));
    assert.ok(!a.equals(Message.parse('?a[1] x z')));
    assert.ok(!a.equals({ ...a } as unknown as Message));
  });

  it('message - isReplyOk is true only for a reply whose first argument is ok', () => {
    assert.equal(Message.parse('!query ok').isReplyOk, true);
    assert.equal(Message.parse('!query ok 3').isReplyOk, true);
    assert.equal(Message.parse('!query fail error').isReplyOk, false);
    assert.equal(Message.parse('?query ok').isReplyOk, false);
    assert.equal(Message.parse('#query ok').isReplyOk, false);
    assert.equal(Message.parse('!query okay').isReplyOk, false);
    assert.equal(Message.parse('!query').isReplyOk, false);
  });

  it('message - arg(i) decodes UTF-8 and gives an empty string when absent', () => {
    const msg = Message.request('x', 'µs', Buffer.from([0xff]));
    assert.equal(msg.arg(0), 'µs');
    assert.equal(msg.arg(1), '\ufffd');
    assert.equal(msg.arg(2), '');
    assert.equal(msg.arg(-1), '');
  });

  it('message - toString shows the escaped wire form with one character per byte', () => {
    const msg = Message.inform('x', Buffer.from([0xe9, 0x20]), '');
    assert.equal(msg.toString(), '#x \xe9\\_ \\@');
    assert.equal(inspect(msg), 'Message(#x \xe9\\_ \\@)');
  });
});
