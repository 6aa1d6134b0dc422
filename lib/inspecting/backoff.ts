/**
 * katcp-python's `ExponentialRandomBackoff`, with delays in milliseconds.
 * @module
 */
import { KatcpError } from '../errors.js';

/** Options of {@link ExponentialRandomBackoff}; delays in milliseconds. */
export interface ExponentialRandomBackoffOptions {
  /** Base delay after a success and at construction (ms). Default 1000. */
  delayInitial?: number;
  /** Upper bound of every delay (ms). Default 90 000. */
  delayMax?: number;
  /** Growth factor of the base delay per failure; must be > 1. Default 3. */
  expFac?: number;
  /** Share of the delay that is random, in [0, 1]. Default 0.95. */
  randomicity?: number;
  /** Uniform random source in [0, 1); defaults to `Math.random` (inject a fixed one in tests). */
  random?: () => number;
}

/**
 * Exponential backoff with a random part, exactly as katcp-python computes it:
 * the current `delay` is `min(((1 - r) + r * U) * base, delayMax)` with `U` uniform in [0, 1),
 * recomputed at construction, after {@link failed} (which first multiplies `base` by `expFac`,
 * capped at `delayMax`) and after {@link success} (which resets `base` to `delayInitial`).
 *
 * Callers sleep the delay that was current *before* calling `failed()`. The inspecting client
 * uses 5 s up to 90 s (growth 3, randomicity 0.95), so consecutive retries wait in
 * [0.25, 5), [0.75, 15), [2.25, 45), then [4.5, 90) seconds.
 *
 * Unlike katcp-python (whose resync loop never reaches its `success()` call), the inspecting
 * client calls `success()` after every completed sync, so the delay starts small again.
 */
export class ExponentialRandomBackoff {
  /** Base delay after a success (ms). */
  readonly delayInitial: number;
  /** Maximum delay (ms). */
  readonly delayMax: number;
  /** Growth factor per failure. */
  readonly expFac: number;
  /** Random share of the delay, in [0, 1]. */
  readonly randomicity: number;
  #random: () => number;
  #base: number;
  #delay = 0;

  /** @throws KatcpError when the parameters are out of range */
  constructor(opts: ExponentialRandomBackoffOptions = {}) {
    const { delayInitial = 1000, delayMax = 90_000, expFac = 3, randomicity = 0.95, random = Math.random } = opts;
    if (!(delayInitial >= 0 && delayInitial <= delayMax)) {
      throw new KatcpError(`backoff needs 0 <= delayInitial <= delayMax (got ${delayInitial}, ${delayMax})`, 'KATCP_ERR_ARGUMENT');
    }
    if (!(randomicity >= 0 && randomicity <= 1)) {
      throw new KatcpError(`backoff randomicity must be in [0, 1] (got ${randomicity})`, 'KATCP_ERR_ARGUMENT');
    }
    if (!(expFac > 1)) throw new KatcpError(`backoff expFac must be > 1 (got ${expFac})`, 'KATCP_ERR_ARGUMENT');
    this.delayInitial = delayInitial;
    this.delayMax = delayMax;
    this.expFac = expFac;
    this.randomicity = randomicity;
    this.#random = random;
    this.#base = delayInitial;
    this.#recompute();
  }

  /** The delay to wait before the next retry (ms). */
  get delay(): number {
    return this.#delay;
  }

  /** Record a failure: grow the base delay (capped) and draw a new delay. */
  failed(): void {
    this.#base = Math.min(this.#base * this.expFac, this.delayMax);
    this.#recompute();
  }

  /** Record a success: reset the base delay and draw a new delay. */
  success(): void {
    this.#base = this.delayInitial;
    this.#recompute();
  }

  #recompute(): void {
    const r = this.randomicity;
    this.#delay = Math.min((1 - r + r * this.#random()) * this.#base, this.delayMax);
  }
}
