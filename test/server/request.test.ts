import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRequest, defineRequest } from '../../lib/server/request.js';
import type { ParamSpec, RequestDefinition } from '../../lib/server/request.js';
import { Address } from '../../lib/codec/address.js';
import { Message } from '../../lib/codec/message.js';
import { FailReply, KatcpError, KatcpTypeError } from '../../lib/errors.js';
import type { CompiledRequest } from '../../lib/server/request.js';

/** A compiled request's decoding of a request message carrying `args`. */
function decodeArgs(compiled: CompiledRequest, args: readonly Buffer[]): unknown[] {
  return compiled.decodeMessage(Message.request(compiled.name, ...args));
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function failText(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FailReply, `expected FailReply, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected a FailReply');
}

describe('defineRequest - parameter types are inferred', () => {
  it('request - handler argument types follow the declared parameters', () => {
    const def = defineRequest({
      name: 'typed',
      description: 'Typed parameters.',
      params: [
        { type: 'integer', name: 'a' },
        { type: 'float', name: 'b' },
        { type: 'discrete', name: 'c', values: ['p', 'q'] },
        { type: 'string', name: 'd', optional: true },
        { type: 'boolean', name: 'e', default: true },
        { type: 'bytes', name: 'rest', rest: true },
      ],
      handler: (_ctx, a, b, c, d, e, ...rest) => {
        const ints: number | bigint = a;
        const float: number = b;
        const disc: 'p' | 'q' = c;
        const maybe: string | undefined = d;
        const flag: boolean = e;
        const tail: Buffer[] = rest;
        // @ts-expect-error an optional parameter without a default may be undefined
        const notMaybe: string = d;
        return [ints, float, disc, maybe ?? '-', flag, tail.length, notMaybe];
      },
    });
    const compiled = compileRequest(def as unknown as RequestDefinition);
    assert.deepEqual(decodeArgs(compiled, [b('5'), b('2.5'), b('q')]), [5, 2.5, 'q', undefined, true]);
    assert.deepEqual(decodeArgs(compiled, [b('5'), b('2.5'), b('p'), b('x'), b('0'), b('r1'), b('r2')]), [5, 2.5, 'p', 'x', false, b('r1'), b('r2')]);
  });

  it('request - address, timestamp and lru parameters decode to their JS types', () => {
    const def = defineRequest({
      name: 'more',
      description: 'More types.',
      params: [
        { type: 'address', name: 'addr' },
        { type: 'timestamp', name: 'when' },
        { type: 'lru', name: 'lru' },
      ],
      returns: ['address', 'timestamp', 'lru'],
      handler: (_ctx, addr, when, lru) => {
        const a: Address = addr;
        const t: number = when;
        const l: 'nominal' | 'error' = lru;
        return [a, t, l];
      },
    });
    const compiled = compileRequest(def as unknown as RequestDefinition);
    const [addr, when, lru] = decodeArgs(compiled, [b('127.0.0.1:7147'), b('12.5'), b('error')]);
    assert.ok(addr instanceof Address);
    assert.equal(String(addr), '127.0.0.1:7147');
    assert.equal(when, 12.5);
    assert.equal(lru, 'error');
    assert.deepEqual(compiled.encodeResult([addr, 3, 'nominal']).map(String), ['127.0.0.1:7147', '3.0', 'nominal']);
  });
});

describe('request decoding - aiokatcp error texts', () => {
  const add = compileRequest(
    defineRequest({
      name: 'add',
      description: 'Add.',
      params: [
        { type: 'float', name: 'a' },
        { type: 'float', name: 'b' },
      ],
      handler: (_ctx, a, c) => a + c,
    }) as unknown as RequestDefinition,
  );

  it('request - a missing argument names the first missing parameter', () => {
    assert.equal(failText(() => decodeArgs(add, [b('1')])), "missing a required argument: 'b'");
    assert.equal(failText(() => decodeArgs(add, [])), "missing a required argument: 'a'");
  });

  it('request - extra arguments are refused without a rest parameter', () => {
    assert.equal(failText(() => decodeArgs(add, [b('1'), b('2'), b('3')])), 'too many arguments for add');
  });

  it("request - a bad value gives the decoder's message", () => {
    assert.equal(failText(() => decodeArgs(add, [b('x'), b('1')])), "could not convert string to float: b'x'");
  });

  it('request - a bad discrete value lists the allowed values', () => {
    const pick = compileRequest(
      defineRequest({ name: 'pick', description: 'Pick.', params: [{ type: 'discrete', name: 'v', values: ['a', 'b'] }], handler: () => undefined }) as unknown as RequestDefinition,
    );
    assert.match(failText(() => decodeArgs(pick, [b('c')])), /b'c' is not a valid value/);
  });
});

describe('request decoding from the message', () => {
  const say = compileRequest(
    defineRequest({
      name: 'say',
      description: 'Say.',
      params: [
        { type: 'string', name: 'text' },
        { type: 'float', name: 'x', optional: true },
        { type: 'bytes', name: 'rest', rest: true },
      ],
      handler: () => undefined,
    }) as unknown as RequestDefinition,
  );
  const decode = (line: string | Buffer): unknown[] => say.decodeMessage(Message.parse(line));

  it('request - a message decodes as its arguments do: escapes, defaults, rest', () => {
    assert.deepEqual(decode('?say a\\\\b\\_c'), ['a\\b c', undefined]);
    assert.deepEqual(decode('?say \\@ 2.5 x y'), ['', 2.5, Buffer.from('x'), Buffer.from('y')]);
    const line = Buffer.from('?say h\xc3\xa9 1 z', 'latin1');
    assert.deepEqual(decode(line), ['h\u00e9', 1, Buffer.from('z')]);
    assert.deepEqual(decode(line), decodeArgs(say, Message.parse(line).arguments));
  });

  it('request - a string argument is strict UTF-8: invalid bytes fail, a real U+FFFD is text', () => {
    const bad = Buffer.concat([Buffer.from('?say a'), Buffer.from([0xff]), Buffer.from('b')]);
    assert.equal(failText(() => decode(bad)), failText(() => decodeArgs(say, Message.parse(bad).arguments)));
    assert.match(failText(() => decode(bad)), /not valid UTF-8/);
    assert.deepEqual(decode(Buffer.from('?say \ufffd!', 'utf8')), ['\ufffd!', undefined]);
  });

  it('request - argument counts are checked for a parsed message', () => {
    assert.equal(failText(() => decode('?say')), "missing a required argument: 'text'");
    const two = compileRequest(
      defineRequest({ name: 'two', description: 'Two.', params: [{ type: 'string', name: 'a' }], handler: () => undefined }) as unknown as RequestDefinition,
    );
    assert.equal(failText(() => two.decodeMessage(Message.parse('?two a b'))), 'too many arguments for two');
  });
});

describe('request results', () => {
  it('request - an untyped result is encoded by its JS type; arrays give one argument each', () => {
    const r = compileRequest(defineRequest({ name: 'r', description: 'R.', handler: () => undefined }));
    assert.deepEqual(r.encodeResult(undefined), []);
    assert.deepEqual(r.encodeResult(5).map(String), ['5']);
    assert.deepEqual(r.encodeResult(['a', 2.5, true, b('raw')]).map(String), ['a', '2.5', '1', 'raw']);
    assert.deepEqual(r.encodeResult(b('one buffer')).map(String), ['one buffer']);
  });

  it('request - declared return types encode (a float return of 3 is 3.0) and check the count', () => {
    const r = compileRequest(defineRequest({ name: 'r', description: 'R.', returns: ['float'], handler: () => 3 }));
    assert.deepEqual(r.encodeResult(3).map(String), ['3.0']);
    assert.deepEqual(r.encodeResult([3]).map(String), ['3.0']);
    assert.throws(() => r.encodeResult([1, 2]), KatcpTypeError);
    assert.throws(() => r.encodeResult('x'), KatcpTypeError);
  });
});

describe('request declarations are validated', () => {
  const handler = (): undefined => undefined;
  /** Declares request `ok` with these parameters. */
  const withParams = (params: readonly ParamSpec[]) => (): unknown => defineRequest({ name: 'ok', description: 'x', params, handler });
  it('request - bad names, missing descriptions and missing handlers are refused', () => {
    assert.throws(() => defineRequest({ name: 'bad_name', description: 'x', handler }), KatcpError);
    assert.throws(() => defineRequest({ name: '', description: 'x', handler }), KatcpError);
    assert.throws(() => defineRequest({ name: 'ok', description: ' ', handler }), /needs a description/);
    assert.throws(() => defineRequest({ name: 'ok', description: 'x', handler: 5 as unknown as typeof handler }), /handler/);
  });

  it('request - unknown types, values on non-discrete types and bad defaults are refused', () => {
    assert.throws(withParams([{ type: 'carrot', name: 'a' }]), KatcpTypeError);
    assert.throws(withParams([{ type: 'float', name: 'a', values: ['x'] }]), /not discrete/);
    assert.throws(withParams([{ type: 'float', name: 'a', default: 'zz' }]), /bad default/);
  });

  it('request - a rest parameter must be last and required parameters cannot follow optional ones', () => {
    assert.throws(withParams([{ type: 'bytes', name: 'r', rest: true }, { type: 'float', name: 'a' }]), /must be last/);
    assert.throws(withParams([{ type: 'float', name: 'a', optional: true }, { type: 'float', name: 'b' }]), /follows an optional one/);
  });

  it('request - timeout hints must be non-negative seconds; the summary is the first line', () => {
    assert.throws(() => defineRequest({ name: 'ok', description: 'x', timeoutHint: -1, handler }), /timeoutHint/);
    const r = compileRequest(defineRequest({ name: 'ok', description: 'First line.\nMore text.', timeoutHint: 2.5, handler }));
    assert.equal(r.summary, 'First line.');
    assert.equal(r.timeoutHint, 2.5);
  });
});
