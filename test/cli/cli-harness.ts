// Runs `katcp` as a real process (the TypeScript entry through tsx) against demo devices started
// by the test, and drives interactive commands inside tmux. Nothing here waits on a fixed delay:
// every wait polls for the expected output, with a generous limit.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoServer } from '../../lib/demo/demo-server.js';
import type { DeviceServer } from '../../lib/server/device-server.js';

export const MAIN = fileURLToPath(new URL('../../lib/cli/main.ts', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A demo device on 127.0.0.1 and an ephemeral port. */
export async function startDemo(port = 0): Promise<{ server: DeviceServer; addr: string; port: number }> {
  const server = createDemoServer({ host: '127.0.0.1', port });
  await server.start();
  return { server, addr: `127.0.0.1:${server.address.port}`, port: server.address.port };
}

/** A port on which nothing listens (connections are refused). */
export { refusedPort as deadPort } from '../helpers/ports.js';

/** Environment for the child: no colours forced, no inherited KATCP_SERVER, no CI detection quirks. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('KATCP_SERVER' in extra)) delete env.KATCP_SERVER;
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `katcp ARGS` to completion. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = cliEnv()): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: 'pipe', env, cwd: ROOT });
}

/** Run `katcp ARGS` and collect its output and exit code. */
export async function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return collect(spawnCli(args, env));
}

/** Close the child's stdin, then collect its output and exit code. */
async function collect(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

// A module-loader hook, registered after tsx's, that appends every module URL the child loads to
// the file named by KATCP_MODULE_LOG.
const LOG_HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.KATCP_MODULE_LOG, url + '\\n');
  return next(url, context);
}`;
const REGISTER_LOG_HOOKS = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(LOG_HOOKS)}`)});`;

/** Run `katcp ARGS` to completion and list the modules it loaded (file URLs, `node:` builtins). */
export async function runCliListingModules(args: string[]): Promise<CliResult & { modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'katcp-modules-'));
  const log = join(dir, 'modules.txt');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(REGISTER_LOG_HOOKS)}`, MAIN, ...args], {
      stdio: 'pipe',
      env: cliEnv({ KATCP_MODULE_LOG: log }),
      cwd: ROOT,
    });
    const result = await collect(child);
    return { ...result, modules: readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Collects a running child's output and waits for patterns in it. */
export class Running {
  stdout = '';
  stderr = '';
  readonly child: ChildProcessWithoutNullStreams;
  readonly #waiters = new Set<() => void>();

  constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    const wake = (): void => {
      for (const w of this.#waiters) w();
    };
    child.stdout.on('data', (d) => {
      this.stdout += String(d);
      wake();
    });
    child.stderr.on('data', (d) => {
      this.stderr += String(d);
      wake();
    });
    child.on('close', wake);
  }

  /** Resolves once `stream` matches `re`; rejects when the child ends first or after 60 s. */
  async waitFor(stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpMatchArray> {
    for (;;) {
      const m = this[stream].match(re);
      if (m !== null) return m;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`process ended before ${stream} matched ${re}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
          this.#waiters.delete(done);
          reject(new Error(`${stream} did not match ${re} within 60 s\nstdout: ${this.stdout}\nstderr: ${this.stderr}`));
        }, 60_000);
        const done = (): void => {
          clearTimeout(t);
          this.#waiters.delete(done);
          resolve();
        };
        this.#waiters.add(done);
      });
    }
  }

  async exit(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const [code] = (await once(this.child, 'exit')) as [number | null];
    return code;
  }
}

/** True when tmux can be run. */
export function haveTmux(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** One tmux server (own socket) with one session running a command in a real terminal. */
export class Tmux {
  readonly #socket: string;
  readonly #session = 'katcp';

  constructor(name: string) {
    this.#socket = `katcp-test-${name}-${process.pid}`;
  }

  #tmux(args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.#socket, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** Start `command` (a shell command line) in a 100x30 terminal with `env`. */
  start(command: string, env: Record<string, string>): void {
    const exports = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
    // The shell stays after the command so its exit status and the restored screen can be read.
    this.#tmux(['new-session', '-d', '-s', this.#session, '-x', '100', '-y', '30', `cd ${shellQuote(ROOT)} && env -u CI -u KATCP_SERVER ${exports} ${command}; echo "EXIT STATUS $?"; sleep 600`]);
  }

  /** Type keys (tmux key names such as Enter, Tab, C-c, C-d, or literal text with `literal`). */
  send(keys: string[], literal = false): void {
    this.#tmux(['send-keys', '-t', this.#session, ...(literal ? ['-l'] : []), ...keys]);
  }

  /** Resize the terminal (the program gets SIGWINCH). */
  resize(columns: number, rows: number): void {
    this.#tmux(['resize-window', '-t', this.#session, '-x', String(columns), '-y', String(rows)]);
  }

  /** The visible screen. */
  capture(): string {
    return this.#tmux(['capture-pane', '-p', '-t', this.#session]);
  }

  /** Poll the screen until it matches `re` (60 s limit by default). */
  async waitFor(re: RegExp, limit = 60_000): Promise<string> {
    const deadline = Date.now() + limit;
    for (;;) {
      const screen = this.capture();
      if (re.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`screen did not match ${re} within ${limit / 1000} s:\n${screen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.#socket, 'kill-server'], { stdio: 'ignore' });
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
