import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConnectionClosedError,
  FailReply,
  InvalidReply,
  KatcpAbortError,
  KatcpError,
  KatcpErrorCode,
  KatcpRangeError,
  KatcpSyntaxError,
  KatcpTimeoutError,
  KatcpTypeError,
  NotConnectedError,
  ProtocolVersionError,
  SyncError,
} from '../lib/errors.js';
import { ImmutableKeyError, KeyNotFoundError, TelstateError } from '../lib/telstate/errors.js';
import { RecordStage, SensorRecordError } from '../lib/recorder/errors.js';

const CODES: ReadonlySet<string> = new Set(Object.values(KatcpErrorCode));

describe('errors', () => {
  it('errors - every code is distinct and every constant name maps to one code', () => {
    assert.equal(CODES.size, Object.keys(KatcpErrorCode).length);
    for (const code of CODES) assert.match(code, /^(KATCP|TELSTATE)_ERR(_[A-Z0-9]+)*$/);
  });

  it('errors - each class carries its own code from KatcpErrorCode, with name and cause', () => {
    const cause = new Error('underneath');
    const cases: [KatcpError, string, KatcpErrorCode][] = [
      [new KatcpError('x'), 'KatcpError', KatcpErrorCode.Generic],
      [new KatcpTypeError('float', 'x', undefined, { cause }), 'KatcpTypeError', KatcpErrorCode.Type],
      [new KatcpSyntaxError('bad-name', 'x', Buffer.from('?1'), 2, { cause }), 'KatcpSyntaxError', KatcpErrorCode.Syntax],
      [new KatcpRangeError('timeout', 'x', { cause }), 'KatcpRangeError', KatcpErrorCode.Range],
      [new ProtocolVersionError('x', { cause }), 'ProtocolVersionError', KatcpErrorCode.ProtocolVersion],
      [new ConnectionClosedError(undefined, { cause }), 'ConnectionClosedError', KatcpErrorCode.ConnectionClosed],
      [new NotConnectedError(undefined, { cause }), 'NotConnectedError', KatcpErrorCode.NotConnected],
      [new KatcpTimeoutError(undefined, { cause }), 'KatcpTimeoutError', KatcpErrorCode.Timeout],
      [new KatcpAbortError(undefined, { cause }), 'KatcpAbortError', KatcpErrorCode.Aborted],
      [new FailReply('x', { requestName: 'add', cause }), 'FailReply', KatcpErrorCode.FailReply],
      [new InvalidReply('x', { requestName: 'add', cause }), 'InvalidReply', KatcpErrorCode.InvalidReply],
      [new SyncError('x', { cause }), 'SyncError', KatcpErrorCode.Sync],
      [new TelstateError('x', undefined, { cause }), 'TelstateError', KatcpErrorCode.Telstate],
      [new ImmutableKeyError('x', { cause }), 'ImmutableKeyError', KatcpErrorCode.ImmutableKey],
      [new KeyNotFoundError('k', { cause }), 'KeyNotFoundError', KatcpErrorCode.KeyNotFound],
    ];
    for (const [err, name, code] of cases) {
      assert.ok(err instanceof KatcpError, name);
      assert.equal(err.name, name);
      assert.equal(err.code, code, name);
      assert.ok(CODES.has(err.code), name);
      if (name !== 'KatcpError') assert.equal(err.cause, cause, name);
    }
  });

  it('errors - a sensor record error has one code per stage', () => {
    const seen = new Set<string>();
    for (const stage of Object.values(RecordStage)) {
      const err = new SensorRecordError(stage, 'sensor.x', undefined, 'x');
      assert.ok(err instanceof TelstateError);
      assert.ok(CODES.has(err.code), stage);
      assert.equal(err.code, `TELSTATE_ERR_RECORD_${stage.toUpperCase()}`);
      seen.add(err.code);
    }
    assert.equal(seen.size, Object.values(RecordStage).length);
  });

  it('errors - a code outside the union does not type-check', () => {
    // @ts-expect-error -- the code of a katcp error is one of KatcpErrorCode, so a typo is caught at compile time
    const err = new KatcpError('x', 'KATCP_ERR_TYPO');
    assert.equal(err.code, 'KATCP_ERR_TYPO');
  });
});
