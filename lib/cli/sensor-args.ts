/**
 * Sensor filters and sampling strategies as typed on the command line.
 * @module
 */
import { STRATEGY_PARAM_COUNT, isStrategyName } from '../sensor/strategy.js';
import type { SamplingStrategy } from '../sensor/strategy.js';
import { UsageError } from './common.js';

/** A sensor-name filter: a substring, or `/regex/` (also sent to the device as its own filter). */
export interface SensorNameFilter {
  /** What to pass to `?sensor-list` / `?sensor-value` (a `/regex/`), or undefined for all. */
  readonly deviceArg: string | undefined;
  /** True for the names the filter keeps. */
  test(name: string): boolean;
  /** The filter as typed ('' for none). */
  readonly text: string;
}

/**
 * Parse FILTER: `/regex/` or a plain substring (case-sensitive); undefined keeps everything.
 * @throws UsageError for an invalid regular expression
 */
export function parseSensorFilter(text: string | undefined): SensorNameFilter {
  if (text === undefined || text === '') return { deviceArg: undefined, test: () => true, text: '' };
  const m = /^\/(.*)\/$/s.exec(text);
  if (m !== null) {
    let re: RegExp;
    try {
      re = new RegExp(m[1] ?? '');
    } catch (err) {
      throw new UsageError(`invalid regular expression ${text}: ${(err as Error).message}`);
    }
    return { deviceArg: text, test: (name) => re.test(name), text };
  }
  return { deviceArg: undefined, test: (name) => name.includes(text), text };
}

const STRATEGY_HELP = 'auto, event, none, period S, differential D, event-rate SHORTEST LONGEST, differential-rate D SHORTEST LONGEST (times in seconds; write period:0.5 or "period 0.5")';

/** The `--strategy` help text. */
export const STRATEGY_OPTION_HELP = `sampling strategy: ${STRATEGY_HELP}`;

/**
 * Parse `--strategy` words (`period 0.5`, `period:0.5`, `event-rate 1 10`...).
 * @throws UsageError for an unknown strategy or a wrong number of parameters
 */
export function parseStrategyWords(words: readonly string[]): SamplingStrategy {
  const tokens = words.flatMap((w) => w.split(/[\s:,]+/)).filter((t) => t !== '');
  const [name, ...params] = tokens;
  if (name === undefined || !isStrategyName(name)) throw new UsageError(`unknown strategy '${tokens.join(' ')}': use ${STRATEGY_HELP}`);
  const want = STRATEGY_PARAM_COUNT[name];
  if (params.length !== want) {
    throw new UsageError(`strategy ${name} takes ${want} parameter(s), got ${params.length} ('${tokens.join(' ')}'); put --strategy after the positional arguments or write ${name}:...`);
  }
  const nums = params.map((p) => {
    const n = Number(p);
    if (p.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`strategy parameter '${p}' is not a number >= 0`);
    return n;
  });
  const [a = 0, b = 0, c = 0] = nums;
  switch (name) {
    case 'none':
    case 'auto':
    case 'event':
      return { strategy: name };
    case 'period':
      return { strategy: 'period', period: a };
    case 'differential':
      return { strategy: 'differential', difference: a };
    case 'event-rate':
      return { strategy: 'event-rate', shortest: a, longest: b };
    case 'differential-rate':
      return { strategy: 'differential-rate', difference: a, shortest: b, longest: c };
  }
}
