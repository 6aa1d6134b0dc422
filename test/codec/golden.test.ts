import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Message } from '../../lib/codec/message.js';
import { LineParser } from '../../lib/codec/parser.js';
import { KatcpSyntaxError } from '../../lib/errors.js';

interface ValidCase {
  description: string;
  raw: string;
  mtype: string;
  name: string;
  mid: number | null;
  arguments: string[];
  format?: string;
  mode?: 'lenient';
}
interface InvalidCase {
  description: string;
  raw: string;
  kind: string;
  position?: number;
  mode?: 'strict' | 'lenient';
  maxLineLength?: number;
  parser?: 'ignored' | 'skip' | 'only';
}

const load = <T>(name: string): T[] =>
  JSON.parse(readFileSync(new URL(`../../fixtures/codec/${name}`, import.meta.url), 'utf8')) as T[];
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const withEol = (s: string): string => (/[\r\n]$/.test(s) ? s : `${s}\n`);
const stripEol = (s: string): string => s.replace(/\r?\n$|\r$/, '');

function feedAll(parser: LineParser, data: Buffer, byteByByte: boolean): (Message | KatcpSyntaxError)[] {
  if (!byteByByte) return parser.feed(data);
  const out: (Message | KatcpSyntaxError)[] = [];
  for (let i = 0; i < data.length; i++) out.push(...parser.feed(data.subarray(i, i + 1)));
  return out;
}

function checkDecoded(msg: Message, c: ValidCase): void {
  assert.equal(msg.mtype, c.mtype);
  assert.equal(msg.name, c.name);
  assert.equal(msg.mid, c.mid ?? undefined);
  assert.deepEqual(
    msg.arguments.map((a) => a.toString('latin1')),
    c.arguments,
  );
  for (const a of msg.arguments) assert.ok(Buffer.isBuffer(a));
}

describe('golden vectors', () => {
  const valid = load<ValidCase>('valid.json');
  const invalid = load<InvalidCase>('invalid.json');

  it('golden - the fixture files hold cases', () => {
    assert.ok(valid.length >= 40);
    assert.ok(invalid.length >= 40);
  });

  for (const c of valid) {
    const modes = c.mode === 'lenient' ? [true] : [false, true];
    for (const lenient of modes) {
      const mode = lenient ? 'lenient' : 'strict';
      it(`golden valid (${mode}) - ${c.description}`, () => {
        const msg = Message.parse(bytes(c.raw), { lenient });
        checkDecoded(msg, c);
        const wire = `${c.format ?? stripEol(c.raw)}\n`;
        assert.equal(msg.toBytes().toString('latin1'), wire);
        assert.equal(msg.toString(), stripEol(wire));
        const again = Message.parse(msg.toBytes(), { lenient });
        assert.ok(again.equals(msg), 'parse(format(m)) equals m');
        assert.equal(again.toBytes().toString('latin1'), wire, 'formatting is stable');
        for (const byteByByte of [false, true]) {
          const parser = new LineParser({ lenient });
          const items = feedAll(parser, bytes(withEol(c.raw)), byteByByte);
          assert.equal(items.length, 1);
          const item = items[0]!;
          assert.ok(item instanceof Message, `parser gave ${String(item)}`);
          checkDecoded(item, c);
          assert.equal(parser.buffered, 0);
          assert.equal(parser.end(), undefined);
        }
      });
    }
    if (c.mode === 'lenient') {
      it(`golden valid (lenient only) - strict mode rejects: ${c.description}`, () => {
        assert.throws(() => Message.parse(bytes(c.raw)), KatcpSyntaxError);
        const items = new LineParser().feed(bytes(withEol(c.raw)));
        assert.equal(items.length, 1);
        assert.ok(items[0] instanceof KatcpSyntaxError);
      });
    }
  }

  for (const c of invalid) {
    const modes = c.mode === 'strict' ? [false] : c.mode === 'lenient' ? [true] : [false, true];
    for (const lenient of modes) {
      const mode = lenient ? 'lenient' : 'strict';
      it(`golden invalid (${mode}) - ${c.description}: ${c.kind}`, () => {
        const check = (err: unknown): boolean => {
          assert.ok(err instanceof KatcpSyntaxError, String(err));
          assert.equal(err.kind, c.kind);
          assert.equal(err.code, 'KATCP_ERR_SYNTAX');
          if (c.position !== undefined) {
            assert.equal(err.position, c.position);
            if (c.kind !== 'empty') assert.match(err.message, new RegExp(`byte ${c.position}\\b`));
          }
          return true;
        };
        if (c.parser !== 'only') {
          assert.throws(() => Message.parse(bytes(c.raw), { lenient }), check);
          if (c.kind !== 'empty' && c.kind !== 'internal-newline') {
            try {
              Message.parse(bytes(c.raw), { lenient });
            } catch (err) {
              assert.equal((err as KatcpSyntaxError).raw.toString('latin1'), stripEol(c.raw));
            }
          }
        }
        if (c.parser === 'skip') return;
        for (const byteByByte of [false, true]) {
          const parser = new LineParser({ lenient, maxLineLength: c.maxLineLength });
          const items = feedAll(parser, bytes(`${withEol(c.raw)}#after 1\n`), byteByByte);
          const expected: number = c.parser === 'ignored' ? 1 : 2;
          assert.equal(items.length, expected, `items: ${items.map(String).join(' | ')}`);
          if (c.parser !== 'ignored') check(items[0]);
          const last = items[expected - 1];
          assert.ok(last instanceof Message, 'the parser recovers at the next line');
          assert.equal(last.toString(), '#after 1');
        }
      });
    }
  }
});
