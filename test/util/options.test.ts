import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkOptions, nearest, CALL_OPTION_KEYS } from '../../lib/util/options.js';
import { KatcpRangeError, KatcpTypeError } from '../../lib/errors.js';

describe('checkOptions', () => {
  it('accepts known keys, undefined values, zero and Infinity timeouts and real signals', () => {
    checkOptions({}, CALL_OPTION_KEYS, 'x');
    checkOptions({ timeout: 0, signal: new AbortController().signal }, CALL_OPTION_KEYS, 'x');
    checkOptions({ timeout: Infinity, signal: undefined }, CALL_OPTION_KEYS, 'x');
  });

  it('rejects an unknown key naming it, the nearest accepted key and all accepted keys', () => {
    assert.throws(
      () => checkOptions({ timout: 10 }, CALL_OPTION_KEYS, 'req.add'),
      (e: unknown) =>
        e instanceof KatcpTypeError &&
        e.code === 'KATCP_ERR_TYPE' &&
        e.message === "req.add: unknown option 'timout' (did you mean 'timeout'?); accepted: timeout, signal",
    );
    assert.throws(() => checkOptions({ x: 1 }, CALL_OPTION_KEYS, 'echo'), /unknown option 'x'; accepted: timeout, signal/);
  });

  it('rejects negative and NaN timeouts with KatcpRangeError and non-numbers with KatcpTypeError', () => {
    assert.throws(
      () => checkOptions({ timeout: -5 }, CALL_OPTION_KEYS, 'wait'),
      (e: unknown) => e instanceof KatcpRangeError && e.key === 'timeout' && /must be ≥ 0 ms, got -5/.test(e.message),
    );
    assert.throws(() => checkOptions({ timeout: NaN }, CALL_OPTION_KEYS, 'wait'), KatcpRangeError);
    assert.throws(() => checkOptions({ timeout: '10' }, CALL_OPTION_KEYS, 'wait'), /must be a number of milliseconds, got the string "10"/);
    assert.throws(() => checkOptions({ signal: {} }, CALL_OPTION_KEYS, 'wait'), /must be an AbortSignal/);
  });

  it('checks extra duration keys given by the caller', () => {
    assert.throws(() => checkOptions({ interval: -1 }, ['interval'], 'heartbeat', { durations: ['interval'] }), KatcpRangeError);
  });
});

describe('nearest', () => {
  it('suggests close names only', () => {
    assert.equal(nearest('ad', ['add', 'echo', 'help']), 'add');
    assert.equal(nearest('sensor-lst', ['sensor-list', 'sensor-value']), 'sensor-list');
    assert.equal(nearest('zzzzzz', ['add', 'echo']), undefined);
  });
});
