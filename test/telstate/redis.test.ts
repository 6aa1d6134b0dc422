import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import {
  ImmutableKeyError,
  KeyType,
  MemoryBackend,
  RedisBackend,
  TelescopeState,
  TelstateConnectionError,
  TelstateError,
  encodeValue,
} from '../../lib/telstate/index.js';
import type { Backend, KeyUpdate } from '../../lib/telstate/index.js';
import { GlobPattern } from '../../lib/telstate/glob.js';
import { parsePayload } from '../../lib/telstate/redis-subscriber.js';
import { behaviourSuite } from './behaviour.js';
import { waitSuite } from './behaviour-wait.js';
import type { BackendHarness } from './harness.js';
import { until } from './harness.js';
import { applyLayoutWrites, hex, loadFixture, revive, unhex } from './fixture-values.js';
import type { Layout } from './fixture-values.js';
import { RedisServer, SKIP_REDIS, freePort } from './redis-server.js';

const layout = loadFixture<Layout>('redis-layout.json');

type Admin = ReturnType<typeof createClient>;
const asBuffers = { typeMapping: { [36]: Buffer } } as const; // RESP blob strings as Buffers

describe('telstate parsing of published payloads', () => {
  for (const r of layout.receive) {
    it(`parses a ${r.type} payload ${r.payload.slice(0, 6)}... as katsdptelstate does`, async () => {
      const update = await parsePayload(Buffer.from(r.key), Buffer.from(unhex(r.payload)), async () => r.type);
      if (r.expect === null) return assert.equal(update, undefined);
      const got: Record<string, unknown> = { ...(update as Exclude<KeyUpdate, { kind: 'recheck' }>) };
      delete got.key;
      for (const f of ['value', 'subKey']) if (got[f] !== undefined) got[f] = hex(got[f] as Uint8Array);
      assert.deepEqual(got, r.expect);
    });
  }

  it('turns a malformed indexed payload into a re-check instead of failing', async () => {
    assert.deepEqual(await parsePayload(Buffer.from('k'), Buffer.from('\x03zz'), async () => 'hash'), { kind: 'recheck' });
  });
});

describe('telstate on Redis', { skip: SKIP_REDIS }, () => {
  let server: RedisServer;
  let admin: Admin;
  before(async () => {
    server = await RedisServer.start();
    admin = createClient({ socket: { path: server.socket, reconnectStrategy: 50 } });
    admin.on('error', () => undefined);
    await admin.connect();
  });
  after(async () => {
    await admin.close().catch(() => undefined);
    await server.cleanup();
  });

  const serverChannels = async (): Promise<number> =>
    (await admin.sendCommand<unknown[]>(['PUBSUB', 'CHANNELS'])).length + (await admin.sendCommand<number>(['PUBSUB', 'NUMPAT']));

  const harness: BackendHarness = {
    name: 'redis',
    create: async () => {
      const backend = new RedisBackend({ path: server.socket });
      await backend.clear();
      return backend;
    },
    subscriptions: async (backend: Backend) => (backend as RedisBackend).subscribedChannels + (await serverChannels()),
  };

  behaviourSuite(harness);
  waitSuite(harness);

  describe('telstate Redis layout, byte for byte with Python', () => {
    it('stores strings, zsets of packed samples and hashes exactly as Python katsdptelstate does', async () => {
      const ts = new TelescopeState(new RedisBackend({ path: server.socket }));
      await ts.clear();
      const published: [string, string][] = [];
      const sub = admin.duplicate();
      await sub.connect();
      await sub.pSubscribe('update/*', (message: Buffer, channel: Buffer) => published.push([channel.toString(), hex(message)]), true);
      try {
        await applyLayoutWrites(ts);
        const raw = admin.withCommandOptions(asBuffers);
        for (const [key, value] of Object.entries(layout.strings)) {
          assert.equal(await admin.sendCommand<string>(['TYPE', key]), 'string');
          assert.equal(hex(await raw.sendCommand<Buffer>(['GET', key])), value, key);
        }
        for (const [key, members] of Object.entries(layout.zsets)) {
          const got = await raw.sendCommand<Buffer[]>(['ZRANGE', key, '0', '-1']);
          assert.deepEqual(got.map(hex), members, key);
          assert.equal(await admin.sendCommand(['ZCOUNT', key, '0', '0']), members.length, 'every score is 0');
        }
        for (const [key, pairs] of Object.entries(layout.hashes)) {
          const fields = await raw.sendCommand<Buffer[]>(['HKEYS', key]);
          const values = await raw.sendCommand<Buffer[]>(['HVALS', key]);
          assert.deepEqual(fields.map((f, i) => [hex(f), hex(values[i]!)]), pairs, key);
        }
        await until(() => published.length >= 20, 'all notifications');
        for (const p of layout.publish) assert.ok(published.some(([c, m]) => c === p.channel && m === p.payload), `${p.channel} ${p.payload}`);
        assert.equal(published.filter(([c]) => c === 'update/sensor').length, 4, 'a duplicate sample publishes nothing');
        await ts.set('imm_str', 'abc');
        assert.equal(published.filter(([c]) => c === 'update/imm_str').length, 1, 'an equal immutable re-set publishes nothing');
      } finally {
        await sub.close();
        await ts.close();
      }
    });

    it('reads data written the Python way, including typed notifications from future writers', async () => {
      const backend = new RedisBackend({ path: server.socket });
      const ts = new TelescopeState(backend);
      await ts.clear();
      try {
        const raw = admin.withCommandOptions(asBuffers);
        for (const [key, value] of Object.entries(layout.strings)) await raw.sendCommand(['SET', key, Buffer.from(unhex(value))]);
        for (const [key, members] of Object.entries(layout.zsets)) for (const m of members) await raw.sendCommand(['ZADD', key, '0', Buffer.from(unhex(m))]);
        assert.equal(await ts.get('imm_tuple').then((v) => JSON.stringify(v)), JSON.stringify(revive({ $tuple: ['a', 1, [2.5, null]] })));
        assert.deepEqual(await backend.get(Buffer.from('sensor')), { type: KeyType.Mutable, value: Buffer.from(unhex(layout.latest.sensor!.value)), timestamp: 1234567890.5 });
        const wait = ts.waitKey('typed', (v, t) => v === 'w' && t === 0, { timeout: 60_000 });
        await until(async () => (await serverChannels()) === 1);
        await raw.sendCommand(['ZADD', 'typed', '0', Buffer.concat([Buffer.alloc(8), encodeValue('w')])]);
        await raw.sendCommand(['PUBLISH', 'update/typed', Buffer.concat([Buffer.of(2), Buffer.alloc(8), encodeValue('w')])]);
        await wait;
      } finally {
        await ts.close();
      }
    });

    it('filters keys with the same glob rules as Redis', async () => {
      const backend = new RedisBackend({ path: server.socket });
      await backend.clear();
      const keys = ['a', 'ab', 'abc', 'a*', 'a?', '[x]', 'x]', 'q', '\\', 'ns_key', 'b-c', ']', '^', 'A', 'ns_k\xe9y'];
      for (const k of keys) await backend.setImmutable(Buffer.from(k, 'latin1'), encodeValue(1));
      try {
        for (const p of ['*', 'a*', 'a?', 'a\\*', '[ab]*', '[^a]*', '[z-a]', '[]]', '[]', '[^]', '[a', '\\', '[\\]]*', '*c', 'ns_*', '?', '[a-]*', 'ns_k?y', 'ns_k??y']) {
          const pattern = Buffer.from(p, 'latin1');
          const fromRedis = (await backend.keys(pattern)).map((k) => Buffer.from(k).toString('latin1')).sort();
          const glob = new GlobPattern(pattern);
          const ours = keys.filter((k) => glob.matches(Buffer.from(k, 'latin1'))).sort();
          assert.deepEqual(ours, fromRedis, `pattern ${p}`);
        }
      } finally {
        await backend.close();
      }
    });

    it('maps wrong Redis types to typed errors and survives a script cache flush', async () => {
      const backend = new RedisBackend({ path: server.socket });
      const ts = new TelescopeState(backend);
      await ts.clear();
      try {
        await admin.sendCommand(['RPUSH', 'alist', 'x']);
        await assert.rejects(ts.keyType('alist'), TelstateError);
        await assert.rejects(ts.get('alist'), ImmutableKeyError);
        await ts.set('before', 1);
        await admin.sendCommand(['SCRIPT', 'FLUSH']);
        await ts.set('after', 2);
        assert.equal(await ts.get('after'), 2);
      } finally {
        await ts.close();
      }
    });
  });

  describe('telstate Redis connections', () => {
    it('a waiter survives a Redis restart: reconnects, re-subscribes and completes', async () => {
      const ts = new TelescopeState(new RedisBackend({ path: server.socket, maxReconnectDelay: 100 }));
      try {
        const wait = ts.waitKey('after_restart', (v) => v === 'yes', { timeout: 120_000 });
        await until(async () => (await serverChannels()) === 1, 'the subscription');
        await server.restart();
        // Data is gone (nothing is saved): wait until the waiter's connection has re-subscribed.
        await until(async () => (await serverChannels().catch(() => 0)) === 1, 'the re-subscription');
        const writer = new TelescopeState(new RedisBackend({ path: server.socket }));
        await writer.add('after_restart', 'yes', { ts: 1 });
        await writer.close();
        await wait;
        assert.equal(await ts.get('after_restart'), 'yes', 'the backend itself reconnected too');
      } finally {
        await ts.close();
      }
    });

    it('a waiter survives its pub/sub connection being killed', async () => {
      const ts = new TelescopeState(new RedisBackend({ path: server.socket, maxReconnectDelay: 100 }));
      await ts.clear();
      try {
        const wait = ts.waitIndexed('killed', 'sub', { timeout: 120_000 });
        await until(async () => (await serverChannels()) === 1);
        await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
        await until(async () => (await serverChannels()) === 1, 'the re-subscription');
        const writer = new TelescopeState(new RedisBackend({ path: server.socket }));
        await writer.setIndexed('killed', 'sub', 1);
        await writer.close();
        await wait;
      } finally {
        await ts.close();
      }
    });

    it('connects with a redis:// URL or host/port/db options, using the given database', async () => {
      const port = await freePort();
      const tcp = await RedisServer.start({ port });
      try {
        const a = new TelescopeState(await RedisBackend.connect(`redis://127.0.0.1:${port}/3`));
        const b = new TelescopeState(new RedisBackend({ host: '127.0.0.1', port, db: 3 }));
        const c = new TelescopeState(`127.0.0.1:${port}`);
        try {
          await a.set('in_db3', 1);
          assert.equal(await b.get('in_db3'), 1);
          assert.equal(await c.get('in_db3'), undefined);
        } finally {
          await Promise.all([a.close(), b.close(), c.close()]);
        }
      } finally {
        await tcp.cleanup();
      }
    });

    it('parses host:port endpoints and refuses malformed ones', async () => {
      for (const bad of ['host:port', 'host:0', 'a:b:c', ':6379', '[::1']) assert.throws(() => new RedisBackend(bad), TelstateError, bad);
      await new RedisBackend('[::1]:6380').close();
      await new RedisBackend('localhost').close();
      assert.ok(new TelescopeState('').backend instanceof MemoryBackend);
    });

    it('a command survives the main connection being killed (reconnect and retry)', async () => {
      const ts = new TelescopeState(new RedisBackend({ path: server.socket, maxReconnectDelay: 100 }));
      try {
        await ts.set('survivor', 1);
        await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
        assert.equal(await ts.get('survivor'), 1);
        assert.ok(await ts.exists('survivor'));
      } finally {
        await ts.close();
      }
    });

    it('RedisBackend.connect reports an unreachable server with TelstateConnectionError', async () => {
      await assert.rejects(RedisBackend.connect({ path: `${server.dir}/nothing.sock`, connectTimeout: 200 }, { timeout: 1000 }), TelstateConnectionError);
    });
  });
});
