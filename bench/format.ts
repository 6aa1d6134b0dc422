/** Number formatting shared by the benchmarks' printed figures. */

/** `x` rounded, with thousands separators: 1,234,567. */
export const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
