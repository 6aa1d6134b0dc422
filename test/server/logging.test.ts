import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createKatcpLogger } from '../../lib/server/logging.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { startServer } from './fixture.js';

describe('#log bridge', () => {
  it('log - messages below the device level are dropped; ?log-level lowers it for every client', async (t) => {
    const f = await startServer(t, { clock: new VirtualClock() });
    const a = await f.connect();
    const b = await f.connect();
    await a.expect(/^#client-connected/);
    const log = f.server.logger('my.device');
    log.info('not yet');
    log.warn('careful now');
    await a.expect('#log warn 1700000000.0 my.device careful\\_now');
    await b.expect('#log warn 1700000000.0 my.device careful\\_now');
    await b.request('?log-level info', ['!log-level ok info']);
    log.info('hello');
    log.debug('too chatty');
    await a.expect('#log info 1700000000.0 my.device hello');
    await b.expect('#log info 1700000000.0 my.device hello');
    await a.request('?watchdog', ['!watchdog ok']);
  });

  it('log - off silences everything; all lets everything through; the default logger is "device"', async (t) => {
    const f = await startServer(t, { clock: new VirtualClock(), logLevel: 'off' });
    const c = await f.connect();
    f.server.log('fatal', 'muted');
    await c.request('?log-level all', ['!log-level ok all']);
    f.server.log('trace', 'fine detail');
    await c.expect('#log trace 1700000000.0 device fine\\_detail');
    f.server.log('error', 'at a time', { timestamp: 12.5, logger: 'x' });
    await c.expect('#log error 12.5 x at\\_a\\_time');
  });

  it('log - a KatcpLogger has one method per level', () => {
    const seen: string[] = [];
    const log = createKatcpLogger((level, message, name) => seen.push(`${level} ${name} ${message}`), 'n');
    log.trace('a');
    log.debug('b');
    log.info('c');
    log.warn('d');
    log.error('e');
    log.fatal('f');
    log.log('info', 'g');
    assert.equal(log.name, 'n');
    assert.deepEqual(seen, ['trace n a', 'debug n b', 'info n c', 'warn n d', 'error n e', 'fatal n f', 'info n g']);
  });
});
