/**
 * `katcp request ADDR NAME [ARG...]` (alias `req`): one request to one or several devices, the
 * informs and the reply shown readably, raw, in hex or as JSON (kcpcmd, kcppar, katcpcmd).
 * @module
 */
import { Option } from 'commander';
import type { Client } from '../client/client.js';
import type { Message } from '../codec/message.js';
import { KatcpTimeoutError } from '../errors.js';
import { addressesFrom, describeError, durationOption, exitCodeFor, ExitCode, newProgram, parseAddressList, runProgram, UsageError } from './common.js';
import type { CliAddress } from './common.js';
import { firstConnection, makeClient } from './connect.js';
import { jsonArg, jsonMessage, readableMessage, requestArgument, showArg } from './format.js';
import type { ArgMode, JsonMessage } from './format.js';

interface RequestFlags {
  server?: string[];
  timeout?: number;
  connectTimeout: number;
  json?: boolean;
  raw?: boolean;
  hex?: boolean;
  autoHex?: boolean;
  arg?: number;
  informs: boolean;
  lenient?: boolean;
  debug?: boolean;
}

/** What happened on one device. */
interface DeviceOutcome {
  device: string;
  /** `ok`, `fail`, `invalid` (or the device's own code), `timeout`, `connect-error`, `interrupted`. */
  status: string;
  code: number;
  arguments: string[];
  informs: JsonMessage[];
  error?: string;
}

const EXAMPLES = `  katcp request 127.0.0.1:7147 add 3 6          # prints  !add ok 9.0
  katcp req 127.0.0.1:7147 ?help --no-informs     # the leading ? is optional
  katcp request dev1:7147,dev2:7147 watchdog      # several devices in parallel
  katcp request -s dev1:7147 -s dev2:7147 --json sensor-value cpu.temp
  KATCP_SERVER=dev1:7147 katcp request --arg 1 sensor-value cpu.temp
  katcp request 127.0.0.1:7147 --auto-hex echo 0x00ff   # 0x arguments are sent as bytes
  katcp request 127.0.0.1:7147 add -- -1 2        # -- before arguments that start with -`;

/** A command-line request on one device; prints as it goes and resolves to the outcome. */
class DeviceRequest {
  readonly #addr: CliAddress;
  readonly #flags: RequestFlags;
  readonly #mode: ArgMode;
  readonly #prefix: string;
  readonly #prefixed: boolean;
  readonly #outcome: DeviceOutcome;

  constructor(addr: CliAddress, flags: RequestFlags, prefixed: boolean) {
    this.#addr = addr;
    this.#flags = flags;
    this.#mode = flags.hex === true ? 'hex' : flags.autoHex === true ? 'auto-hex' : 'text';
    this.#prefixed = prefixed;
    this.#prefix = prefixed ? `${addr.label} ` : '';
    this.#outcome = { device: addr.label, status: 'ok', code: ExitCode.Ok, arguments: [], informs: [] };
  }

  async run(name: string, args: readonly (string | Buffer)[], signal: AbortSignal): Promise<DeviceOutcome> {
    const client = makeClient(this.#addr, { reconnect: 'never', debug: this.#flags.debug, lenient: this.#flags.lenient, connectTimeout: this.#flags.connectTimeout });
    try {
      await firstConnection(client, this.#addr, this.#flags.connectTimeout, signal);
      await this.#send(client, name, args, signal);
    } catch (err) {
      this.#failed(err, name);
    } finally {
      await client.close();
    }
    return this.#outcome;
  }

  async #send(client: Client, name: string, args: readonly (string | Buffer)[], signal: AbortSignal): Promise<void> {
    const { reply } = await client.requestRaw(name, ...args, {
      timeout: this.#flags.timeout,
      signal,
      onInform: (inform: Message) => this.#inform(inform),
    });
    const status = reply.arguments.length > 0 ? reply.arg(0) : '';
    this.#outcome.status = status === '' ? 'invalid' : status;
    this.#outcome.code = reply.isReplyOk ? ExitCode.Ok : ExitCode.Failed;
    this.#outcome.arguments = reply.arguments.slice(1).map((a) => jsonArg(a, this.#mode));
    if (this.#flags.json === true) return;
    if (this.#flags.arg !== undefined) {
      const arg = reply.arguments[this.#flags.arg];
      if (arg === undefined) throw new UsageError(`the reply has no argument ${this.#flags.arg}: ${readableMessage(reply)}`);
      this.#line(showArg(arg, this.#mode));
      return;
    }
    this.#message(reply);
  }

  #inform(inform: Message): void {
    if (!this.#flags.informs) return;
    if (this.#flags.json === true) this.#outcome.informs.push(jsonMessage(inform, this.#mode));
    else if (this.#flags.arg === undefined) this.#message(inform);
  }

  #message(msg: Message): void {
    if (this.#flags.raw === true) {
      process.stdout.write(this.#prefix);
      process.stdout.write(msg.toBytes());
    } else {
      this.#line(readableMessage(msg, this.#mode));
    }
  }

  #line(text: string): void {
    process.stdout.write(`${this.#prefix}${text}\n`);
  }

  #failed(err: unknown, name: string): void {
    const code = exitCodeFor(err);
    this.#outcome.code = code;
    this.#outcome.status = code === ExitCode.Timeout ? 'timeout' : code === ExitCode.Connect ? 'connect-error' : code === ExitCode.Interrupted ? 'interrupted' : 'error';
    let message = describeError(err, this.#flags.debug === true);
    if (err instanceof KatcpTimeoutError && !message.includes(`?${name}`)) message = `?${name}: ${message}`;
    this.#outcome.error = message;
    if (code === ExitCode.Usage) this.#outcome.code = ExitCode.Failed;
    const where = this.#prefixed && !message.includes(this.#addr.label) ? `${this.#addr.label}: ` : '';
    process.stderr.write(`katcp request: ${where}${message}\n`);
  }
}

/** `katcp request`: resolves to the exit code (the highest of the devices'). */
export async function requestCommand(argv: string[]): Promise<number> {
  const program = newProgram('request', 'Send one request to one or several devices and print its informs and reply.', EXAMPLES)
    .usage('[options] [ADDR[,ADDR...]] NAME [ARG...]')
    .argument('[words...]', 'ADDR (host:port or [v6]:port, or several joined by commas; default $KATCP_SERVER), then the request name and its arguments')
    .option('-s, --server <addr>', 'a device to send to (repeatable, or comma-separated)', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(durationOption('-t, --timeout <seconds>', 'request timeout (default: the device\'s timeout hint + 1 s, else 10 s)'))
    .addOption(durationOption('--connect-timeout <seconds>', 'connection timeout').default(5000, '5'))
    .option('--json', 'print one JSON document: status, arguments, informs (an array for several devices)')
    .addOption(new Option('--raw', 'print the wire lines as received').conflicts(['json', 'hex', 'autoHex']))
    .addOption(new Option('-x, --hex', 'show every argument in hex').conflicts('autoHex'))
    .option('-a, --auto-hex', 'hex only for arguments that are not printable')
    .addOption(new Option('-p, --arg <N>', 'print only argument N of the reply (0 is the status, 1 the first value)').argParser(parseIndex))
    .option('--no-informs', 'do not print the informs of the request')
    .option('--lenient', 'accept the malformed lines some C devices send');
  return runProgram<RequestFlags>('request', program, argv, async (words, flags) => {
    let addresses: CliAddress[];
    let rest: string[];
    if (flags.server !== undefined) {
      addresses = flags.server.flatMap((s) => parseAddressList(s, true));
      rest = words;
    } else {
      ({ addresses, rest } = addressesFrom(words));
    }
    const [rawName, ...rawArgs] = rest;
    if (rawName === undefined) throw new UsageError('no request name given');
    const name = rawName.startsWith('?') ? rawName.slice(1) : rawName;
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) throw new UsageError(`'${rawName}' is not a request name`);
    const mode: ArgMode = flags.hex === true ? 'hex' : flags.autoHex === true ? 'auto-hex' : 'text';
    const args = rawArgs.map((a) => requestArgument(a, mode));

    const abort = new AbortController();
    const onSigint = (): void => abort.abort(new Error('interrupted'));
    process.once('SIGINT', onSigint);
    try {
      const outcomes = await Promise.all(addresses.map((addr) => new DeviceRequest(addr, flags, addresses.length > 1).run(name, args, abort.signal)));
      if (flags.json === true) {
        const docs = outcomes.map(({ code: _code, ...doc }) => doc);
        process.stdout.write(`${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`);
      }
      return Math.max(...outcomes.map((o) => o.code));
    } finally {
      process.off('SIGINT', onSigint);
    }
  });
}

function parseIndex(text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--arg needs a whole number, not '${text}'`);
  return Number(text);
}
