/// <reference lib="dom" />
import type { Page } from 'playwright-core';

/** FNV-1a of a canvas' pixels (what is drawn, not the DOM). */
export function canvasHash(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i]!, 16777619);
    return `${canvas.width}x${canvas.height}:${h >>> 0}`;
  });
}

/** How many distinct colours a canvas holds (a blank or flat canvas has 1). */
export function canvasColours(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    return seen.size;
  });
}

/** Resolves when the <img> `id` has loaded a picture `width` pixels wide. */
export async function imageLoaded(page: Page, id: string, width: number): Promise<void> {
  await page.waitForFunction(([i, w]) => (document.getElementById(i as string) as HTMLImageElement | null)?.naturalWidth === w, [id, width] as const);
}
