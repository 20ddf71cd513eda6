/**
 * Taxel arrays go into LeRobot datasets as flat float32 vectors (`observation.taxels.<sensor>`,
 * shape [rows * cols], the most portable LeRobot feature); their `names` keep the grid:
 * `r<row>c<col>`, row-major.
 */
export function taxelNames(rows: number, cols: number): string[] {
  return Array.from({ length: rows * cols }, (_, i) => `r${Math.floor(i / cols)}c${i % cols}`);
}

/** [rows, cols] of a taxel vector of `n` values from its names (`[1, n]` when they are not `r<row>c<col>`). */
export function taxelGrid(names: unknown, n: number): [number, number] {
  if (Array.isArray(names) && names.length === n) {
    const m = /^r(\d+)c(\d+)$/.exec(String(names[n - 1]));
    if (m) {
      const [rows, cols] = [Number(m[1]) + 1, Number(m[2]) + 1];
      if (rows * cols === n && names.every((x, i) => x === `r${Math.floor(i / cols)}c${i % cols}`)) return [rows, cols];
    }
  }
  return [1, n];
}
