/**
 * Writing RDB files that `redis-server` loads (katsdptelstate's `RDBWriter`): header
 * `REDIS0006`, `SELECTDB 0`, then for each key the type byte of its `DUMP` payload, the key and
 * the payload body, then `EOF` and a zero (disabled) checksum. Keys may come from several
 * stores; a file that ends up with no keys is removed on close.
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { open, unlink } from 'node:fs/promises';
import type { Backend } from './backend.js';
import { TelstateError } from './errors.js';
import type { Key } from './keys.js';
import { keyBytes, keyString } from './keys.js';
import { encodeRdbString } from './rdb-encode.js';
import type { HasBackend } from './rdb-reader.js';

const HEADER = Buffer.concat([Buffer.from('REDIS0006'), Buffer.of(0xfe, 0x00)]);
const TRAILER = Buffer.of(0xff, 0, 0, 0, 0, 0, 0, 0, 0);
/** DUMP payloads end with a 2-byte RDB version and an 8-byte CRC64. */
const DUMP_FOOTER_LENGTH = 10;

/** A key that could not be saved, and why. */
export interface RdbFailure {
  readonly key: string;
  readonly reason: string;
}

/** Counts of a save. */
export interface RdbSaveResult {
  keysWritten: number;
  keysFailed: number;
  failures: RdbFailure[];
}

/** Writes keys from one or more stores into one RDB file. Call {@link RdbWriter.close} at the end. */
export class RdbWriter {
  /** The file being written. */
  readonly path: string;
  /** Keys written so far. */
  keysWritten = 0;
  /** Keys that could not be saved (missing, or a bad dump). */
  keysFailed = 0;
  /** Why each failed key failed (`'Key not found in Redis'` for a missing key, as in Python). */
  readonly failures: RdbFailure[] = [];
  #file: Promise<FileHandle> | undefined;
  #closed = false;

  constructor(path: string) {
    this.path = path;
  }

  async #handle(): Promise<FileHandle> {
    if (this.#closed) throw new TelstateError('the RDB writer is closed');
    this.#file ??= (async () => {
      const fh = await open(this.path, 'w');
      await fh.write(HEADER);
      return fh;
    })();
    return this.#file;
  }

  /**
   * Save keys from a backend or telescope state: all keys (full names, views ignored) when
   * `keys` is omitted.
   */
  async save(source: Backend | HasBackend, keys?: Iterable<Key>): Promise<void> {
    const backend = 'backend' in source ? source.backend : source;
    const fh = await this.#handle();
    const list = keys === undefined ? await backend.keys(Buffer.from('*')) : [...keys].map(keyBytes);
    for (const key of list) {
      const dump = await backend.dump(key);
      if (dump === undefined || dump.length < DUMP_FOOTER_LENGTH + 1) {
        this.keysFailed++;
        this.failures.push({ key: keyString(key), reason: dump === undefined ? 'Key not found in Redis' : 'invalid DUMP payload' });
        continue;
      }
      const body = dump.subarray(1, dump.length - DUMP_FOOTER_LENGTH);
      await fh.write(Buffer.concat([Buffer.of(dump[0]!), encodeRdbString(key), body]));
      this.keysWritten++;
    }
  }

  /** Finish the file (or remove it if it holds no keys). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const file = this.#file;
    if (file === undefined) return;
    const fh = await file;
    try {
      if (this.keysWritten > 0) await fh.write(TRAILER);
    } finally {
      await fh.close();
    }
    if (this.keysWritten === 0) await unlink(this.path);
  }
}

/** Save a store (or some of its keys) to a new RDB file in one call. */
export async function saveRdb(source: Backend | HasBackend, path: string, keys?: Iterable<Key>): Promise<RdbSaveResult> {
  const writer = new RdbWriter(path);
  try {
    await writer.save(source, keys);
  } finally {
    await writer.close();
  }
  return { keysWritten: writer.keysWritten, keysFailed: writer.keysFailed, failures: [...writer.failures] };
}
