/**
 * A promise with its resolve and reject functions exposed, settled at most once.
 * @module
 */

/** A promise plus the means to settle it; later settle calls are ignored. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
  /** True once resolve or reject has been called. */
  readonly settled: boolean;
}

/** Create a {@link Deferred}. */
export function deferred<T>(): Deferred<T> {
  let res!: (v: T) => void;
  let rej!: (e: unknown) => void;
  let settled = false;
  const promise = new Promise<T>((a, b) => {
    res = a;
    rej = b;
  });
  return {
    promise,
    resolve(value: T) {
      if (settled) return;
      settled = true;
      res(value);
    },
    reject(reason: unknown) {
      if (settled) return;
      settled = true;
      rej(reason);
    },
    get settled() {
      return settled;
    },
  };
}
