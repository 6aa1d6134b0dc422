/**
 * The sync loop of the inspecting client: its state machine (the single writer of the state),
 * the loop that follows the connection and runs inspection passes with a backoff, and the
 * waits on states and on passes.
 * @module
 */
import type { Client } from '../client/client.js';
import type { Message } from '../codec/message.js';
import { ConnectionClosedError, KatcpError, SyncError } from '../errors.js';
import type { CallOptions } from '../util/abort.js';
import { retry } from '../util/retry.js';
import type { RetryAttempt, RetryPolicy } from '../util/retry.js';
import type { Clock } from '../util/clock.js';
import { deferred } from '../util/deferred.js';
import type { Deferred } from '../util/deferred.js';
import { ExponentialRandomBackoff } from './backoff.js';
import type { ExponentialRandomBackoffOptions } from './backoff.js';
import type { DeviceModel } from './device-model.js';
import { Inspector } from './inspector.js';
import { mergeModelChanges } from './model.js';
import type { ModelChanges } from './model.js';
import type { InspectingClientEvents, SensorTarget, StateCallback } from './options.js';
import { ALL_CHANGED, parseInterfaceChanged } from '../client/interface-informs.js';
import { InspectingState, formatState, isAllowedTransition } from './state.js';
import type { InspectingStateValue } from './state.js';
import { Waiters } from './waiters.js';
import type { SyncWork } from './work.js';

const S0 = InspectingState.Disconnected;
const S1 = InspectingState.Connected;
const S3 = InspectingState.Synced;

/** A completed inspection pass: its number and the model changes it reported. */
export interface PassResult {
  readonly seq: number;
  readonly changes: ModelChanges | undefined;
}

/** Emits an inspecting-client event; listener errors are the emitter's concern. */
export type EmitInspectingEvent = <E extends keyof InspectingClientEvents>(event: E, ...args: InspectingClientEvents[E]) => void;

/** What the sync loop works with. */
export interface SyncLoopDeps<S extends SensorTarget, R> {
  readonly clock: Clock;
  /** Inspect on the first connection. */
  readonly initialInspection: boolean;
  /** Time budget of one inspection pass (ms). */
  readonly syncTimeout: number;
  readonly backoff: ExponentialRandomBackoffOptions;
  readonly model: DeviceModel<S, R>;
  readonly work: SyncWork;
  /** Aborts when the inspecting client closes. */
  readonly closeSignal: AbortSignal;
  /** The current state callback. */
  readonly stateCallback: () => StateCallback | undefined;
  readonly emit: EmitInspectingEvent;
}

/** Keeps the model of one inspecting client in sync with its device. */
export class SyncLoop<S extends SensorTarget, R> {
  readonly #deps: SyncLoopDeps<S, R>;
  #client: Client | undefined;
  #wakeup: Deferred<void> = deferred<void>();
  #state: InspectingStateValue = S0;
  readonly #stateWaiters: Waiters<InspectingStateValue>;
  #lostConnection = false;
  #inspecting = false;
  /** The sync loop has finished (closed, or the client gave up). */
  #ended = false;
  #undelivered: ModelChanges | undefined;
  /** Passes started / completed; `#passWaiters` carries the last completed pass and its changes. */
  #passSeq = 0;
  #lastPass: PassResult = { seq: 0, changes: undefined };
  readonly #passWaiters: Waiters<PassResult>;

  /** @param deps the inspecting client's parts and callbacks */
  constructor(deps: SyncLoopDeps<S, R>) {
    this.#deps = deps;
    this.#stateWaiters = new Waiters(deps.clock);
    this.#passWaiters = new Waiters(deps.clock);
  }

  /** The current state. */
  get state(): InspectingStateValue {
    return this.#state;
  }

  /** True while an inspection pass runs. */
  get inspecting(): boolean {
    return this.#inspecting;
  }

  /** True once the loop has finished (closed, or the client gave up reconnecting). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Passes started so far (see {@link waitPassAfter}). */
  get passesStarted(): number {
    return this.#passSeq;
  }

  /** Let the loop look at its conditions again. */
  wake(): void {
    this.#wakeup.resolve();
  }

  /**
   * Follow `client`: wake on state changes, re-inspect everything after a disconnection, and
   * owe what interface changes announce. Returns the functions that stop following.
   */
  follow(client: Client): (() => void)[] {
    this.#client = client;
    const onState = (): void => this.wake();
    const onDisconnected = (): void => {
      this.#lostConnection = true;
      this.#deps.work.all();
      this.wake();
    };
    const onInterfaceChanged = (msg: Message): void => {
      this.#deps.work.addAll(msg.name === 'device-changed' ? ALL_CHANGED : parseInterfaceChanged(msg));
      this.wake();
    };
    client.on('stateChange', onState);
    client.on('disconnected', onDisconnected);
    client.on('interfaceChanged', onInterfaceChanged);
    client.on('deviceChanged', onInterfaceChanged);
    return [
      () => client.off('stateChange', onState),
      () => client.off('disconnected', onDisconnected),
      () => client.off('interfaceChanged', onInterfaceChanged),
      () => client.off('deviceChanged', onInterfaceChanged),
    ];
  }

  /** Wait until the state satisfies `test` (at once when it does now, also for passing states). */
  until(test: (s: InspectingStateValue) => boolean, opts: CallOptions | undefined, what: string): Promise<InspectingStateValue> {
    return this.#stateWaiters.wait(this.#state, test, { ...opts, what });
  }

  /** Resolves with the first pass that completes with a number above `after`. */
  waitPassAfter(after: number, signal: AbortSignal): Promise<PassResult> {
    return this.#passWaiters.wait(this.#lastPass, (p) => p.seq > after, { signal });
  }

  /** Reject every pending and later wait with `err`. */
  closeWaits(err: Error): void {
    this.#stateWaiters.close(err);
    this.#passWaiters.close(err);
  }

  get #closing(): boolean {
    return this.#deps.closeSignal.aborted;
  }

  get #isUp(): boolean {
    return this.#client?.isConnected === true;
  }

  get #clientGone(): boolean {
    return this.#client?.state === 'closed';
  }

  /** Wait until `test()` holds; false when the client is closing or its connection is gone for good. */
  async #waitFor(test: () => boolean): Promise<boolean> {
    for (;;) {
      if (this.#closing || this.#clientGone) return false;
      if (test()) return true;
      this.#wakeup = deferred<void>();
      await this.#wakeup.promise;
    }
  }

  /** The only writer of the state. Stores it, releases waiters, emits, then awaits the callback. */
  async #setState(next: InspectingStateValue, changes?: ModelChanges): Promise<void> {
    const prev = this.#state;
    if (next === prev) return;
    if (!isAllowedTransition(prev, next)) {
      throw new KatcpError(`invalid inspecting-client transition ${formatState(prev)} -> ${formatState(next)}`, 'KATCP_ERR_STATE');
    }
    this.#state = next;
    this.#stateWaiters.update(next);
    this.#deps.emit('stateChange', next, changes);
    const cb = this.#deps.stateCallback();
    if (cb !== undefined) await cb(next, changes);
  }

  /**
   * The loop; resolves once it has finished (after `closed` was emitted). It runs on the
   * project's one retry mechanism (util/retry.ts, p-retry): a failed pass is retried after
   * katcp-python's `ExponentialRandomBackoff` delay, awaited on the injected clock; closing
   * aborts the wait through the retry's signal; a completed sync resets the backoff.
   */
  async run(): Promise<void> {
    const { emit } = this.#deps;
    const backoff = new ExponentialRandomBackoff(this.#deps.backoff);
    const policy: RetryPolicy = {
      // The wait is the delay current before the failure, as katcp-python sleeps it.
      nextDelay: () => {
        const delay = backoff.delay;
        backoff.failed();
        return delay;
      },
      reset: () => backoff.success(),
    };
    let skipInspection = !this.#deps.initialInspection;
    const rounds = async (attempt: RetryAttempt): Promise<void> => {
      while (!this.#closing && !this.#clientGone) {
        try {
          if (this.#lostConnection || !this.#isUp) {
            this.#lostConnection = false;
            await this.#setState(S0);
            if (!(await this.#waitFor(() => this.#isUp))) return;
            continue;
          }
          await this.#setState(S1);
          if (skipInspection) {
            skipInspection = false;
            this.#deps.work.take();
            this.#deps.model.passSkipped();
          } else {
            const changes = await this.#pass();
            if (this.#lostConnection || !this.#isUp) continue;
            await this.#setState(changes === undefined ? InspectingState.DataSynced : InspectingState.DataSyncedChanged, changes);
            this.#undelivered = undefined;
          }
          if (this.#lostConnection || !this.#isUp) continue;
          await this.#setState(S3);
          attempt.succeeded();
          if (!(await this.#waitFor(() => !this.#deps.work.empty || this.#lostConnection || !this.#isUp))) return;
        } catch (err) {
          if (this.#closing || this.#clientGone) return;
          // A pass cut short by a lost connection is retried on reconnect, without a backoff.
          if (err instanceof SyncError && (this.#lostConnection || !this.#isUp)) continue;
          throw err instanceof Error ? err : new KatcpError(String(err));
        }
      }
    };
    try {
      await retry(rounds, {
        policy,
        clock: this.#deps.clock,
        signal: this.#deps.closeSignal,
        onRetry: (err, _attempt, delay) => emit('syncError', err, delay),
      });
    } catch {
      // Only a close ends the retries (the policy never gives up): nothing to report.
    }
    try {
      await this.#setState(S0);
    } catch (err) {
      emit('warning', err as Error);
    }
    this.#ended = true;
    if (!this.#closing) {
      // The client gave up (no auto-reconnect): nothing will ever change again.
      this.closeWaits(new ConnectionClosedError('connection closed and not reconnecting'));
    }
    emit('closed');
  }

  /** One inspection pass over the work owed; applies it to the indexes and returns the changes to report. */
  async #pass(): Promise<ModelChanges | undefined> {
    const { work, model } = this.#deps;
    const owed = work.take();
    const seq = ++this.#passSeq;
    this.#inspecting = true;
    let changes: ModelChanges | undefined;
    try {
      changes = await this.#inspect(owed);
    } catch (err) {
      work.merge(owed);
      throw err;
    } finally {
      this.#inspecting = false;
    }
    model.afterPass(owed.sensorsAll ? 'all' : new Set(owed.sensors.keys()));
    changes = mergeModelChanges(this.#undelivered, changes, {
      requests: (n) => model.requests.has(n),
      sensors: (n) => model.sensors.has(n),
    });
    this.#undelivered = changes;
    this.#lastPass = { seq, changes };
    this.#passWaiters.update(this.#lastPass);
    return changes;
  }

  #inspect(work: SyncWork): Promise<ModelChanges | undefined> {
    const client = this.#client!;
    const inspector = new Inspector(client, {
      clock: this.#deps.clock,
      budget: this.#deps.syncTimeout,
      timeoutHints: client.protocolFlags?.requestTimeoutHints ?? false,
      signal: this.#deps.closeSignal,
      warn: (err) => this.#deps.emit('warning', err),
    });
    return this.#deps.model.inspect(work, inspector);
  }
}
