import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KatcpError } from '../../lib/errors.js';
import { systemClock } from '../../lib/util/clock.js';
import { resolveOptions } from '../../lib/server/server-options.js';

describe('server options', () => {
  it('options - the defaults: 127.0.0.1, an ephemeral port, v5.1, 100 pending, 16 MiB lines, 32 MiB backlog, warn', () => {
    const o = resolveOptions({});
    assert.equal(o.host, '127.0.0.1');
    assert.equal(o.port, 0);
    assert.equal(o.dialect.v4, false);
    assert.equal(o.version, 'katcp-device-0.0');
    assert.equal(o.buildState, '');
    assert.equal(o.clock, systemClock);
    assert.equal(o.maxPending, 100);
    assert.equal(o.maxLineLength, 16 * 1024 * 1024);
    assert.equal(o.maxBacklog, 32 * 1024 * 1024);
    assert.equal(o.logLevel, 'warn');
    assert.equal(resolveOptions({ protocol: '4.0-M' }).dialect.v4, true);
  });

  it('options - each invalid option is refused with a KatcpError naming it', () => {
    const bad: [object, RegExp][] = [
      [{ port: 70000 }, /port/],
      [{ version: '' }, /version/],
      [{ buildState: 'x\ud800' }, /buildState/],
      [{ maxPending: 0 }, /maxPending/],
      [{ maxLineLength: 1 }, /maxLineLength/],
      [{ maxBacklog: 0 }, /maxBacklog/],
      [{ logLevel: 'loud' }, /log level/],
    ];
    for (const [opts, re] of bad) assert.throws(() => resolveOptions(opts), (e: unknown) => e instanceof KatcpError && re.test(e.message));
  });
});
