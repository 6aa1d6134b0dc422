/**
 * Loading an RDB file (Redis's snapshot format, as written by `redis-server` or {@link RdbWriter})
 * into a backend: katsdptelstate's `load_from_file`. The whole file is parsed before anything is
 * written, so a corrupt file loads nothing. Keys go in as they are (views are ignored), replacing
 * existing keys, without notifications. Keys of every database in the file are loaded. Expiry
 * times are applied on Redis and ignored in memory. The CRC64 trailer is not verified.
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { Backend, RawKeyData } from './backend.js';
import { RdbParseError } from './errors.js';
import { RdbCursor, RdbFormatError, readValue } from './rdb-decode.js';
import { RdbOpcode } from './rdb-encode.js';

/** One key read from an RDB file. */
export interface RdbEntry {
  readonly key: Buffer;
  readonly data: RawKeyData;
  /** Absolute expiry in ms since the epoch, if the file sets one. */
  readonly expireAtMs: number | undefined;
}

/** Something that holds a backend (a `TelescopeState`). */
export interface HasBackend {
  readonly backend: Backend;
}

/**
 * Parse a whole RDB file image.
 * @throws RdbFormatError on malformed data (see {@link loadRdb} for the public error)
 */
export function parseRdb(image: Uint8Array): RdbEntry[] {
  const c = new RdbCursor(image);
  const magic = c.take(9).toString('latin1');
  const m = /^REDIS(\d{4})$/.exec(magic);
  if (m === null) throw new RdbFormatError('not an RDB file (bad magic)');
  const version = Number(m[1]);
  if (version < 1 || version > 12) throw new RdbFormatError(`unsupported RDB version ${version}`);
  const entries: RdbEntry[] = [];
  let expireAtMs: number | undefined;
  for (;;) {
    const op = c.u8();
    switch (op) {
      case RdbOpcode.Eof:
        return entries; // the checksum (if any) follows; it is not verified
      case RdbOpcode.SelectDb:
        c.count();
        continue;
      case RdbOpcode.ResizeDb:
        c.count();
        c.count();
        continue;
      case RdbOpcode.Aux:
        c.string();
        c.string();
        continue;
      case RdbOpcode.ExpireTimeMs:
        expireAtMs = Number(c.take(8).readBigUInt64LE(0));
        continue;
      case RdbOpcode.ExpireTime:
        expireAtMs = c.take(4).readUInt32LE(0) * 1000;
        continue;
      case RdbOpcode.Idle:
        c.count();
        continue;
      case RdbOpcode.Freq:
        c.u8();
        continue;
      default: {
        if (op >= 0xf5) throw new RdbFormatError(`unsupported RDB opcode 0x${op.toString(16)}`);
        const key = Buffer.from(c.string());
        const data = readValue(c, op);
        entries.push({ key, data, expireAtMs });
        expireAtMs = undefined;
      }
    }
  }
}

/**
 * Load an RDB file (a path, or the file's bytes) into a backend or telescope state.
 * @returns the number of keys loaded
 * @throws RdbParseError if the file is not a valid RDB file; file-system errors (e.g. ENOENT)
 *   and backend errors propagate unchanged
 */
export async function loadRdb(target: Backend | HasBackend, file: string | Uint8Array): Promise<number> {
  const backend = 'backend' in target ? target.backend : target;
  const image = typeof file === 'string' ? await readFile(file) : file;
  let entries: RdbEntry[];
  try {
    entries = parseRdb(image);
  } catch (err) {
    if (!(err instanceof RdbFormatError) && !(err instanceof RangeError)) throw err;
    throw new RdbParseError(typeof file === 'string' ? file : undefined, err.message, { cause: err });
  }
  for (const e of entries) await backend.importKey(e.key, e.data, e.expireAtMs);
  return entries.length;
}
