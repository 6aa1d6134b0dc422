/**
 * Service tasks: background work that runs while the server runs and is cancelled (through its
 * AbortSignal) and awaited when the server stops.
 * @module
 */

/** A service task: runs while the server runs; `signal` aborts when it stops. */
export type ServiceTask = (signal: AbortSignal) => Promise<void>;

/** The server's service tasks. */
export class ServiceTasks {
  readonly #onFailure: (err: unknown) => void;
  readonly #queued: ServiceTask[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #started = false;

  /** @param onFailure called when a task fails (not counting its own abort) */
  constructor(onFailure: (err: unknown) => void) {
    this.#onFailure = onFailure;
  }

  /** Number of tasks running. */
  get count(): number {
    return this.#running.size;
  }

  /** Runs `task` now if started, else when {@link start} is called. */
  add(task: ServiceTask): void {
    if (this.#started) this.#run(task);
    else this.#queued.push(task);
  }

  /** Runs the queued tasks and every later one at once. */
  start(): void {
    this.#started = true;
    for (const task of this.#queued.splice(0)) this.#run(task);
  }

  /** Aborts every task's signal with `reason` and waits for all of them to settle. */
  async stop(reason: Error): Promise<void> {
    this.#abort.abort(reason);
    await Promise.allSettled([...this.#running]);
  }

  #run(task: ServiceTask): void {
    const signal = this.#abort.signal;
    const tracked = (async () => task(signal))().then(
      () => undefined,
      (err: unknown) => {
        // Rejecting with the abort reason (what sleep() and most APIs do) is a normal end.
        if (signal.aborted && (err === signal.reason || (err instanceof Error && err.name.includes('Abort')))) return;
        this.#onFailure(err);
      },
    );
    this.#running.add(tracked);
    void tracked.finally(() => this.#running.delete(tracked));
  }
}
