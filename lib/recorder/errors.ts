/**
 * Errors of the sensor recorder. {@link SensorRecordError} extends the telstate store's
 * {@link TelstateError}, as katsdptelstate-based tools expect, but lives with the recorder.
 * @module
 */
import { KatcpErrorCode } from '../errors.js';
import type { KatcpErrorOptions } from '../errors.js';
import { TelstateError } from '../telstate/errors.js';

/** What a {@link SensorRecordError} is about. */
export const RecordStage = {
  /** Writing a reading to the telescope state failed (including an immutable that changed). */
  Write: 'write',
  /** The user's `convert` function threw. */
  Convert: 'convert',
  /** The sensor's strategy could not be parsed, or the device refused it. */
  Strategy: 'strategy',
  /** Reading a static sensor (`?sensor-value`) failed. */
  Poll: 'poll',
  /** The user's `rename` function threw or returned an invalid key. */
  Rename: 'rename',
} as const;
/** One of {@link RecordStage}. */
export type RecordStage = (typeof RecordStage)[keyof typeof RecordStage];

const STAGE_CODES = {
  write: KatcpErrorCode.RecordWrite,
  convert: KatcpErrorCode.RecordConvert,
  strategy: KatcpErrorCode.RecordStrategy,
  poll: KatcpErrorCode.RecordPoll,
  rename: KatcpErrorCode.RecordRename,
} as const satisfies Record<RecordStage, KatcpErrorCode>;

/**
 * A sensor recorder could not record a sensor or a reading. The recorder keeps going: later
 * readings (and other sensors) are still recorded. Code `TELSTATE_ERR_RECORD_<STAGE>`.
 */
export class SensorRecordError extends TelstateError {
  /** The KATCP name of the sensor. */
  readonly sensor: string;
  /** The telstate key, when the failure concerns one key. */
  readonly key: string | undefined;
  /** What failed. */
  readonly stage: RecordStage;

  constructor(stage: RecordStage, sensor: string, key: string | undefined, message: string, options?: KatcpErrorOptions) {
    super(message, STAGE_CODES[stage], options);
    this.name = 'SensorRecordError';
    this.stage = stage;
    this.sensor = sensor;
    this.key = key;
  }
}
