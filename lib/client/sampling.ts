/**
 * Helpers for setting sampling strategies on many sensors: bulk-request chunking and a bounded
 * pipeline of concurrent requests.
 * @module
 */

/** Most sensor names in one bulk `?sensor-sampling a,b,c strategy` request. */
export const BULK_CHUNK_NAMES = 1000;
/** Most bytes of comma-joined names in one bulk request (keeps lines far below any line limit). */
export const BULK_CHUNK_BYTES = 64 * 1024;
/** Most sampling / listing requests the sensor watcher keeps in flight at once. */
export const MAX_IN_FLIGHT = 256;

/**
 * Split items into chunks of at most `maxItems` whose names, joined by commas, take at most
 * `maxBytes` bytes (a single longer name gets a chunk of its own). Order is kept.
 */
export function chunkByName<T>(items: readonly T[], nameOf: (item: T) => string, maxItems = BULK_CHUNK_NAMES, maxBytes = BULK_CHUNK_BYTES): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const len = Buffer.byteLength(nameOf(item));
    if (current.length > 0 && (current.length >= maxItems || bytes + 1 + len > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    bytes += (current.length > 0 ? 1 : 0) + len;
    current.push(item);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Run `fn` over `items` with at most `limit` calls pending at once; settles like
 * `Promise.allSettled`, results in input order.
 */
export async function settleLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i] as T) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let w = 0; w < Math.min(Math.max(1, limit), items.length); w++) workers.push(worker());
  await Promise.all(workers);
  return results;
}
