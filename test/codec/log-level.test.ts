import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KatcpTypeError } from '../../lib/errors.js';
import {
  LOG_LEVELS,
  LogLevel,
  compareLogLevels,
  isLogLevel,
  logLevelEnabled,
  logLevelFromSeverity,
  logLevelSeverity,
  parseLogLevel,
} from '../../lib/codec/log-level.js';
import { decodeValue, encodeValue } from '../../lib/codec/types.js';

describe('LogLevel', () => {
  it('lists the levels from lowest to highest', () => {
    assert.deepEqual(LOG_LEVELS, ['all', 'trace', 'debug', 'info', 'warn', 'error', 'fatal', 'off']);
    assert.deepEqual(Object.values(LogLevel).sort(compareLogLevels), LOG_LEVELS);
    assert.equal(LogLevel.Warn, 'warn');
  });

  it('parses case-insensitively (old devices send WARN)', () => {
    assert.equal(parseLogLevel('WARN'), 'warn');
    assert.equal(parseLogLevel(Buffer.from('Info')), 'info');
    assert.equal(parseLogLevel('warning'), 'warn');
    assert.equal(parseLogLevel('CRITICAL'), 'fatal');
    assert.throws(() => parseLogLevel('verbose'), (e: unknown) => e instanceof KatcpTypeError && e.typeName === 'log-level');
    assert.throws(() => parseLogLevel(''), KatcpTypeError);
  });

  it('trace is its own level between debug and all, accepted on the wire (aiokatcp refuses it)', () => {
    assert.equal(decodeValue('log-level', Buffer.from('trace')), 'trace');
    assert.equal(encodeValue('log-level', 'trace').toString(), 'trace');
    assert.ok(compareLogLevels('trace', 'debug') < 0);
    assert.ok(compareLogLevels('trace', 'all') > 0);
    assert.equal(logLevelEnabled('trace', 'trace'), true);
    assert.equal(logLevelEnabled('trace', 'debug'), false);
  });

  it('a threshold reports its level and every level above it', () => {
    assert.equal(logLevelEnabled('warn', 'warn'), true);
    assert.equal(logLevelEnabled('error', 'warn'), true);
    assert.equal(logLevelEnabled('info', 'warn'), false);
    assert.equal(logLevelEnabled('fatal', 'all'), true);
    assert.equal(logLevelEnabled('fatal', 'off'), false);
    assert.equal(logLevelEnabled('off', 'all'), false);
  });

  it('severities align with Python logging; non-exact values round down (fixes aiokatcp mapping 25 to off)', () => {
    assert.equal(logLevelSeverity('debug'), 10);
    assert.equal(logLevelSeverity('fatal'), 50);
    assert.equal(logLevelFromSeverity(20), 'info');
    assert.equal(logLevelFromSeverity(25), 'info');
    assert.equal(logLevelFromSeverity(35), 'warn');
    assert.equal(logLevelFromSeverity(0), 'all');
    assert.equal(logLevelFromSeverity(-5), 'all');
    assert.equal(logLevelFromSeverity(100), 'off');
  });

  it('isLogLevel accepts only lower-case names', () => {
    assert.equal(isLogLevel('debug'), true);
    assert.equal(isLogLevel('DEBUG'), false);
    assert.equal(isLogLevel('toString'), false);
    assert.equal(isLogLevel(10), false);
  });
});
