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

/** The sync loop's settings (plain data). */
export interface SyncLoopSettings {
  /** The injected time of the waits and the backoff. */
  readonly clock: Clock;
  /** Inspect on the first connection. */
  readonly initialInspection: boolean;
  /** Time budget of one inspection pass (ms). */
  readonly syncTimeout: number;
  /** The backoff between failed passes (validated by the owner). */
  readonly backoff: ExponentialRandomBackoffOptions;
}

/** What the sync loop works on. */
export interface SyncLoopParts<S extends SensorTarget, R> {
  /** The model a pass inspects into. */
  readonly model: DeviceModel<S, R>;
  /** The work owed to the next pass. */
  readonly work: SyncWork;
  /** Aborts when the inspecting client closes. */
  readonly closeSignal: AbortSignal;
}

/** The up-calls of the sync loop's owner (the inspecting client). */
export interface SyncLoopOwner {
  /** The current state callback, awaited after every state change (it may be replaced at any time). */
  readonly stateCallback: StateCallback | undefined;
  /** Emit an inspecting-client event; listener errors are the owner's concern. */
  emit<E extends keyof InspectingClientEvents>(event: E, ...args: InspectingClientEvents[E]): void;
}

/** Keeps the model of one inspecting client in sync with its device. */
export class SyncLoop<S extends SensorTarget, R> {
  readonly #settings: SyncLoopSettings;
  readonly #model: DeviceModel<S, R>;
  readonly #work: SyncWork;
  readonly #closeSignal: AbortSignal;
  readonly #owner: SyncLoopOwner;
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

  /**
   * @param settings clock, first inspection, pass budget, backoff
   * @param parts the model, the work owed and the close signal
   * @param owner the inspecting client's up-calls (state callback, events)
   */
  constructor(settings: SyncLoopSettings, parts: SyncLoopParts<S, R>, owner: SyncLoopOwner) {
    this.#settings = settings;
    this.#model = parts.model;
    this.#work = parts.work;
    this.#closeSignal = parts.closeSignal;
    this.#owner = owner;
    this.#stateWaiters = new Waiters(settings.clock);
    this.#passWaiters = new Waiters(settings.clock);
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
      this.#work.all();
      this.wake();
    };
    const onInterfaceChanged = (msg: Message): void => {
      this.#work.addAll(msg.name === 'device-changed' ? ALL_CHANGED : parseInterfaceChanged(msg));
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
    return this.#closeSignal.aborted;
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
    this.#owner.emit('stateChange', next, changes);
    const cb = this.#owner.stateCallback;
    if (cb !== undefined) await cb(next, changes);
  }

  /**
   * The loop; resolves once it has finished (after `closed` was emitted). It runs on the
   * project's one retry mechanism (util/retry.ts, p-retry): a failed pass is retried after
   * katcp-python's `ExponentialRandomBackoff` delay, awaited on the injected clock; closing
   * aborts the wait through the retry's signal; a completed sync resets the backoff.
   */
  async run(): Promise<void> {
    const owner = this.#owner;
    const backoff = new ExponentialRandomBackoff(this.#settings.backoff);
    const policy: RetryPolicy = {
      // The wait is the delay current before the failure, as katcp-python sleeps it.
      nextDelay: () => {
        const delay = backoff.delay;
        backoff.failed();
        return delay;
      },
      reset: () => backoff.success(),
    };
    let skipInspection = !this.#settings.initialInspection;
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
            this.#work.take();
            this.#model.passSkipped();
          } else {
            const changes = await this.#pass();
            if (this.#lostConnection || !this.#isUp) continue;
            await this.#setState(changes === undefined ? InspectingState.DataSynced : InspectingState.DataSyncedChanged, changes);
            this.#undelivered = undefined;
          }
          if (this.#lostConnection || !this.#isUp) continue;
          await this.#setState(S3);
          attempt.succeeded();
          if (!(await this.#waitFor(() => !this.#work.empty || this.#lostConnection || !this.#isUp))) return;
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
        clock: this.#settings.clock,
        signal: this.#closeSignal,
        onRetry: (err, _attempt, delay) => owner.emit('syncError', err, delay),
      });
    } catch {
      // Only a close ends the retries (the policy never gives up): nothing to report.
    }
    try {
      await this.#setState(S0);
    } catch (err) {
      owner.emit('warning', err as Error);
    }
    this.#ended = true;
    if (!this.#closing) {
      // The client gave up (no auto-reconnect): nothing will ever change again.
      this.closeWaits(new ConnectionClosedError('connection closed and not reconnecting'));
    }
    owner.emit('closed');
  }

  /** One inspection pass over the work owed; applies it to the indexes and returns the changes to report. */
  async #pass(): Promise<ModelChanges | undefined> {
    const work = this.#work;
    const model = this.#model;
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
      clock: this.#settings.clock,
      budget: this.#settings.syncTimeout,
      timeoutHints: client.protocolFlags?.requestTimeoutHints ?? false,
      signal: this.#closeSignal,
      warn: (err) => this.#owner.emit('warning', err),
    });
    return this.#model.inspect(work, inspector);
  }
}
