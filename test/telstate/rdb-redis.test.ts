import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { Complex, MemoryBackend, NdArray, RdbParseError, RedisBackend, TelescopeState, TelstateConnectionError, loadRdb, saveRdb } from '../../lib/telstate/index.js';
import { fixturePath } from './fixture-values.js';
import { RedisServer, SKIP_REDIS } from './redis-server.js';

/** Fill a store with every kind of key, in sizes that make Redis use each of its encodings. */
async function fill(ts: TelescopeState): Promise<void> {
  await ts.set('immutable', ['some value']);
  await ts.set('long_string', 'abc'.repeat(2000)); // LZF-compressed by Redis
  await ts.set('number', 12345);
  await ts.set('array', NdArray.from(new Float64Array(100).map((_, i) => i)));
  await ts.add('mutable', 'first', { ts: 12 });
  await ts.add('mutable', 'second', { ts: 15.5 });
  for (let i = 0; i < 200; i++) await ts.add('zset200', i, { ts: 1_700_000_000 + i });
  await ts.setIndexed('indexed', 'a', new Complex(0, 1));
  await ts.setIndexed('indexed', 'b', 'z');
  for (let i = 0; i < 1000; i++) await ts.setIndexed('hash1000', i, `value ${i}`);
}

/** Every key of `a` is in `b` with the same stored bytes. */
async function assertSameContent(a: TelescopeState, b: TelescopeState): Promise<void> {
  const keys = await a.keys();
  assert.deepEqual(await b.keys(), keys);
  for (const key of keys) {
    assert.deepEqual(await b.keyType(key), await a.keyType(key), key);
    if ((await a.keyType(key)) === 2) assert.deepEqual(await b.getRangeEncoded(key, { st: 0 }), await a.getRangeEncoded(key, { st: 0 }), key);
    else {
      const norm = (v: unknown): unknown => (Array.isArray(v) ? [...v].map((p) => JSON.stringify(p)).sort() : v);
      assert.deepEqual(norm(await b.getEncoded(key)), norm(await a.getEncoded(key)), key);
    }
  }
}

describe('telstate RDB files with a real redis-server', { skip: SKIP_REDIS }, () => {
  let dir: string;
  let server: RedisServer;
  let ts: TelescopeState;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telstate-rdb-redis-'));
    server = await RedisServer.start();
    ts = new TelescopeState(new RedisBackend({ path: server.socket }));
  });
  after(async () => {
    await ts.close();
    await server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serveFile(file: string, fn: (ts: TelescopeState) => Promise<void>): Promise<void> {
    const sub = mkdtempSync(join(dir, 'srv-'));
    copyFileSync(file, join(sub, 'load.rdb'));
    const srv = await RedisServer.start({ dir: sub, dbfilename: 'load.rdb' });
    const loaded = new TelescopeState(new RedisBackend({ path: srv.socket }));
    try {
      await fn(loaded);
    } finally {
      await loaded.close();
      await srv.cleanup();
    }
  }

  it("redis-server loads the spec's example RDB file and RedisBackend reads it back", async () => {
    await serveFile(fixturePath('mem.rdb'), async (loaded) => {
      assert.deepEqual(await loaded.get('immutable'), ['some value']);
      assert.deepEqual(await loaded.getRange('mutable', { st: 0 }), [['first', 12], ['second', 15.5]]);
      assert.deepEqual(await loaded.get('indexed'), new Map<unknown, unknown>([['a', new Complex(0, 1)], ['b', 'z']]));
    });
  });

  it('a memory store dumped to an RDB file is loaded by redis-server, every key intact', async () => {
    const mem = new TelescopeState(new MemoryBackend());
    await fill(mem);
    const file = join(dir, 'from-memory.rdb');
    assert.equal((await saveRdb(mem, file)).keysWritten, 8);
    await serveFile(file, async (loaded) => assertSameContent(mem, loaded));
  });

  it("a Redis store dumped from the server's DUMP payloads loads into memory and into another redis-server", async () => {
    await ts.clear();
    await fill(ts);
    const file = join(dir, 'from-redis.rdb');
    assert.equal((await saveRdb(ts, file)).keysWritten, 8);
    const mem = new TelescopeState(new MemoryBackend());
    assert.equal(await mem.loadFromFile(file), 8);
    await assertSameContent(ts, mem);
    await serveFile(file, async (loaded) => assertSameContent(ts, loaded));
  });

  it('reads the RDB file redis-server saves itself (AUX fields, listpacks, LZF, checksum)', async () => {
    await ts.clear();
    await fill(ts);
    const admin = createClient({ socket: { path: server.socket, tls: false } });
    await admin.connect();
    try {
      await admin.sendCommand(['PEXPIREAT', 'number', String(Date.now() + 3_600_000)]);
      await admin.sendCommand(['SAVE']);
    } finally {
      await admin.close();
    }
    const mem = new TelescopeState(new MemoryBackend());
    assert.equal(await mem.loadFromFile(join(server.dir, 'dump.rdb')), 8);
    await assertSameContent(ts, mem);
  });

  it('loads an RDB file into Redis, replacing existing keys and keeping expiry times', async () => {
    await ts.clear();
    await ts.set('immutable', 'to be replaced');
    assert.equal(await ts.loadFromFile(fixturePath('mem.rdb')), 3);
    assert.deepEqual(await ts.get('immutable'), ['some value']);
    assert.deepEqual(await ts.getRange('mutable', { st: 0 }), [['first', 12], ['second', 15.5]]);
    // Round-trip a key with an expiry through the server's own SAVE and our loader.
    const admin = createClient({ socket: { path: server.socket, tls: false } });
    await admin.connect();
    try {
      await admin.sendCommand(['PEXPIREAT', 'immutable', String(Date.now() + 3_600_000)]);
      await admin.sendCommand(['SAVE']);
      await admin.sendCommand(['FLUSHDB']);
      assert.equal(await loadRdb(ts, join(server.dir, 'dump.rdb')), 3);
      const ttl = await admin.sendCommand<number>(['PTTL', 'immutable']);
      assert.ok(ttl > 3_000_000 && ttl <= 3_600_000, `expiry kept (${ttl} ms left)`);
    } finally {
      await admin.close();
    }
  });

  it('a load into an unreachable Redis fails with a connection error, not RdbParseError', async () => {
    const dead = new RedisBackend({ path: join(dir, 'no-server.sock'), commandTimeout: 200, connectTimeout: 100 });
    try {
      await assert.rejects(loadRdb(dead, fixturePath('mem.rdb')), (e: unknown) => e instanceof TelstateConnectionError && !(e instanceof RdbParseError));
    } finally {
      await dead.close();
    }
  });
});
