import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdjtimexUnavailableError,
  CLOCK_STATES,
  STA,
  TIMEX_SIZE,
  clockStateName,
  decodeTimex,
  loadAdjtimex,
  timexTime,
} from '../../lib/server/adjtimex.js';
import { KatcpError } from '../../lib/errors.js';

/** A struct timex as the x86_64 kernel writes it. */
function fakeTimex(fields: { maxerror?: number; esterror?: number; status?: number; sec?: number; usec?: number; tai?: number; shift?: number }): Buffer {
  const buf = Buffer.alloc(TIMEX_SIZE);
  buf.writeUInt32LE(0, 0); // modes
  buf.writeBigInt64LE(-12n, 8); // offset
  buf.writeBigInt64LE(345n, 16); // freq
  buf.writeBigInt64LE(BigInt(fields.maxerror ?? 0), 24);
  buf.writeBigInt64LE(BigInt(fields.esterror ?? 0), 32);
  buf.writeInt32LE(fields.status ?? 0, 40);
  buf.writeBigInt64LE(7n, 48); // constant
  buf.writeBigInt64LE(1n, 56); // precision
  buf.writeBigInt64LE(32768000n, 64); // tolerance
  buf.writeBigInt64LE(BigInt(fields.sec ?? 0), 72);
  buf.writeBigInt64LE(BigInt(fields.usec ?? 0), 80);
  buf.writeBigInt64LE(10000n, 88); // tick
  buf.writeInt32LE(fields.shift ?? 0, 112);
  buf.writeInt32LE(fields.tai ?? 0, 160);
  buf.fill(0xee, 164); // padding must be ignored
  return buf;
}

describe('adjtimex - struct timex decoding', () => {
  it('adjtimex - decodes every field from the LP64 layout', () => {
    const t = decodeTimex(fakeTimex({ maxerror: 4567, esterror: 123, status: STA.PLL | STA.UNSYNC, sec: 1234567890, usec: 654321, tai: 37, shift: 4 }));
    assert.equal(t.maxerror, 4567);
    assert.equal(t.esterror, 123);
    assert.equal(t.status, STA.PLL | STA.UNSYNC);
    assert.deepEqual(t.time, { sec: 1234567890, usec: 654321 });
    assert.equal(t.offset, -12);
    assert.equal(t.freq, 345);
    assert.equal(t.constant, 7);
    assert.equal(t.tolerance, 32768000);
    assert.equal(t.tick, 10000);
    assert.equal(t.shift, 4);
    assert.equal(t.tai, 37);
  });

  it('adjtimex - the time field is microseconds, or nanoseconds when STA_NANO is set', () => {
    const micro = decodeTimex(fakeTimex({ sec: 1234567890, usec: 654321 }));
    const nano = decodeTimex(fakeTimex({ sec: 1234567890, usec: 654321000, status: STA.NANO }));
    assert.ok(Math.abs(timexTime(micro) - 1234567890.654321) < 1e-6);
    assert.ok(Math.abs(timexTime(nano) - 1234567890.654321) < 1e-6);
  });

  it('adjtimex - a short buffer is refused with a clear error', () => {
    assert.throws(() => decodeTimex(Buffer.alloc(100)), (err: unknown) => err instanceof KatcpError && /208 bytes/.test(err.message));
  });

  it('adjtimex - return codes map to state names, unknown codes to error', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 99, -1].map(clockStateName),
      ['ok', 'ins', 'del', 'oop', 'wait', 'error', 'error', 'error'],
    );
    assert.deepEqual(CLOCK_STATES, ['ok', 'ins', 'del', 'oop', 'wait', 'error']);
  });
});

describe('adjtimex - the real call', () => {
  it('adjtimex - off Linux, binding fails with AdjtimexUnavailableError (not at import)', () => {
    const original = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    try {
      assert.throws(() => loadAdjtimex(), (err: unknown) => err instanceof AdjtimexUnavailableError && /only available on Linux/.test(err.message));
    } finally {
      Object.defineProperty(process, 'platform', original);
    }
  });

  it('adjtimex - on this Linux machine the call returns the clock state and a current time', { skip: process.platform !== 'linux' }, () => {
    const call = loadAdjtimex();
    assert.equal(loadAdjtimex(), call, 'bound once');
    const r = call();
    assert.ok(CLOCK_STATES.includes(r.state));
    assert.equal(r.state, clockStateName(r.code));
    assert.ok(r.timex.maxerror >= 0 && r.timex.esterror >= 0);
    assert.ok(Math.abs(timexTime(r.timex) - Date.now() / 1000) < 5, 'kernel time matches the wall clock');
  });
});
