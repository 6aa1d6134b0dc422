import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatcpSyntaxError, KatcpTypeError } from '../../lib/errors.js';
import { checkMid, checkName, toBuffer } from '../../lib/codec/message-checks.js';

describe('message checks', () => {
  it('accepts a name of a letter then letters, digits and dashes, twice in a row (the cached name)', () => {
    checkName('sensor-value2');
    checkName('sensor-value2');
  });

  it('rejects a bad name with bad-name even right after a good one', () => {
    checkName('ok');
    for (const bad of ['', '2fast', 'under_score', 'sp ace', 'ok\n']) {
      assert.throws(() => checkName(bad), (e: unknown) => e instanceof KatcpSyntaxError && e.kind === 'bad-name');
    }
  });

  it('accepts no id and ids 1 to 2^31-1; rejects 0, fractions with bad-mid and 2^31 with mid-overflow', () => {
    checkMid(undefined, 'x');
    checkMid(1, 'x');
    checkMid(2 ** 31 - 1, 'x');
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => checkMid(bad, '?x'), (e: unknown) => e instanceof KatcpSyntaxError && e.kind === 'bad-mid');
    }
    assert.throws(() => checkMid(2 ** 31, '?x'), (e: unknown) => e instanceof KatcpSyntaxError && e.kind === 'mid-overflow');
  });

  it('views a Uint8Array argument without copying and rejects a string with a typed error', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const buf = toBuffer(bytes, 0);
    bytes[0] = 9;
    assert.equal(buf[0], 9);
    assert.throws(() => toBuffer('text', 2), (e: unknown) => e instanceof KatcpTypeError && /argument 2/.test(e.message));
  });
});
