/** Plain-JS reference implementations (no tfjs) of the PyTorch layers, for numerical tests. */
export type M = number[][];

export const linear = (x: M, w: M, b: number[]): M =>
  x.map((r) => w.map((wr, o) => wr.reduce((s, wv, i) => s + wv * r[i]!, b[o]!)));

export const relu = (x: M): M => x.map((r) => r.map((v) => Math.max(0, v)));

export const add = (a: M, b: M): M => a.map((r, i) => r.map((v, j) => v + b[i]![j]!));

export function layerNorm(x: M, w: number[], b: number[], eps = 1e-5): M {
  return x.map((r) => {
    const m = r.reduce((a, c) => a + c, 0) / r.length;
    const v = r.reduce((a, c) => a + (c - m) ** 2, 0) / r.length;
    return r.map((c, i) => ((c - m) / Math.sqrt(v + eps)) * w[i]! + b[i]!);
  });
}

export interface MhaWeights {
  W: M;
  bias: number[];
  Wo: M;
  bo: number[];
  H: number;
}

/** PyTorch MHA for one batch element, per head; returns output and head-averaged weights. */
export function mha(q: M, k: M, v: M, p: MhaWeights, ignore: boolean[] = []): { out: M; avg: M } {
  const { W, bias, Wo, bo, H } = p;
  const D = q[0]!.length;
  const hd = D / H;
  const Q = linear(q, W.slice(0, D), bias.slice(0, D));
  const K = linear(k, W.slice(D, 2 * D), bias.slice(D, 2 * D));
  const V = linear(v, W.slice(2 * D), bias.slice(2 * D));
  const out: M = q.map(() => new Array<number>(D).fill(0));
  const avg: M = q.map(() => new Array<number>(k.length).fill(0));
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < q.length; t++) {
      const s = K.map((kr, j) => {
        if (ignore[j]) return -Infinity;
        let d = 0;
        for (let c = h * hd; c < (h + 1) * hd; c++) d += Q[t]![c]! * kr[c]!;
        return d / Math.sqrt(hd);
      });
      const m = Math.max(...s);
      const e = s.map((x) => Math.exp(x - m));
      const z = e.reduce((a, b) => a + b);
      const pr = e.map((x) => x / z);
      pr.forEach((pj, j) => (avg[t]![j]! += pj / H));
      for (let c = h * hd; c < (h + 1) * hd; c++) out[t]![c] = pr.reduce((a, pj, j) => a + pj * V[j]![c]!, 0);
    }
  }
  return { out: linear(out, Wo, bo), avg };
}
