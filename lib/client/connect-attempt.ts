/**
 * One TCP connection attempt with a timeout on an injected clock.
 * @module
 */
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { KatcpTimeoutError } from '../errors.js';
import type { Clock, TimerHandle } from '../util/clock.js';

/** A connection attempt in progress. */
export interface ConnectAttempt {
  /** Give up: the socket is destroyed, the timer cleared, and `done` is never called. */
  cancel(): void;
}

/**
 * Connect to `host:port`. `done` is called once, asynchronously, with the connected socket or
 * the error (`KatcpTimeoutError` after `timeout` ms), unless the attempt is cancelled first.
 * With `keepAlive` (ms) TCP keep-alive is enabled, its first probe after that much idle time.
 */
export function connectSocket(
  host: string,
  port: number,
  timeout: number,
  clock: Clock,
  done: (err: Error | undefined, socket?: Socket) => void,
  keepAlive?: number,
): ConnectAttempt {
  let finished = false;
  let timer: TimerHandle | undefined;
  let socket: Socket | undefined;
  const finish = (err: Error | undefined): void => {
    if (finished) return;
    finished = true;
    clock.clearTimer(timer);
    if (err !== undefined) {
      socket?.destroy();
      done(err);
    } else {
      socket?.removeListener('error', finish);
      done(undefined, socket);
    }
  };
  try {
    socket = netConnect({ host, port });
  } catch (err) {
    queueMicrotask(() => finish(err as Error));
    return { cancel: () => void (finished = true) };
  }
  socket.setNoDelay(true);
  if (keepAlive !== undefined) socket.setKeepAlive(true, keepAlive);
  socket.on('error', finish);
  socket.once('connect', () => finish(undefined));
  if (Number.isFinite(timeout)) {
    timer = clock.setTimer(() => finish(new KatcpTimeoutError(`connecting to ${host}:${port} timed out after ${timeout} ms`)), timeout);
  }
  return {
    cancel: () => {
      if (finished) return;
      finished = true;
      clock.clearTimer(timer);
      socket?.destroy();
    },
  };
}
