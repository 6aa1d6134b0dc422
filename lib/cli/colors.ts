/**
 * Colours for the commands that print them (`sensors`, `watch`, `log`, `shell`). Kept apart from
 * `common.ts` so that the commands without colour (`request`, `wait`, `demo`, `monitor`) do not
 * load picocolors at start-up.
 * @module
 */
import { createColors } from 'picocolors';
import { isFancy } from './common.js';

/** picocolors functions, enabled only when {@link isFancy} holds for `stream`. */
export function colorsFor(stream: NodeJS.WriteStream): ReturnType<typeof createColors> {
  return createColors(isFancy(stream));
}

/** The colour a sensor status is shown in. */
export function statusColor(colors: ReturnType<typeof createColors>, status: string): (s: string) => string {
  switch (status) {
    case 'nominal':
      return colors.green;
    case 'warn':
      return colors.yellow;
    case 'error':
    case 'failure':
      return colors.red;
    case 'unreachable':
      return colors.magenta;
    case 'inactive':
      return colors.dim;
    default:
      return colors.gray;
  }
}
