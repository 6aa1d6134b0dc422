import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineParser, DEFAULT_MAX_LINE_LENGTH, VIEW_CHUNK_LIMIT } from '../../lib/codec/parser.js';
import { Message } from '../../lib/codec/message.js';
import { KatcpSyntaxError } from '../../lib/errors.js';

type Item = Message | KatcpSyntaxError;
const show = (items: Item[]): string[] =>
  items.map((x) => (x instanceof Message ? x.toString() : `error ${x.kind}@${x.position}`));
const feedParts = (p: LineParser, parts: (string | Buffer)[]): Item[] =>
  parts.flatMap((part) => p.feed(typeof part === 'string' ? Buffer.from(part, 'latin1') : part));

describe('parser', () => {
  it('parser - defaults: 16 MiB limit, strict', () => {
    const p = new LineParser();
    assert.equal(p.maxLineLength, DEFAULT_MAX_LINE_LENGTH);
    assert.equal(DEFAULT_MAX_LINE_LENGTH, 16 * 1024 * 1024);
    assert.equal(p.lenient, false);
    assert.throws(() => new LineParser({ maxLineLength: 1 }), RangeError);
    assert.throws(() => new LineParser({ maxLineLength: NaN }), RangeError);
  });

  it('parser - returns messages and errors in stream order', () => {
    const p = new LineParser();
    const items = p.feed(Buffer.from('#a 1\nbad\n?b[2] x\n!c \\q\n#d\n'));
    assert.deepEqual(show(items), ['#a 1', 'error bad-type@1', '?b[2] x', 'error invalid-escape@4', '#d']);
  });

  it('parser - LF or CR ends a line; CRLF is a line and an empty line', () => {
    const p = new LineParser();
    assert.deepEqual(show(p.feed(Buffer.from('#a\r#b\n#c\r\n#d\n\r\n\r'))), ['#a', '#b', '#c', '#d']);
  });

  it('parser - ignores blank and whitespace-only lines', () => {
    const p = new LineParser();
    assert.deepEqual(show(p.feed(Buffer.from('\n\n \t \n\t\r#a\n   \n'))), ['#a']);
    assert.equal(p.end(), undefined);
  });

  it('parser - keeps a line split across chunks, including inside an escape and between CR and LF', () => {
    const p = new LineParser();
    const parts = ['?hel', 'lo[1', '2] a\\', '_b \\', '@', ' c\r', '\n#x', '', '\n', '#y a\\', '\\z\n'];
    const items = feedParts(p, parts);
    assert.deepEqual(show(items), ['?hello[12] a\\_b \\@ c', '#x', '#y a\\\\z']);
    assert.deepEqual(items[0] instanceof Message && items[0].arguments.map(String), ['a b', '', 'c']);
  });

  it('parser - buffered counts the bytes of an unfinished line', () => {
    const p = new LineParser();
    p.feed(Buffer.from('#a\n#bc'));
    assert.equal(p.buffered, 3);
    p.feed(Buffer.from('de'));
    assert.equal(p.buffered, 5);
    assert.deepEqual(show(p.feed(Buffer.from('\n'))), ['#bcde']);
    assert.equal(p.buffered, 0);
  });

  it('parser - copies an unfinished line, so the caller may reuse its chunk', () => {
    const p = new LineParser();
    const chunk = Buffer.from('#a xy');
    p.feed(chunk);
    chunk.fill(0x21);
    assert.deepEqual(show(p.feed(Buffer.from('z\n'))), ['#a xyz']);
  });

  it('parser - accepts a plain Uint8Array', () => {
    const p = new LineParser();
    const items = p.feed(new TextEncoder().encode('#a b\n'));
    assert.ok(items[0] instanceof Message);
    assert.ok(Buffer.isBuffer(items[0].arguments[0]));
  });

  it('parser - arguments of small chunks are views, of large chunks copies', () => {
    const p = new LineParser();
    const small = Buffer.from('#a bcd\n');
    const m1 = p.feed(small)[0];
    assert.ok(m1 instanceof Message);
    assert.equal(m1.arguments[0]!.buffer, small.buffer, 'no copy for a socket-sized chunk');
    const line = Buffer.from('#a bcd\n');
    const big = Buffer.concat([line, Buffer.alloc(VIEW_CHUNK_LIMIT, 0x0a)]);
    const m2 = p.feed(big)[0];
    assert.ok(m2 instanceof Message);
    assert.notEqual(m2.arguments[0]!.buffer, big.buffer, 'a kept argument does not pin a large chunk');
    assert.equal(m2.arg(0), 'bcd');
  });

  it('parser - an overlong line is reported once, as soon as it passes the limit, and the parser recovers', () => {
    const p = new LineParser({ maxLineLength: 25 });
    const out: Item[] = [];
    out.push(...p.feed(Buffer.from('?foo a_string_that')));
    assert.equal(out.length, 0);
    out.push(...p.feed(Buffer.from('_doesnt_fit')));
    assert.deepEqual(show(out), ['error line-too-long@26'], 'reported before the line end arrives');
    assert.equal(p.buffered, 0, 'the excess is not buffered');
    for (let i = 0; i < 100; i++) out.push(...p.feed(Buffer.alloc(1000, 0x61)));
    assert.equal(p.buffered, 0);
    out.push(...p.feed(Buffer.from('_in_the_buffer\n?foo short_string\n')));
    assert.deepEqual(show(out), ['error line-too-long@26', '?foo short_string']);
    const err = out[0] as KatcpSyntaxError;
    assert.equal(err.raw.toString(), '?foo a_string_that_doesnt', 'the first maxLineLength bytes');
    assert.match(err.message, /longer than 25 bytes/);
  });

  it('parser - the limit counts the line end', () => {
    const p = new LineParser({ maxLineLength: 5 });
    assert.deepEqual(show(p.feed(Buffer.from('#abc\n#abcd\n#ab'))), ['#abc', 'error line-too-long@6']);
    assert.deepEqual(show(p.feed(Buffer.from('c\n#abcd'))), ['#abc', 'error line-too-long@6']);
    assert.deepEqual(show(p.feed(Buffer.from('\n#a\n'))), ['#a']);
  });

  it('parser - the raw line of an overlong error is truncated', () => {
    const p = new LineParser({ maxLineLength: 100_000 });
    const items = p.feed(Buffer.concat([Buffer.from('#a '), Buffer.alloc(200_000, 0x62), Buffer.from('\n#ok\n')]));
    assert.deepEqual(show(items), ['error line-too-long@100001', '#ok']);
    assert.equal((items[0] as KatcpSyntaxError).raw.length, 1024);
  });

  it('parser - end() reports an unfinished line once and resets', () => {
    const p = new LineParser();
    p.feed(Buffer.from('#a\n?foo nonewline'));
    const err = p.end();
    assert.ok(err instanceof KatcpSyntaxError);
    assert.equal(err.kind, 'no-newline');
    assert.equal(err.raw.toString(), '?foo nonewline');
    assert.equal(err.position, 15);
    assert.equal(p.buffered, 0);
    assert.equal(p.end(), undefined);
    assert.deepEqual(show(p.feed(Buffer.from('#b\n'))), ['#b']);
  });

  it('parser - end() ignores a whitespace-only tail and an overlong line already reported', () => {
    const p = new LineParser({ maxLineLength: 10 });
    p.feed(Buffer.from(' \t '));
    assert.equal(p.end(), undefined);
    assert.equal(show(p.feed(Buffer.from('#aaaaaaaaaaaaaa'))).length, 1);
    assert.equal(p.end(), undefined);
    assert.deepEqual(show(p.feed(Buffer.from('#b\n'))), ['#b']);
  });

  it('parser - reset() forgets an unfinished line', () => {
    const p = new LineParser();
    p.feed(Buffer.from('#partial'));
    p.reset();
    assert.equal(p.buffered, 0);
    assert.deepEqual(show(p.feed(Buffer.from('#a\n'))), ['#a']);
  });

  it('parser - lenient mode', () => {
    const p = new LineParser({ lenient: true });
    const items = p.feed(Buffer.from('junk#fpga ready\\q \x00\x1b\n?list_dev[2]\n#a \\\n', 'latin1'));
    assert.deepEqual(show(items), ['#fpga readyq \\0\\e', '?list_dev[2]', 'error trailing-backslash@4']);
  });

  it('parser - a name that extends, shortens or follows the previous line\'s name is read in full', () => {
    const p = new LineParser();
    const items = p.feed(Buffer.from('#sensor-status 1\n#sensor-statusx 2\n#sensor-statu 3\n#sensor-status[4] 5\n#sensor-status\n#sensor-status\x01 6\n'));
    assert.deepEqual(show(items), ['#sensor-status 1', '#sensor-statusx 2', '#sensor-statu 3', '#sensor-status[4] 5', '#sensor-status', 'error bad-name@15']);
  });

  it('parser - a name accepted only in lenient mode is still refused by a strict parser after it', () => {
    const lenient = new LineParser({ lenient: true });
    const strict = new LineParser();
    assert.deepEqual(show(lenient.feed(Buffer.from('#we!rd 1\n#we!rd 2\n'))), ['#we!rd 1', '#we!rd 2']);
    assert.deepEqual(show(strict.feed(Buffer.from('#we!rd 1\n'))), ['error bad-name@4']);
    assert.deepEqual(show(lenient.feed(Buffer.from('#ok 1\n#ok\x01 2\n'))), ['#ok 1', '#ok\x01 2']);
  });

  it('parser - never throws on hostile input', () => {
    const p = new LineParser({ maxLineLength: 64 });
    const junk = Buffer.from('\\\\\\[[[]]]\x00\x1b\xff?![#]\\', 'latin1');
    for (let i = 0; i < 50; i++) assert.ok(Array.isArray(p.feed(junk)));
    p.feed(Buffer.alloc(0));
    p.end();
  });
});

describe('parser zero-copy', () => {
  const ARENA_LINES = 200; // lines of 20 arguments, one per feed: each feed takes the table over

  it('parser - messages read their arguments from a socket-sized chunk without copying it', () => {
    const p = new LineParser();
    const chunk = Buffer.from('#sensor-status 1.5 1 a.b nominal 3\n#x y\\_z\n');
    const [a, b] = p.feed(chunk) as Message[];
    assert.equal(a!.argBytes(2)!.buffer, chunk.buffer, 'a view of the chunk');
    assert.equal(a!.argBytes(2)!.byteOffset, chunk.byteOffset + 21);
    const escaped = b!.argBytes(0)!;
    chunk.fill(0x21);
    assert.equal(a!.arg(2), '!!!', 'the view shows the (forbidden) change to the chunk');
    assert.equal(escaped.toString(), 'y z', 'an escaped argument was decoded into new memory');
  });

  it('parser - a large chunk is copied in runs of whole lines no larger than the view limit', () => {
    const line = '#sensor-status 1700000000.123 1 foo.bar nominal 3.14\n';
    const big = Buffer.from(line.repeat(Math.ceil((4 * VIEW_CHUNK_LIMIT) / line.length)));
    const items = new LineParser().feed(big);
    assert.equal(items.length, big.length / line.length);
    const buffers = new Set<ArrayBufferLike>();
    for (const item of items) {
      assert.ok(item instanceof Message);
      assert.equal(item.toString(), line.trim());
      const view = item.argBytes(0)!;
      assert.notEqual(view.buffer, big.buffer, 'a kept message does not pin the large chunk');
      assert.ok(view.buffer.byteLength <= VIEW_CHUNK_LIMIT, `a run is at most ${VIEW_CHUNK_LIMIT} bytes, not ${view.buffer.byteLength}`);
      buffers.add(view.buffer);
    }
    assert.ok(buffers.size >= 4 && buffers.size <= 6, `runs of many lines, not one copy per line (${buffers.size})`);
  });

  it('parser - in a large chunk a line longer than the view limit is copied on its own', () => {
    const long = `#long ${'x'.repeat(VIEW_CHUNK_LIMIT + 10)}\n`;
    const big = Buffer.from(`#a 1\n${long}#b 2\n${'#c 3\n'.repeat(20000)}`);
    const items = new LineParser().feed(big) as Message[];
    assert.deepEqual(items.slice(0, 3).map((m) => m.name), ['a', 'long', 'b']);
    const arg = items[1]!.argBytes(0)!;
    assert.equal(arg.length, VIEW_CHUNK_LIMIT + 10);
    assert.equal(arg.buffer.byteLength, long.length - 1, 'exactly the line');
    assert.ok(items[0]!.argBytes(0)!.buffer.byteLength <= VIEW_CHUNK_LIMIT);
    assert.equal(items.length, 20003);
  });

  it('parser - the result of a large chunk holds exactly its items, in order, whether its first run has shorter or longer lines than the rest', () => {
    const short = '#s 1\n';
    const long = `#l ${'y'.repeat(200)}\n`;
    const shortFirst = short.repeat(VIEW_CHUNK_LIMIT / short.length) + long.repeat(1000);
    const longFirst = long.repeat(Math.ceil(VIEW_CHUNK_LIMIT / long.length)) + short.repeat(60000);
    for (const text of [shortFirst, longFirst]) {
      const items = new LineParser().feed(Buffer.from(text));
      const names = text.split('\n').slice(0, -1).map((line) => line.slice(1, 2));
      assert.equal(items.length, names.length);
      assert.equal(Object.keys(items).length, names.length, 'no holes');
      assert.deepEqual(items.map((m) => (m as Message).name), names);
    }
  });

  it('parser - a large chunk with CR line ends, an unfinished line and an overlong line', () => {
    const p = new LineParser({ maxLineLength: 100 });
    const lines = '#a 1\r'.repeat(20000);
    const big = Buffer.from(`${lines}#toolong ${'y'.repeat(200)}\r#b 2\r#partial`);
    const items = p.feed(big);
    assert.equal(items.length, 20002);
    const err = items[20000];
    assert.ok(err instanceof KatcpSyntaxError && err.kind === 'line-too-long');
    assert.notEqual(err.raw.buffer, big.buffer, 'the error keeps a copy of the start of the line');
    assert.equal(show(items.slice(20001)).join(), '#b 2');
    assert.equal(p.buffered, '#partial'.length);
    assert.deepEqual(show(p.feed(Buffer.from(' done\n'))), ['#partial done']);
  });

  it('parser - a line continued in a large chunk, and one without any line end in the window', () => {
    const p = new LineParser();
    p.feed(Buffer.from('#start of'));
    const tail = Buffer.alloc(3 * VIEW_CHUNK_LIMIT, 0x61);
    const items = p.feed(Buffer.concat([Buffer.from(' the line\n#x '), tail, Buffer.from(' end\n#y\n')]));
    assert.deepEqual(items.map((m) => (m as Message).argCount), [3, 2, 0]);
    assert.equal((items[0] as Message).arg(2), 'line');
    assert.equal((items[1] as Message).argBytes(0)!.length, tail.length);
  });

  it('parser - messages stay intact when later lines fill the argument table and a new one is started', () => {
    const p = new LineParser();
    const lineOf = (i: number): string => `#m ${Array.from({ length: 20 }, (_, j) => `${i}.${j}`).join(' ')}\n`;
    const kept: Message[] = [];
    for (let i = 0; i < 2 * ARENA_LINES; i++) kept.push(...(p.feed(Buffer.from(lineOf(i))) as Message[]));
    const wide = `#w ${Array.from({ length: 40000 }, (_, j) => String(j % 10)).join(' ')}\n`;
    const [w] = p.feed(Buffer.from(wide)) as Message[];
    kept.forEach((m, i) => assert.equal(`${m.toString()}\n`, lineOf(i), `message ${i}`));
    assert.equal(w!.argCount, 40000, 'a line with more arguments than a fresh table holds');
    assert.equal(w!.arg(39999), '9');
  });

  it('parser - one chunk whose lines outgrow the argument table keeps every type, name, id and argument', () => {
    // 11 names in turn: more than the parser looks back for, so names repeat in a store's list.
    const lineOf = (i: number): string =>
      `${'?!#'[i % 3]}n${i % 11}${i % 5 === 0 ? '' : `[${i + 1}]`} ${Array.from({ length: 20 }, (_, j) => String(j + i)).join(' ')}\n`;
    const text = Array.from({ length: 450 }, (_, i) => lineOf(i)).join('');
    assert.ok(text.length <= VIEW_CHUNK_LIMIT, 'parsed in place, one store');
    const items = new LineParser().feed(Buffer.from(text)) as Message[];
    assert.equal(items.length, 450);
    items.forEach((m, i) => {
      assert.equal(`${m.toString()}\n`, lineOf(i), `message ${i}`);
      assert.deepEqual([m.mtype, m.name, m.mid], ['?!#'[i % 3], `n${i % 11}`, i % 5 === 0 ? undefined : i + 1]);
    });
  });

  it('parser - messages of one feed from different buffers (a held line completed, the chunk) keep their own type, name and id', () => {
    const p = new LineParser();
    assert.deepEqual(p.feed(Buffer.from('#held[7] a')), []);
    const items = p.feed(Buffer.from(' b\n?x[3] 1\n!y 2\n')) as Message[];
    assert.deepEqual(
      items.map((m) => [m.mtype, m.name, m.mid, m.arguments.map(String)]),
      [
        ['#', 'held', 7, ['a', 'b']],
        ['?', 'x', 3, ['1']],
        ['!', 'y', undefined, ['2']],
      ],
    );
  });

  it('parser - a message read after other buffers were parsed (by any parser, or Message.parse) keeps its type, name, id and arguments', () => {
    const lenient = new LineParser({ lenient: true });
    const [a, b] = lenient.feed(Buffer.from('junk?we!rd[12] x\\_y \\q\n#b[3] 1 2\n', 'latin1')) as Message[];
    const strict = new LineParser();
    const [c] = strict.feed(Buffer.from('#sensor-status 1.5 1 a.b nominal 3\n')) as Message[];
    const [d] = strict.feed(Buffer.from('!other[9] ok\n')) as Message[];
    const parsed = Message.parse('#x 1');
    // Read in turn, so each one's line is found again after another's.
    for (let round = 0; round < 2; round++) {
      assert.deepEqual([a!.mtype, a!.name, a!.mid, a!.argCount, a!.arg(0), a!.arg(1)], ['?', 'we!rd', 12, 2, 'x y', 'q']);
      assert.deepEqual([b!.mtype, b!.name, b!.mid, b!.argInteger(1)], ['#', 'b', 3, 2]);
      assert.deepEqual([c!.name, c!.argFloat(0), c!.argOneOf(3, ['warn', 'nominal']), c!.argIs(2, 'a.b')], ['sensor-status', 1.5, 1, true]);
      assert.deepEqual([d!.mtype, d!.name, d!.mid, d!.isReplyOk], ['!', 'other', 9, true]);
      assert.deepEqual([parsed.name, parsed.arg(0)], ['x', '1']);
    }
    assert.deepEqual(a!.arguments.map((x) => x.toString('latin1')), ['x y', 'q']);
  });

  it('parser - kept messages hold no memory outside the JavaScript heap besides the chunks they came in', () => {
    const line = '#sensor-status 1700000000.123 1 foo.bar nominal 3.14\n';
    const chunks = Array.from({ length: 20 }, () => Buffer.from(line.repeat(Math.floor(VIEW_CHUNK_LIMIT / line.length))));
    const p = new LineParser();
    const before = process.memoryUsage().arrayBuffers;
    const kept = chunks.map((chunk) => p.feed(chunk));
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.equal(kept.flat().length, 20 * Math.floor(VIEW_CHUNK_LIMIT / line.length));
    assert.ok(grown < VIEW_CHUNK_LIMIT, `no table per chunk: ${grown} bytes more for ${kept.flat().length} kept messages`);
  });

  it('parser - a message whose chunk was changed (which feed forbids) after other buffers were parsed reports a syntax error', () => {
    const p = new LineParser();
    const chunk = Buffer.from('#a 1\n');
    const [m] = p.feed(chunk) as Message[];
    p.feed(Buffer.from('#b 2\n'));
    chunk.fill(0x21);
    assert.throws(() => m!.arg(0), KatcpSyntaxError);
  });

  it('parser - errors and blank lines between messages leave no trace in the argument table', () => {
    const p = new LineParser();
    const items = p.feed(Buffer.from('#a 1 2\n#b 3 \\q 4\n   \n#c 5\n?d\n'));
    assert.deepEqual(show(items), ['#a 1 2', 'error invalid-escape@6', '#c 5', '?d']);
    assert.deepEqual((items as Message[]).filter((m) => m instanceof Message).map((m) => m.argCount), [2, 1, 0]);
  });
});
