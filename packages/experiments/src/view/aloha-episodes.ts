import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AlohaHdf5Episode, DatasetFormatError } from '@actfusion/datasets';
import type { EpisodeSource } from './episode-source.js';

/**
 * A folder of ALOHA episodes `episode_<i>.hdf5` opened one file at a time, when first asked for
 * (the viewer needs episode 0 to show a frame, not all fifty). Each file is checked against
 * episode 0 as AlohaDataset does: same state / action dims, same cameras and frame sizes.
 */
export class LazyAlohaEpisodes implements EpisodeSource {
  private readonly opened = new Map<number, Promise<AlohaHdf5Episode>>();
  private readonly ready = new Map<number, AlohaHdf5Episode>();

  private constructor(
    readonly root: string,
    readonly count: number,
    private readonly first: AlohaHdf5Episode,
    readonly fps: number,
  ) {
    this.opened.set(0, Promise.resolve(first));
    this.ready.set(0, first);
  }

  static async open(root: string): Promise<LazyAlohaEpisodes> {
    const dir = resolve(root);
    const names = (await readdir(dir)).filter((n) => /^episode_\d+\.hdf5$/.test(n));
    const indices = names.map((n) => Number(/\d+/.exec(n)![0])).sort((a, b) => a - b);
    if (indices.length === 0) throw new DatasetFormatError(dir, 'episode_<i>.hdf5', 'no episode files found');
    indices.forEach((i, k) => {
      if (i !== k) throw new DatasetFormatError(dir, `episode_${k}.hdf5`, `missing (episodes must be numbered 0..${indices.length - 1} without gaps, found episode_${i}.hdf5)`);
    });
    const first = await AlohaHdf5Episode.open(join(dir, 'episode_0.hdf5'), 0);
    const fpsAttr = first.attributes['control_hz'] ?? first.attributes['fps'];
    return new LazyAlohaEpisodes(dir, indices.length, first, typeof fpsAttr === 'number' ? fpsAttr : 50);
  }

  get stateDim(): number {
    return this.first.stateDim;
  }

  get actionDim(): number {
    return this.first.actionDim;
  }

  get cameras(): Readonly<Record<string, readonly [number, number]>> {
    return Object.fromEntries(this.first.cameras.map((c) => [c, this.first.cameraShape(c)]));
  }

  get features() {
    return this.first.features;
  }

  known(i: number): AlohaHdf5Episode | undefined {
    return this.ready.get(i);
  }

  episode(i: number): Promise<AlohaHdf5Episode> {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) return Promise.reject(new RangeError(`episode ${i} outside [0, ${this.count})`));
    let p = this.opened.get(i);
    if (!p) {
      p = AlohaHdf5Episode.open(join(this.root, `episode_${i}.hdf5`), i).then((ep) => {
        try {
          this.check(ep);
        } catch (err) {
          ep.close();
          throw err;
        }
        this.ready.set(i, ep);
        return ep;
      });
      // A failed open is reported on each request, not cached as a rejected promise forever.
      p.catch(() => this.opened.delete(i));
      this.opened.set(i, p);
    }
    return p;
  }

  private check(ep: AlohaHdf5Episode): void {
    const f = this.first;
    if (ep.stateDim !== f.stateDim || ep.actionDim !== f.actionDim) {
      throw new DatasetFormatError(ep.file, '/observations/qpos', `has ${ep.stateDim} state / ${ep.actionDim} action dims but ${f.file} has ${f.stateDim} / ${f.actionDim}`);
    }
    for (const cam of f.cameras) {
      if (!ep.cameras.includes(cam)) throw new DatasetFormatError(ep.file, `/observations/images/${cam}`, `missing (${f.file} has it)`);
      const [h, w] = ep.cameraShape(cam);
      const [fh, fw] = f.cameraShape(cam);
      if (h !== fh || w !== fw) throw new DatasetFormatError(ep.file, `/observations/images/${cam}`, `is ${h}x${w} but ${f.file} has ${fh}x${fw}`);
    }
  }

  async close(): Promise<void> {
    for (const ep of this.ready.values()) ep.close();
    this.ready.clear();
  }
}
