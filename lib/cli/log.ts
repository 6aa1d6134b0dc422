/**
 * `katcp log ADDR [--level L] [--output FILE]` (kcplog): follow a device's `#log` stream with
 * timestamps, set the device's log level on every connection, reconnect with backoff for ever,
 * reopen the output file on SIGHUP, raise/lower the level on SIGUSR1/SIGUSR2.
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Option } from 'commander';
import { createColors } from 'picocolors';
import type { Client } from '../client/client.js';
import { isLogLevel, LOG_LEVELS } from '../codec/log-level.js';
import type { LogLevel } from '../codec/log-level.js';
import type { Message } from '../codec/message.js';
import { getType } from '../codec/types.js';
import { colorsFor } from './colors.js';
import { describeError, durationOption, ExitCode, newProgram, oneDevice, runProgram, UsageError } from './common.js';
import type { CliAddress } from './common.js';
import { makeClient } from './connect.js';
import { isoTime, showArg } from './format.js';

interface LogFlags {
  level?: string;
  output?: string;
  truncate?: boolean;
  attempts?: number;
  connectTimeout: number;
  lenient?: boolean;
  debug?: boolean;
}

const EXAMPLES = `  katcp log 127.0.0.1:7147                              # follow the log, reconnecting for ever
  katcp log 127.0.0.1:7147 --level debug --output dev.log   # kill -HUP reopens dev.log (logrotate)
  kill -USR1 <pid>   # raise the device's level one step (less output); -USR2 lowers it`;

/** Where log lines go: stdout, or a file that SIGHUP reopens. */
class LogSink {
  readonly #path: string | undefined;
  #fd: number | undefined;

  constructor(path: string | undefined, truncate: boolean) {
    this.#path = path;
    if (path !== undefined) this.#fd = openSync(path, truncate ? 'w' : 'a');
  }

  write(line: string): void {
    if (this.#fd === undefined) process.stdout.write(line);
    else writeSync(this.#fd, line);
  }

  /** Close and open the file again (after log rotation moved it away). */
  reopen(): void {
    if (this.#path === undefined) return;
    const old = this.#fd;
    this.#fd = openSync(this.#path, 'a');
    if (old !== undefined) closeSync(old);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Follows one device's log. */
class LogFollower {
  readonly #addr: CliAddress;
  readonly #client: Client;
  readonly #sink: LogSink;
  readonly #colors;
  #level: LogLevel | undefined;

  constructor(addr: CliAddress, client: Client, sink: LogSink, level: LogLevel | undefined, toTerminal: boolean) {
    this.#addr = addr;
    this.#client = client;
    this.#sink = sink;
    this.#level = level;
    this.#colors = toTerminal ? colorsFor(process.stdout) : createColors(false);
    client.on('log', (msg) => this.#log(msg));
    client.on('connected', () => {
      this.#note(`connected to ${addr.label}`);
      this.#applyLevel();
    });
    client.on('disconnected', (cause) => this.#note(`lost ${addr.label}${cause === undefined ? '' : ` (${cause.message})`}; reconnecting`));
    client.on('connectFailed', (err) => this.#note(`cannot connect to ${addr.label} (${err.message}); retrying`));
  }

  #note(text: string): void {
    process.stderr.write(`katcp log: ${text}\n`);
  }

  #log(msg: Message): void {
    // #log level timestamp name message
    let when: string;
    try {
      when = isoTime(getType('timestamp').decode(msg.arguments[1] ?? Buffer.alloc(0), this.#client.codecContext) as number);
    } catch {
      when = showArg(msg.arguments[1] ?? Buffer.alloc(0), 'text');
    }
    const level = msg.arg(0);
    const colour = level === 'error' || level === 'fatal' ? this.#colors.red : level === 'warn' ? this.#colors.yellow : level === 'debug' || level === 'trace' ? this.#colors.dim : (s: string) => s;
    const text = msg.arguments.slice(3).map((a) => showArg(a, 'text')).join(' ');
    this.#sink.write(`${when} ${colour(level.toUpperCase().padEnd(5))} ${showArg(msg.arguments[2] ?? Buffer.alloc(0), 'text')}: ${text}\n`);
  }

  /** Step the level up (+1, less output) or down (-1) and send it. */
  step(delta: number): void {
    const current = LOG_LEVELS.indexOf(this.#level ?? 'info');
    const next = LOG_LEVELS[Math.min(LOG_LEVELS.length - 1, Math.max(0, current + delta))];
    if (next === undefined) return;
    this.#level = next;
    this.#applyLevel();
  }

  #applyLevel(): void {
    const level = this.#level;
    if (level === undefined || !this.#client.isConnected) return;
    this.#client.request('log-level', level).then(
      () => this.#note(`log level of ${this.#addr.label} set to ${level}`),
      (err: unknown) => this.#note(`cannot set the log level to ${level}: ${describeError(err, false)}`),
    );
  }
}

/** `katcp log`: resolves to the exit code (0 after SIGINT/SIGTERM). */
export async function logCommand(argv: string[]): Promise<number> {
  const program = newProgram('log', "Follow a device's #log messages, reconnecting with backoff for ever.", EXAMPLES)
    .usage('[options] [ADDR]')
    .argument('[words...]', 'ADDR (host:port, default $KATCP_SERVER)')
    .addOption(new Option('-l, --level <level>', `set the device's log level on every connection (${LOG_LEVELS.join(', ')})`))
    .option('-o, --output <file>', 'append to FILE instead of stdout (SIGHUP reopens it)')
    .option('--truncate', 'truncate FILE at start instead of appending')
    .addOption(new Option('-a, --attempts <n>', 'give up after N failed connection attempts in a row (default never)').argParser(parseCount))
    .addOption(durationOption('--connect-timeout <seconds>', 'timeout of one connection attempt').default(5000, '5'))
    .option('--lenient', 'accept the malformed lines some C devices send');
  return runProgram<LogFlags>('log', program, argv, async (words, flags) => {
    const { addr } = oneDevice('log', words, 0);
    if (flags.level !== undefined && !isLogLevel(flags.level)) throw new UsageError(`'${flags.level}' is not a log level (${LOG_LEVELS.join(', ')})`);
    const level = flags.level;
    const sink = new LogSink(flags.output, flags.truncate === true);
    const client = makeClient(addr, { reconnect: 'always', attempts: flags.attempts, debug: flags.debug, lenient: flags.lenient, connectTimeout: flags.connectTimeout });
    const follower = new LogFollower(addr, client, sink, level, flags.output === undefined);
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const signals: [NodeJS.Signals, () => void][] = [
      ['SIGINT', stop],
      ['SIGTERM', stop],
      ['SIGHUP', () => sink.reopen()],
      ['SIGUSR1', () => follower.step(1)],
      ['SIGUSR2', () => follower.step(-1)],
    ];
    for (const [sig, fn] of signals) process.on(sig, fn);
    try {
      await Promise.race([stopped, client.waitClosed()]);
      return client.state === 'closed' && client.lastError !== undefined ? ExitCode.Connect : ExitCode.Ok;
    } finally {
      for (const [sig, fn] of signals) process.off(sig, fn);
      client.removeAllListeners('disconnected');
      await client.close();
      sink.close();
    }
  });
}

function parseCount(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--attempts needs a whole number >= 1, not '${text}'`);
  return Number(text);
}
