import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addressesFrom, exitCodeFor, isFancy, parseAddress, parseDuration, UsageError } from '../../lib/cli/common.js';
import { FailReply, KatcpTimeoutError, NotConnectedError } from '../../lib/errors.js';

describe('cli/common', () => {
  it('parseAddress - host:port, [v6]:port; bare hosts only where the port may default to 7147', () => {
    assert.deepEqual(parseAddress('127.0.0.1:7147'), { host: '127.0.0.1', port: 7147, label: '127.0.0.1:7147' });
    assert.deepEqual(parseAddress('[::1]:7148'), { host: '::1', port: 7148, label: '[::1]:7148' });
    assert.deepEqual(parseAddress('dev.example:1'), { host: 'dev.example', port: 1, label: 'dev.example:1' });
    assert.deepEqual(parseAddress('dev', true), { host: 'dev', port: 7147, label: 'dev:7147' });
    for (const bad of ['dev', '::1:7147', '[::1]', 'h:0', 'h:70000', 'h:x', '']) assert.throws(() => parseAddress(bad), UsageError, bad);
  });

  it('addressesFrom - the first word when it is an address list, else KATCP_SERVER, else a usage error', () => {
    assert.deepEqual(addressesFrom(['a:1,b:2', 'help'], {}).rest, ['help']);
    assert.deepEqual(addressesFrom(['help'], { KATCP_SERVER: 'dev' }).addresses.map((a) => a.label), ['dev:7147']);
    assert.throws(() => addressesFrom(['help'], {}), /KATCP_SERVER is not set/);
    assert.throws(() => addressesFrom([], {}), /no device address/);
  });

  it('parseDuration - seconds by default, ms/s suffixes, forever; negatives and NaN are usage errors', () => {
    assert.equal(parseDuration('2.5'), 2500);
    assert.equal(parseDuration('2.5s'), 2500);
    assert.equal(parseDuration('300ms'), 300);
    assert.equal(parseDuration('.5'), 500);
    assert.equal(parseDuration('forever'), Infinity);
    for (const bad of ['-1', 'NaN', '1h', '', 'ms']) assert.throws(() => parseDuration(bad), UsageError, bad);
  });

  it('exitCodeFor - timeout 3, fail/invalid 2, connection 1, usage 64, bugs 70', () => {
    assert.equal(exitCodeFor(new KatcpTimeoutError('t')), 3);
    assert.equal(exitCodeFor(new FailReply('f')), 2);
    assert.equal(exitCodeFor(new NotConnectedError('n')), 1);
    assert.equal(exitCodeFor(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), 1);
    assert.equal(exitCodeFor(new UsageError('u')), 64);
    assert.equal(exitCodeFor(new TypeError('bug')), 70);
  });

  it('isFancy - only on a terminal, never with NO_COLOR or TERM=dumb', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    assert.equal(isFancy(tty, {}), true);
    assert.equal(isFancy(tty, { NO_COLOR: '1' }), false);
    assert.equal(isFancy(tty, { TERM: 'dumb' }), false);
    assert.equal(isFancy({ isTTY: false } as NodeJS.WriteStream, {}), false);
  });
});
