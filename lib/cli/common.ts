/**
 * What every `katcp` command shares: exit codes, addresses, durations, error reporting
 * and the commander set-up (usage errors exit 64, `--help` exits 0, other errors are one line
 * on stderr, with the stack only under `--debug`).
 * @module
 */
import { Command, CommanderError, Option } from 'commander';
import { ConnectionClosedError, FailReply, InvalidReply, KatcpAbortError, KatcpError, KatcpTimeoutError, KatcpUsageError as UsageError, NotConnectedError, ProtocolVersionError } from '../errors.js';
import { ExitCode } from './exit-codes.js';

export { KatcpUsageError as UsageError } from '../errors.js';
export { ExitCode } from './exit-codes.js';

/** The exit-code paragraph shown by `--help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0   success
  1   could not connect (refused, unreachable, connection lost)
  2   the device replied fail or invalid
  3   timeout
  64  usage error
  With several devices the exit code is the highest of theirs.`;


/** A device address as typed on the command line. */
export interface CliAddress {
  readonly host: string;
  readonly port: number;
  /** The canonical text form: `host:port` or `[v6]:port`. */
  readonly label: string;
}

/** The port `kcpcmd` assumes when `-s` / `KATCP_SERVER` names only a host. */
export const DEFAULT_PORT = 7147;

function makeAddress(host: string, port: number): CliAddress {
  return { host, port, label: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` };
}

/**
 * Parse `host:port` or `[v6addr]:port` (a bare host, or `[v6]`, only when `portOptional`).
 * @throws UsageError for anything else
 */
export function parseAddress(text: string, portOptional = false): CliAddress {
  const m = /^(?:\[([0-9A-Fa-f:.%\w]+)\]|([^\s:[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = m?.[1] ?? m?.[2];
  const portText = m?.[3];
  if (m === null || host === undefined || (portText === undefined && !portOptional)) {
    throw new UsageError(`'${text}' is not an address: write host:port or [v6addr]:port`);
  }
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (port < 1 || port > 65535) throw new UsageError(`port ${portText ?? ''} in '${text}' is outside 1..65535`);
  return makeAddress(host, port);
}

/** True when `text` reads as one or more comma-separated addresses with ports. */
export function looksLikeAddresses(text: string): boolean {
  return text.split(',').every((part) => {
    try {
      parseAddress(part);
      return true;
    } catch {
      return false;
    }
  });
}

/** Parse a comma-separated list of addresses. @throws UsageError */
export function parseAddressList(text: string, portOptional = false): CliAddress[] {
  const parts = text.split(',').filter((p) => p.trim() !== '');
  if (parts.length === 0) throw new UsageError(`no address in '${text}'`);
  return parts.map((p) => parseAddress(p, portOptional));
}

/**
 * Where a command connects: the first positional argument when it reads as an address, else
 * `KATCP_SERVER`. Returns the addresses and the positional arguments left over.
 * @throws UsageError when neither gives an address
 */
export function addressesFrom(positionals: readonly string[], env: NodeJS.ProcessEnv = process.env): { addresses: CliAddress[]; rest: string[] } {
  const first = positionals[0];
  if (first !== undefined && looksLikeAddresses(first)) return { addresses: parseAddressList(first), rest: positionals.slice(1) };
  const fallback = env.KATCP_SERVER;
  if (fallback !== undefined && fallback.trim() !== '') return { addresses: parseAddressList(fallback, true), rest: [...positionals] };
  throw new UsageError(first === undefined ? 'no device address given (nor KATCP_SERVER)' : `'${first}' is not an address (host:port) and KATCP_SERVER is not set`);
}

/**
 * The one device of a single-device command (`katcp <command> takes one device`) and the
 * positional arguments after it, at most `maxRest` of them (the message says what they are).
 * @throws UsageError for no device, several devices or too many arguments
 */
export function oneDevice(command: string, positionals: readonly string[], maxRest: number, restName = 'FILTER'): { addr: CliAddress; rest: string[] } {
  const { addresses, rest } = addressesFrom(positionals);
  const [addr] = addresses;
  if (addr === undefined || addresses.length > 1) throw new UsageError(`katcp ${command} takes one device`);
  if (rest.length > maxRest) {
    throw new UsageError(maxRest === 0 ? `unexpected arguments: ${rest.join(' ')}` : `one ${restName} at most, not '${rest.join(' ')}'`);
  }
  return { addr, rest };
}

/**
 * Parse a duration given in seconds like the classic tools (`2.5`), or with a unit (`300ms`,
 * `2s`); `inf`/`forever` mean no limit. Returns milliseconds.
 * @throws UsageError for anything else, including negative and NaN values
 */
export function parseDuration(text: string, what = 'duration'): number {
  const t = text.trim().toLowerCase();
  if (t === 'inf' || t === 'infinity' || t === 'forever') return Infinity;
  const m = /^(\d+(?:\.\d*)?|\.\d+)(ms|s)?$/.exec(t);
  if (m === null) throw new UsageError(`${what} must be a number of seconds (e.g. 2.5, 2.5s or 300ms), not '${text}'`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : n * 1000;
}

/** A commander option whose value is a duration in seconds (parsed to milliseconds). */
export function durationOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((v: string) => parseDuration(v, flags.split(/[ ,]/).find((f) => f.startsWith('--')) ?? flags));
}

/** True when coloured output and progress bars suit `stream` (a terminal, and no `NO_COLOR`). */
export function isFancy(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** Map an error to the exit code of the contract. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof UsageError) return ExitCode.Usage;
  if (err instanceof KatcpTimeoutError) return ExitCode.Timeout;
  if (err instanceof FailReply || err instanceof InvalidReply) return ExitCode.Failed;
  if (err instanceof KatcpAbortError) return ExitCode.Interrupted;
  if (err instanceof ConnectionClosedError || err instanceof NotConnectedError || err instanceof ProtocolVersionError) return ExitCode.Connect;
  // Socket errors (ECONNREFUSED, EHOSTUNREACH...) when one escapes without a wrapper.
  if (err instanceof Error && 'code' in err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) return ExitCode.Connect;
  if (err instanceof KatcpError) return ExitCode.Failed;
  return ExitCode.Internal;
}

/** The one line (or, under `--debug`, the stack) that reports `err`. */
export function describeError(err: unknown, debug: boolean): string {
  if (!(err instanceof Error)) return String(err);
  if (debug) {
    let text = err.stack ?? `${err.name}: ${err.message}`;
    for (let cause = err.cause; cause instanceof Error; cause = cause.cause) text += `\ncaused by: ${cause.stack ?? cause.message}`;
    return text;
  }
  let text = err.message;
  // A connection error's own message is often just "client closed": the cause says why.
  if (err.cause instanceof Error && !text.includes(err.cause.message)) text += `: ${err.cause.message}`;
  return text;
}

/** Write one error line for `command` and return its exit code. */
export function reportError(command: string, err: unknown, debug: boolean): ExitCode {
  process.stderr.write(`katcp ${command}: ${describeError(err, debug)}\n`);
  return exitCodeFor(err);
}

/** A commander program for `katcp <name>` with the shared behaviour; add options and an action. */
export function newProgram(name: string, summary: string, examples: string): Command {
  const program = new Command(`katcp ${name}`)
    .description(summary)
    .allowExcessArguments(false)
    .option('--debug', 'show stack traces and client diagnostics')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showHelpAfterError(`(run katcp ${name} --help for usage)`)
    .addHelpText('after', `\nExamples:\n${examples}\n\n${EXIT_CODES_HELP}`);
  return program;
}

/**
 * Parse `argv` with `program` and run `action` with the parsed positionals and options;
 * resolves to the exit code. Commander's own usage errors give 64 and `--help` gives 0.
 */
export async function runProgram<O>(
  name: string,
  program: Command,
  argv: readonly string[],
  action: (positionals: string[], opts: O & { debug?: boolean }) => Promise<number>,
): Promise<number> {
  let code: number = ExitCode.Ok;
  let debug = argv.includes('--debug');
  program.action(async (...params: unknown[]) => {
    const cmd = params[params.length - 1] as Command;
    const opts = cmd.opts<O & { debug?: boolean }>();
    debug = opts.debug === true;
    code = await action(cmd.args, opts);
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    if (err instanceof UsageError) {
      process.stderr.write(`katcp ${name}: ${err.message}\n(run katcp ${name} --help for usage)\n`);
      return ExitCode.Usage;
    }
    return reportError(name, err, debug);
  }
  return code;
}
