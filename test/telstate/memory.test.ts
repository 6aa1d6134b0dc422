import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyType, MemoryBackend, TelescopeState, packTimestamp } from '../../lib/telstate/index.js';
import type { Backend } from '../../lib/telstate/index.js';
import { behaviourSuite } from './behaviour.js';
import { waitSuite } from './behaviour-wait.js';
import type { BackendHarness } from './harness.js';
import { applyLayoutWrites, hex, loadFixture } from './fixture-values.js';
import type { Layout } from './fixture-values.js';

const memory: BackendHarness = {
  name: 'memory',
  create: async () => new MemoryBackend(),
  subscriptions: async (backend: Backend) => (backend as MemoryBackend).monitoredKeyCount,
};

behaviourSuite(memory);
waitSuite(memory);

describe('telstate memory backend specifics', () => {
  it('holds the same bytes as Python writes to Redis (strings, packed samples, hash fields)', async () => {
    const layout = loadFixture<Layout>('redis-layout.json');
    const backend = new MemoryBackend();
    await applyLayoutWrites(new TelescopeState(backend));
    for (const [key, value] of Object.entries(layout.strings)) {
      const r = await backend.get(Buffer.from(key));
      assert.ok(r.type === KeyType.Immutable, key);
      assert.equal(hex(r.value), value, key);
    }
    for (const [key, members] of Object.entries(layout.zsets)) {
      const samples = (await backend.getRange(Buffer.from(key), 0, Infinity, false, false)) ?? [];
      assert.deepEqual(samples.map(([v, t]) => hex(Buffer.concat([packTimestamp(t), v]))), members, key);
    }
    for (const [key, pairs] of Object.entries(layout.hashes)) {
      const r = await backend.get(Buffer.from(key));
      assert.ok(r.type === KeyType.Indexed, key);
      assert.deepEqual(r.value.map(([f, v]) => [hex(f), hex(v)]), pairs, key);
    }
    const latest = await backend.get(Buffer.from('sensor'));
    assert.ok(latest.type === KeyType.Mutable);
    assert.deepEqual([hex(latest.value), latest.timestamp], [layout.latest.sensor!.value, layout.latest.sensor!.timestamp]);
  });

  it('is the default backend, and closing it drops the data as in Python', async () => {
    const ts = new TelescopeState();
    assert.ok(ts.backend instanceof MemoryBackend);
    await ts.set('a', 1);
    await ts.close();
    assert.deepEqual(await ts.keys(), []);
  });

  it('shares data between telescope states on one backend', async () => {
    const backend = new MemoryBackend();
    await new TelescopeState(backend).set('shared', 1);
    assert.equal(await new TelescopeState(backend).view('x').get('shared'), 1);
  });

  it('hands out copies, so callers cannot change stored bytes', async () => {
    const backend = new MemoryBackend();
    const value = Buffer.from([0xff, 0x01]);
    await backend.setImmutable(Buffer.from('k'), value);
    value[1] = 2;
    const got = await backend.get(Buffer.from('k'));
    assert.ok(got.type !== undefined && Buffer.from(got.value as Uint8Array).equals(Buffer.from([0xff, 0x01])));
  });
});
