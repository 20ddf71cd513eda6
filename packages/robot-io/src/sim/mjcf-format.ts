/** A number as MJCF text: at most 6 decimals, no `-0` or exponent noise. */
export const f = (v: number): string => (Math.abs(v) < 1e-12 ? '0' : String(Number(v.toFixed(6))));
/** Three numbers as an MJCF vector attribute. */
export const v3 = (a: number, b: number, c: number): string => `${f(a)} ${f(b)} ${f(c)}`;
