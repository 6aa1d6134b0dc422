import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KatcpRangeError, KatcpTypeError } from '../../lib/errors.js';
import { TelescopeState } from '../../lib/telstate/index.js';

/** Rejects (or throws) with `cls`, a message naming the key and the accepted keys. */
async function rejectsNaming(call: () => unknown, cls: typeof KatcpTypeError | typeof KatcpRangeError, ...words: string[]): Promise<void> {
  await assert.rejects(
    async () => {
      await call();
    },
    (err: unknown) => {
      assert.ok(err instanceof cls, `${String(err)} is not a ${cls.name}`);
      for (const w of words) assert.ok(err.message.includes(w), `'${err.message}' does not mention ${w}`);
      return true;
    },
  );
}

describe('telescope-state options', () => {
  it('telescope-state - waitKey rejects an unknown option key, naming it, the nearest and the accepted ones', async () => {
    const ts = new TelescopeState();
    await rejectsNaming(() => ts.waitKey('k', { timout: 5 } as never), KatcpTypeError, 'TelescopeState.waitKey', "'timout'", "did you mean 'timeout'", 'timeout, signal');
    await rejectsNaming(() => ts.waitKey('k', () => true, { timout: 5 } as never), KatcpTypeError, "'timout'");
  });

  it('telescope-state - waitKey and waitIndexed reject negative, NaN and non-number timeouts before waiting', async () => {
    const ts = new TelescopeState();
    await rejectsNaming(() => ts.waitKey('k', { timeout: -1 }), KatcpRangeError, "'timeout'", '-1');
    await rejectsNaming(() => ts.waitKey('k', () => true, { timeout: Number.NaN }), KatcpRangeError, "'timeout'", 'NaN');
    await rejectsNaming(() => ts.waitKey('k', { timeout: '5' as never }), KatcpTypeError, "'timeout'", 'number');
    await rejectsNaming(() => ts.waitIndexed('k', 'sub', { timeout: -5 }), KatcpRangeError, 'TelescopeState.waitIndexed', "'timeout'");
    await rejectsNaming(() => ts.waitIndexed('k', 'sub', { signal: 'stop' as never }), KatcpTypeError, "'signal'", 'AbortSignal');
    await rejectsNaming(() => ts.waitIndexed('k', 'sub', () => true, { timeot: 1 } as never), KatcpTypeError, "'timeot'", 'timeout, signal');
  });

  it('telescope-state - add, getRange, view and the constructor reject unknown keys, naming the accepted ones', async () => {
    const ts = new TelescopeState();
    await rejectsNaming(() => ts.add('k', 1, { timestamp: 5 } as never), KatcpTypeError, 'TelescopeState.add', "'timestamp'", 'ts, immutable');
    await rejectsNaming(() => ts.getRange('k', { start: 0 } as never), KatcpTypeError, 'TelescopeState.getRange', "'start'", 'st, et, includePrevious, includeEnd');
    await rejectsNaming(() => ts.view('ns', { seperator: false } as never), KatcpTypeError, 'TelescopeState.view', "'seperator'", 'addSeparator, exclusive');
    await rejectsNaming(() => new TelescopeState(undefined, { prefix: ['a'] } as never), KatcpTypeError, 'new TelescopeState', "'prefix'", "did you mean 'prefixes'");
  });

  it('telescope-state - valid options and undefined values still work', async () => {
    const ts = new TelescopeState(undefined, { prefixes: [''], decode: undefined });
    await ts.add('k', 1, { ts: 100, immutable: undefined });
    await ts.waitKey('k', (v) => v === 1, { timeout: 1000, signal: undefined });
    assert.deepEqual(await ts.view('ns', { addSeparator: true }).root().getRange('k', { st: 0, et: 200, includeEnd: true }), [[1, 100]]);
    await ts.close();
  });
});
