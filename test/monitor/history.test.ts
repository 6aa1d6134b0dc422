import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { historyKey, telstateHistory } from '../../lib/monitor/history.js';
import type { Monitor } from '../../lib/monitor/monitor.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { Float64, TelescopeState } from '../../lib/telstate/index.js';
import { startDemo, startWatching } from './fixture.js';

describe('monitor sparkline history from a telescope state', () => {
  let ts: TelescopeState;
  let server: DeviceServer;
  let monitor: Monitor;
  before(async () => {
    ts = new TelescopeState();
    const now = Date.now() / 1000;
    // As cam2telstate (and SensorRecorder) store them: <device>_<sensor>, '.' and '-' as '_'.
    for (let i = 0; i < 5; i++) await ts.add('demo_type_float', new Float64(i * 1.5), { ts: now - 100 + 10 * i });
    await ts.add('demo_type_boolean', true, { ts: now - 50 });
    await ts.add('demo_type_string', 'not a number', { ts: now - 50 });
    server = await startDemo();
    monitor = await startWatching(server, { history: telstateHistory(ts) });
  });
  after(async () => {
    await monitor.close();
    await server.stop();
    await ts.close();
  });

  it('keys follow cam2telstate', () => {
    assert.equal(historyKey('m000', 'pos.actual-scan-azim'), 'm000_pos_actual_scan_azim');
  });

  it('/api/history returns the numeric samples of a sensor since the given time, oldest first', async () => {
    const get = async (query: string): Promise<{ status: number; body: { samples?: [number, number][]; error?: string } }> => {
      const res = await fetch(`${monitor.url}api/history?${query}`);
      return { status: res.status, body: (await res.json()) as { samples?: [number, number][] } };
    };
    const float = await get('device=demo&sensor=type.float&seconds=3600');
    assert.equal(float.status, 200);
    assert.deepEqual(float.body.samples!.map(([, v]) => v), [0, 1.5, 3, 4.5, 6]);
    assert.deepEqual((await get('device=demo&sensor=type.float&seconds=85')).body.samples!.map(([, v]) => v), [3, 4.5, 6]);
    assert.deepEqual((await get('device=demo&sensor=type.boolean')).body.samples!.map(([, v]) => v), [1]);
    assert.deepEqual((await get('device=demo&sensor=type.string')).body.samples, []);
    assert.deepEqual((await get('device=demo&sensor=never.recorded')).body.samples, []);
    assert.equal((await get('device=demo')).status, 400);
  });

  it('the page is told that history is there', async () => {
    assert.match(await (await fetch(monitor.url)).text(), /<meta name="katcp-history" content="true">/);
  });
});
