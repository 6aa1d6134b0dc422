/**
 * The exit codes of every `katcp` command. Apart from `common.ts` (which loads commander) so that
 * commands parsing their own arguments, such as `katcp monitor`, can use them cheaply.
 * @module
 */

/** Exit codes of every command (documented in `--help` and the README). */
export const ExitCode = {
  Ok: 0,
  /** Could not connect (refused, unreachable, connect timeout, lost connection). */
  Connect: 1,
  /** The device replied `fail` or `invalid` (or something other than `ok`). */
  Failed: 2,
  /** A request or a wait timed out. */
  Timeout: 3,
  /** Bad command line (EX_USAGE). */
  Usage: 64,
  /** A bug in katcp itself (EX_SOFTWARE). */
  Internal: 70,
  /** Interrupted by SIGINT. */
  Interrupted: 130,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
