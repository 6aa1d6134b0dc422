import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMessage, formatMessages, escapeArgument, unescapeArgument } from '../../lib/codec/format.js';
import { Message } from '../../lib/codec/message.js';

const wire = (b: Buffer): string => b.toString('latin1');

describe('format', () => {
  it('format - type, name, mid in brackets, one space per argument, final LF', () => {
    assert.equal(wire(formatMessage(Message.parse('?set-rate[123] 4.1 x'))), '?set-rate[123] 4.1 x\n');
    assert.equal(wire(formatMessage(Message.parse('#a'))), '#a\n');
    assert.equal(wire(formatMessage(Message.parse('!b[1]'))), '!b[1]\n');
  });

  it('format - mids of every width', () => {
    for (const mid of [1, 9, 10, 99, 100, 12345, 999999999, 1000000000, 2147483647]) {
      assert.equal(wire(formatMessage(new Message('?', 'x', [], mid))), `?x[${mid}]\n`);
    }
  });

  it('format - escapes exactly the seven special bytes and writes \\@ only for an empty argument', () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const out = formatMessage(new Message('#', 'b', [all, Buffer.alloc(0)]));
    const expected = Buffer.concat([
      Buffer.from('#b ', 'latin1'),
      Buffer.from(
        [...all]
          .map((b) => ({ 0: '\\0', 9: '\\t', 10: '\\n', 13: '\\r', 27: '\\e', 32: '\\_', 92: '\\\\' })[b] ?? String.fromCharCode(b))
          .join(''),
        'latin1',
      ),
      Buffer.from(' \\@\n', 'latin1'),
    ]);
    assert.ok(out.equals(expected));
  });

  it('format - long arguments and long names take the bulk-copy paths', () => {
    const plain = Buffer.alloc(1000, 0x61);
    const mixed = Buffer.from(`${'a'.repeat(100)} ${'b'.repeat(100)}\\${'c'.repeat(50)}`);
    const name = `n${'-x'.repeat(40)}`;
    const msg = new Message('#', name, [plain, mixed]);
    const text = wire(formatMessage(msg));
    assert.equal(text, `#${name} ${'a'.repeat(1000)} ${'a'.repeat(100)}\\_${'b'.repeat(100)}\\\\${'c'.repeat(50)}\n`);
    assert.ok(Message.parse(text).equals(msg));
  });

  it('format - accepts any message-like object', () => {
    const out = formatMessage({ mtype: '!', name: 'ok', mid: undefined, arguments: [new Uint8Array([0x20])] });
    assert.equal(wire(out), '!ok \\_\n');
  });

  it('format - formatMessages copies already formatted lines as they are, in order with messages', () => {
    const line = Buffer.from('#sensor-status 1.5 1 x nominal 2\n');
    const msgs = [Message.parse('#a[1] x'), line, new Uint8Array(Buffer.from('#raw \\_\n')), Message.parse('!c ok 2')];
    assert.equal(wire(formatMessages(msgs)), '#a[1] x\n#sensor-status 1.5 1 x nominal 2\n#raw \\_\n!c ok 2\n');
    assert.equal(formatMessages([line]), line, 'a lone Buffer goes out as it is, without a copy');
    const bytes = Buffer.from('xx#v\n').subarray(2);
    assert.equal(wire(formatMessages([new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)])), '#v\n', 'a lone plain Uint8Array view');
  });

  it('format - formatMessages writes a batch back to back in one buffer', () => {
    const msgs = [Message.parse('#a[1] x'), Message.inform('b', ''), Message.reply('c', 'ok', 2)];
    assert.equal(wire(formatMessages(msgs)), '#a[1] x\n#b \\@\n!c ok 2\n');
    assert.equal(wire(formatMessages(msgs.slice(0, 1))), '#a[1] x\n');
    assert.equal(formatMessages([]).length, 0);
    const many = Array.from({ length: 300 }, (_, i) => Message.inform('m', i, 'a b', ''));
    assert.equal(wire(formatMessages(many)), many.map((m) => wire(formatMessage(m))).join(''));
  });

  it('format - the contract re-exports the escape helpers', () => {
    assert.equal(wire(escapeArgument(Buffer.from('a b'))), 'a\\_b');
    assert.equal(wire(unescapeArgument(Buffer.from('a\\_b'))), 'a b');
  });
});
