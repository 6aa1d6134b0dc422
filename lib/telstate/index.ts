/**
 * `katcp/telstate`: a telescope-state store compatible byte for byte with MeerKAT's Python
 * katsdptelstate, in memory or on Redis.
 *
 * ```ts
 * import { TelescopeState, RedisBackend, Float64 } from 'katcp/telstate';
 * const ts = new TelescopeState(new RedisBackend('redis://localhost:6379/0'));
 * await ts.set('m000_observer', 'Ant 0');                       // immutable
 * await ts.add('m000_pos_actual_scan_azim', new Float64(12), { ts: 1700000000 });
 * const samples = await ts.getRange('m000_pos_actual_scan_azim', { st: 0 });
 * await ts.view('m000').waitKey('activity', (v) => v === 'track', { timeout: 5000 });
 * await ts.close();
 * ```
 *
 * This entry point stands alone: it imports nothing from the KATCP client stack. The sensor
 * recorder that feeds a store from a device is `katcp/recorder`.
 * @module
 */
export { TelescopeState } from './telescope-state.js';
export type {
  TelescopeStateOptions,
  AddOptions,
  GetRangeOptions,
  ViewOptions,
  IndexedValue,
  Sample,
  KeyCondition,
  IndexedCondition,
} from './telescope-state.js';
export { KeyType } from './backend.js';
export type { Backend, GetResult, KeyMonitor, KeyUpdate, RawKeyData, RawSample } from './backend.js';
export { MemoryBackend } from './memory-backend.js';
export { RedisBackend } from './redis-backend.js';
export type { RedisBackendOptions } from './redis-backend.js';
export {
  TelstateError,
  ImmutableKeyError,
  KeyNotFoundError,
  InvalidTimestampError,
  DecodeError,
  PickledValueError,
  EncodeError,
  RdbParseError,
  TelstateConnectionError,
} from './errors.js';
export { encodeValue, decodeValue, equalEncodedValues, ENCODING_MSGPACK, ENCODING_PICKLE, MsgpackExt } from './encoding.js';
export type { DecodeOptions } from './encoding.js';
export { Float64, Tuple, Complex } from './values.js';
export type { TelstateValue } from './values.js';
export { NdArray, NumpyScalar } from './numpy.js';
export type { TypedArray } from './numpy.js';
export { DType } from './dtype.js';
export type { DTypeSpec, DTypeField, FieldSpec } from './dtype.js';
export type { ElementValue } from './elements.js';
export { SEPARATOR, join, keyBytes, keyString } from './keys.js';
export type { Key } from './keys.js';
export { packTimestamp, packQueryTimestamp } from './timestamp.js';
export { loadRdb } from './rdb-reader.js';
export type { HasBackend } from './rdb-reader.js';
export { RdbWriter, saveRdb } from './rdb-writer.js';
export type { RdbFailure, RdbSaveResult } from './rdb-writer.js';
