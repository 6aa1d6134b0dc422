/**
 * Runs a private redis-server for tests: on a unix socket in a temporary directory (or on a TCP
 * port picked by binding 127.0.0.1:0), with nothing saved to disk (`--save '' --appendonly no`).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when `redis-server` is on PATH. */
export const redisAvailable = spawnSync('redis-server', ['--version']).status === 0;

/** The `skip` option for Redis suites. */
export const SKIP_REDIS: string | false = redisAvailable ? false : 'redis-server is not installed (CI installs it from Debian): Redis tests skipped';

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface RedisServerOptions {
  /** Directory for the socket and any RDB file (default: a new temporary directory). */
  dir?: string;
  /** RDB file to load at start-up, inside `dir`. */
  dbfilename?: string;
  /** Listen on this TCP port on 127.0.0.1 instead of the unix socket. */
  port?: number;
}

export class RedisServer {
  readonly dir: string;
  readonly socket: string;
  readonly port: number | undefined;
  readonly #dbfilename: string;
  readonly #ownDir: boolean;
  #proc: ChildProcess | undefined;

  private constructor(opts: RedisServerOptions) {
    this.#ownDir = opts.dir === undefined;
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'telstate-redis-'));
    this.socket = join(this.dir, 'redis.sock');
    this.port = opts.port;
    this.#dbfilename = opts.dbfilename ?? 'dump.rdb';
  }

  static async start(opts: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(opts);
    await server.start();
    return server;
  }

  /** Options for `new RedisBackend(...)`. */
  get target(): { path: string } | { host: string; port: number } {
    return this.port === undefined ? { path: this.socket } : { host: '127.0.0.1', port: this.port };
  }

  async start(): Promise<void> {
    const args = ['--save', '', '--appendonly', 'no', '--dir', this.dir, '--dbfilename', this.#dbfilename, '--loglevel', 'notice'];
    if (this.port === undefined) args.push('--port', '0', '--unixsocket', this.socket, '--unixsocketperm', '700');
    else args.push('--port', String(this.port), '--bind', '127.0.0.1');
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#proc = proc;
    // Never leave a server behind, even if the test process ends abruptly.
    const killOnExit = (): void => {
      proc.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    proc.once('exit', () => process.off('exit', killOnExit));
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        log += chunk.toString();
        if (/ready to accept connections/i.test(log)) {
          proc.stdout?.off('data', onData);
          proc.off('exit', onExit);
          proc.stdout?.resume();
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`redis-server did not start:\n${log}`));
      }, 20_000);
      const onExit = (): void => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited during start-up:\n${log}`));
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', (c: Buffer) => (log += c.toString()));
      proc.once('exit', onExit);
    });
  }

  async stop(): Promise<void> {
    const proc = this.#proc;
    this.#proc = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async cleanup(): Promise<void> {
    await this.stop();
    if (this.#ownDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
