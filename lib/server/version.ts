/**
 * This library's name and version, as sent in `#version-connect katcp-library`.
 * @module
 */
import { createRequire } from 'node:module';

/** Library name prefix in version strings. */
export const LIBRARY_NAME = 'katcp-ts';

/** The protocol version and flags a server speaks by default: 5.1, multi-client, ids, bulk sampling, timeout hints. */
export const PROTOCOL_INFO = '5.1-MIBT';

function packageVersion(): string {
  try {
    // lib/server/ and dist/server/ are both two levels below the package root.
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The package version, e.g. `0.1.0`. */
export const LIBRARY_VERSION: string = packageVersion();

/** `katcp-ts-0.1` (major.minor) and `katcp-ts-0.1.0` (full), like aiokatcp's pair. */
export function libraryVersionStrings(): [string, string] {
  const [major = '0', minor = '0'] = LIBRARY_VERSION.split('.');
  return [`${LIBRARY_NAME}-${major}.${minor}`, `${LIBRARY_NAME}-${LIBRARY_VERSION}`];
}
