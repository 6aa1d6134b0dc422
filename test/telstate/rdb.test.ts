import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Complex, KeyType, MemoryBackend, RdbParseError, RdbWriter, TelescopeState, loadRdb, saveRdb } from '../../lib/telstate/index.js';
import { lzfDecompress, parseListpack, parseZiplist, RdbCursor } from '../../lib/telstate/rdb-decode.js';
import { parseRdb } from '../../lib/telstate/rdb-reader.js';
import { dumpPayload, encodeZiplist } from '../../lib/telstate/rdb-encode.js';
import { fixturePath } from './fixture-values.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'telstate-rdb-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function specStore(): Promise<TelescopeState> {
  const ts = new TelescopeState(new MemoryBackend());
  await ts.set('immutable', ['some value']);
  await ts.add('mutable', 'first', { ts: 12 });
  await ts.add('mutable', 'second', { ts: 15.5 });
  await ts.setIndexed('indexed', 'a', new Complex(0, 1));
  await ts.setIndexed('indexed', 'b', 'z');
  return ts;
}

describe('telstate RDB writer', () => {
  it("writes the spec's example store byte for byte as katsdptelstate does", async () => {
    const file = join(dir, 'mem.rdb');
    const result = await saveRdb(await specStore(), file);
    assert.deepEqual(result, { keysWritten: 3, keysFailed: 0, failures: [] });
    assert.deepEqual(readFileSync(file), readFileSync(fixturePath('mem.rdb')));
  });

  it('takes keys from several stores into one file and removes a file that got no keys', async () => {
    const file = join(dir, 'multi.rdb');
    const a = new TelescopeState();
    const b = new TelescopeState();
    await a.set('from_a', 1);
    await b.add('from_b', 2, { ts: 1 });
    const writer = new RdbWriter(file);
    await writer.save(a);
    await writer.save(b.backend, ['from_b', 'missing']);
    await writer.close();
    assert.equal(writer.keysWritten, 2);
    assert.equal(writer.keysFailed, 1);
    const copy = new TelescopeState();
    assert.equal(await copy.loadFromFile(file), 2);
    assert.deepEqual(await copy.keys(), ['from_a', 'from_b']);
    const empty = join(dir, 'empty.rdb');
    const result = await saveRdb(a, empty, ['missing']);
    assert.deepEqual(result.failures, [{ key: 'missing', reason: 'Key not found in Redis' }]);
    assert.ok(!existsSync(empty), 'a file with no keys is removed');
  });

  it('switches to the plain encodings for big sorted sets and hashes, as Redis does', () => {
    const small = dumpPayload({ type: KeyType.Mutable, members: Array.from({ length: 63 }, (_, i) => Buffer.of(i)) });
    const big = dumpPayload({ type: KeyType.Mutable, members: Array.from({ length: 64 }, (_, i) => Buffer.of(i)) });
    assert.equal(small[0], 0x0c);
    assert.equal(big[0], 0x03);
    const hashSmall = dumpPayload({ type: KeyType.Indexed, fields: Array.from({ length: 256 }, (_, i) => [Buffer.of(i), Buffer.of(1)] as const) });
    const hashBig = dumpPayload({ type: KeyType.Indexed, fields: Array.from({ length: 257 }, (_, i) => [Buffer.from(String(i)), Buffer.of(1)] as const) });
    assert.equal(hashSmall[0], 0x0d);
    assert.equal(hashBig[0], 0x04);
    assert.deepEqual(big.subarray(-10), Buffer.from([6, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'version 6, checksum disabled');
  });

  it('round-trips large sorted sets and hashes and long members through a file', async () => {
    const ts = new TelescopeState();
    for (let i = 0; i < 200; i++) await ts.add('zset200', i, { ts: i });
    await ts.add('longmember', Buffer.alloc(100_000, 7), { ts: 1 });
    for (let i = 0; i < 1000; i++) await ts.setIndexed('hash1000', i, `v${i}`);
    await ts.setIndexed('bighash', Buffer.alloc(1_000_000, 1), Buffer.alloc(100_000, 2));
    await ts.add('third', 'third\n\0', { ts: 3 });
    const file = join(dir, 'big.rdb');
    await saveRdb(ts, file);
    const copy = new TelescopeState();
    assert.equal(await copy.loadFromFile(readFileSync(file)), 5);
    for (const key of await ts.keys()) assert.deepEqual(await copy.getEncoded(key), await ts.getEncoded(key), key);
    assert.equal((await copy.getRange('zset200', { st: 0 })).length, 200);
  });
});

describe('telstate RDB reader', () => {
  it("loads the spec's example file from a path and from its bytes", async () => {
    for (const source of [fixturePath('mem.rdb'), readFileSync(fixturePath('mem.rdb'))]) {
      const ts = new TelescopeState();
      assert.equal(await ts.loadFromFile(source), 3);
      assert.deepEqual(await ts.get('immutable'), ['some value']);
      assert.deepEqual(await ts.getRange('mutable', { st: 0 }), [['first', 12], ['second', 15.5]]);
      assert.deepEqual(await ts.get('indexed'), new Map<unknown, unknown>([['a', new Complex(0, 1)], ['b', 'z']]));
    }
  });

  it('reports invalid files with RdbParseError naming the file, and lets file-system errors through', async () => {
    const image = readFileSync(fixturePath('mem.rdb'));
    await assert.rejects(loadRdb(new MemoryBackend(), image.subarray(1)), (e: unknown) => e instanceof RdbParseError && /^Invalid RDB file object/.test(e.message));
    await assert.rejects(loadRdb(new MemoryBackend(), image.subarray(0, 60)), RdbParseError);
    const corrupt = Buffer.from(image);
    corrupt[11] = 0x42; // type byte 0x42 of the first key
    await assert.rejects(loadRdb(new MemoryBackend(), corrupt), /unsupported Redis value type 66/);
    await assert.rejects(loadRdb(new MemoryBackend(), join(dir, 'nonexistent.rdb')), { code: 'ENOENT' });
    const backend = new MemoryBackend();
    await assert.rejects(loadRdb(backend, image.subarray(0, image.length - 20)));
    assert.deepEqual(await backend.keys(Buffer.from('*')), [], 'a bad file loads nothing');
  });

  it('reads integer-encoded and LZF strings, ziplist integers, expiries, AUX and RESIZEDB', () => {
    const file = Buffer.concat([
      Buffer.from('REDIS0009'),
      Buffer.of(0xfa, 3), Buffer.from('ver'), Buffer.of(0xc0, 7), // AUX with an int8 value
      Buffer.of(0xfe, 0, 0xfb, 2, 0),
      Buffer.of(0xfc), Buffer.from('00a0724e18090000', 'hex'), // expiry in ms
      Buffer.of(0x00, 0xc1, 0x39, 0x30), Buffer.of(0xc3, 6, 9, 0x02, 0x61, 0x62, 0x63, 0x80, 0x02), // key 12345 = LZF 'abcabcabc'
      Buffer.of(0x00, 0xc2), Buffer.from('d2029649', 'hex'), Buffer.of(0xc0, 0xf5), // key 1234567890 = -11
      Buffer.of(0xff), Buffer.alloc(8),
    ]);
    const entries = parseRdb(file);
    assert.deepEqual(entries.map((e) => [e.key.toString(), Buffer.from((e.data as { value: Uint8Array }).value).toString(), e.expireAtMs]), [
      ['12345', 'abcabcabc', 10_000_000_000_000],
      ['1234567890', '-11', undefined],
    ]);
    assert.deepEqual(parseZiplist(encodeZiplist([Buffer.from('x'), 0, 12, 13])).map(String), ['x', '0', '12', '13']);
  });

  it('reads listpacks, as Redis 7 dumps small hashes and sorted sets', () => {
    // total(4) count(2) | 'a' (0x81 'a', backlen 2) | 7 (0x07, backlen 1) | -2 as int13 (0xdf 0xfe, backlen 2) | str12 'bb' | end
    const lp = Buffer.from('1a0000000500' + '816102' + '0701' + 'dffe02' + 'e0026262' + '04' + 'f1393003' + 'ff', 'hex');
    lp.writeUInt32LE(lp.length, 0);
    assert.deepEqual(parseListpack(lp).map(String), ['a', '7', '-2', 'bb', '12345']);
  });

  it('decompresses LZF with overlapping back-references and rejects corrupt streams', () => {
    assert.equal(lzfDecompress(Buffer.from('0261626380 02'.replace(' ', ''), 'hex'), 9).toString(), 'abcabcabc');
    assert.throws(() => lzfDecompress(Buffer.from('02616263e0ff', 'hex'), 9), /back-reference/);
    assert.throws(() => lzfDecompress(Buffer.from('0561', 'hex'), 6), /literal/);
    assert.throws(() => lzfDecompress(Buffer.from('0061', 'hex'), 1_000_000), /implausible/);
    assert.throws(() => new RdbCursor(Buffer.of(0x82)).length(), /invalid length byte/);
  });
});
