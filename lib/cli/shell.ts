/**
 * `katcp shell [ADDR]`: an interactive prompt (katcpcli's prompt mode). `add 1 2` or `?add 1 2`
 * sends a request; Tab completes request names and, where a sensor is expected, sensor names;
 * history persists across sessions; asynchronous informs appear above the line being typed;
 * Ctrl-C cancels a running request, Ctrl-D leaves.
 * @module
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { Interface } from 'node:readline';
import { colorsFor } from './colors.js';
import { addressesFrom, describeError, ExitCode, newProgram, parseAddress, runProgram, UsageError } from './common.js';
import { readableMessage, splitWords } from './format.js';
import { SENSOR_REQUESTS, ShellSession } from './shell-session.js';

const EXAMPLES = `  katcp shell 127.0.0.1:7147
  katcp> add 1 2              # or ?add 1 2
  !add ok 3.0
  katcp> sensor-value fa<Tab> # completes sensor names where a sensor is expected
  katcp> connect otherhost:7147`;

const SHELL_HELP = `shell commands:
  NAME [ARG...]     send ?NAME ARG... (a leading ? is optional; quote arguments with spaces)
  connect ADDR      switch to another device (host:port)
  disconnect        close the connection
  help              this text (?help lists the device's requests)
  quit, exit        leave (or Ctrl-D)
Tab completes request names and sensor names; Ctrl-C cancels a running request.`;

const SHELL_COMMANDS = ['connect', 'disconnect', 'exit', 'help', 'quit'];

/** Where the history lives: `$XDG_STATE_HOME/katcp/history`, else `~/.katcp_history`. */
export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME;
  if (state !== undefined && state !== '') return join(state, 'katcp', 'history');
  return join(env.HOME ?? homedir(), '.katcp_history');
}

const HISTORY_SIZE = 1000;

function loadHistory(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

/** The interactive loop. */
class Shell {
  readonly #rl: Interface;
  readonly #session: ShellSession;
  readonly #colors = colorsFor(process.stdout);
  readonly #historyFile: string;
  #running: AbortController | undefined;
  // The prompt is drawn only once the input loop runs.
  #prompting = false;
  // Ctrl-C count, and the count when each queued line was typed: a line typed before a Ctrl-C
  // that came before the line started is dropped (the Ctrl-C can arrive in the same read).
  #interrupts = 0;
  readonly #typed: number[] = [];

  constructor(debug: boolean) {
    this.#historyFile = historyPath();
    this.#session = new ShellSession({ notify: (text) => this.#above(this.#colors.dim(`-- ${text}`)), inform: (msg) => this.#above(readableMessage(msg)) }, debug);
    this.#rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      completer: (line: string) => this.#complete(line),
      history: loadHistory(this.#historyFile),
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      terminal: process.stdin.isTTY === true && process.stdout.isTTY === true,
    });
    this.#rl.on('SIGINT', () => this.#interrupt());
    this.#rl.on('line', () => this.#typed.push(this.#interrupts));
  }

  #prompt(): void {
    const where = this.#session.address?.label ?? 'not connected';
    this.#rl.setPrompt(`${this.#colors.cyan(`katcp ${where}`)}> `);
    this.#rl.prompt();
  }

  /** Print a line; on a terminal, first wipe what readline echoed of a line typed ahead. */
  #print(text: string): void {
    if (process.stdout.isTTY) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
    }
    process.stdout.write(`${text}\n`);
  }

  /** Print above the prompt without breaking the line being typed. */
  #above(text: string): void {
    this.#print(text);
    if (this.#running === undefined && this.#prompting && process.stdout.isTTY) this.#rl.prompt(true);
  }

  #complete(line: string): [string[], string] {
    const words = line.split(/\s+/);
    const current = words[words.length - 1] ?? '';
    if (words.length <= 1) {
      const q = current.startsWith('?') ? '?' : '';
      const pool = q === '' ? [...SHELL_COMMANDS, ...this.#session.requestNames] : this.#session.requestNames.map((n) => `?${n}`);
      return [pool.filter((n) => n.startsWith(current)), current];
    }
    const command = (words[0] ?? '').replace(/^\?/, '');
    if (words.length === 2 && SENSOR_REQUESTS.has(command)) return [this.#session.sensorNames.filter((n) => n.startsWith(current)), current];
    return [[], current];
  }

  #interrupt(): void {
    this.#interrupts++;
    if (this.#running !== undefined) {
      this.#running.abort(new Error('cancelled with Ctrl-C'));
      return;
    }
    // Like a shell: drop the line being typed.
    process.stdout.write('^C\n');
    this.#rl.write(null, { ctrl: true, name: 'u' });
    this.#prompt();
  }

  async #line(line: string): Promise<boolean> {
    const typedAt = this.#typed.shift() ?? this.#interrupts;
    const trimmed = line.trim();
    if (trimmed === '') return true;
    if (typedAt !== this.#interrupts) {
      this.#print(this.#colors.red(`cancelled (Ctrl-C): ${trimmed}`));
      return true;
    }
    try {
      appendFileSync(this.#historyFile, `${trimmed}\n`);
    } catch {
      // A read-only home must not break the shell.
    }
    let words: string[];
    try {
      words = splitWords(trimmed);
    } catch (err) {
      process.stdout.write(`${(err as Error).message}\n`);
      return true;
    }
    const [first = '', ...args] = words;
    switch (first) {
      case 'quit':
      case 'exit':
        return false;
      case 'help':
        process.stdout.write(`${SHELL_HELP}\n`);
        return true;
      case 'connect':
        await this.#connect(args);
        return true;
      case 'disconnect':
        await this.#session.close();
        return true;
      default:
        await this.#request(first.replace(/^\?/, ''), args);
        return true;
    }
  }

  async #connect(args: string[]): Promise<void> {
    try {
      if (args.length !== 1) throw new UsageError('usage: connect HOST:PORT');
      const addr = parseAddress(args[0] as string, true);
      process.stdout.write(this.#colors.dim(`-- connecting to ${addr.label}\n`));
      await this.#session.connect(addr, 5000);
      process.stdout.write(this.#colors.dim(`-- connected to ${addr.label}\n`));
    } catch (err) {
      process.stdout.write(`${this.#colors.red(describeError(err, false))}\n`);
    }
  }

  async #request(name: string, args: string[]): Promise<void> {
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) {
      process.stdout.write(`'${name}' is not a request name; type help\n`);
      return;
    }
    const abort = new AbortController();
    this.#running = abort;
    try {
      const reply = await this.#session.request(name, args, (msg) => this.#print(readableMessage(msg)), abort.signal);
      const text = readableMessage(reply);
      this.#print(reply.isReplyOk ? this.#colors.green(text) : this.#colors.red(text));
    } catch (err) {
      this.#print(this.#colors.red(describeError(err, false)));
    } finally {
      this.#running = undefined;
    }
  }

  /** Run until Ctrl-D, quit or exit. */
  async run(initial: string | undefined): Promise<void> {
    try {
      mkdirSync(dirname(this.#historyFile), { recursive: true });
    } catch {
      // History is a convenience.
    }
    if (initial !== undefined) await this.#connect([initial]);
    process.stdout.write(this.#colors.dim('-- type help for the shell commands, ?help for the device\'s requests; Ctrl-D leaves\n'));
    const closed = new Promise<void>((resolve) => this.#rl.once('close', resolve));
    // Lines are handled one at a time; those typed meanwhile wait their turn.
    const lines = (async () => {
      this.#prompting = true;
      this.#prompt();
      for await (const line of this.#rl) {
        if (!(await this.#line(line))) break;
        this.#prompt();
      }
    })();
    await Promise.race([closed, lines]);
    this.#rl.close();
    process.stdout.write('\n');
    await this.#session.close();
  }
}

/** `katcp shell`: resolves to the exit code. */
export async function shellCommand(argv: string[]): Promise<number> {
  const program = newProgram('shell', 'An interactive prompt: requests with completion and history, informs shown as they arrive.', EXAMPLES)
    .usage('[options] [ADDR]')
    .argument('[words...]', 'ADDR (host:port, default $KATCP_SERVER; or connect later)');
  return runProgram<{ debug?: boolean }>('shell', program, argv, async (words, flags) => {
    if (words.length > 1) throw new UsageError(`one address at most, not '${words.join(' ')}'`);
    let initial: string | undefined;
    if (words.length === 1 || process.env.KATCP_SERVER !== undefined) {
      const { addresses } = addressesFrom(words);
      if (addresses.length > 1) throw new UsageError('katcp shell connects to one device at a time');
      initial = addresses[0]?.label;
    }
    await new Shell(flags.debug === true).run(initial);
    return ExitCode.Ok;
  });
}
