/** `el('div', {class: 'x'}, child, 'text')`: a small element builder. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

export function section(title: string, id: string): { root: HTMLElement; body: HTMLElement } {
  const body = el('div', { class: 'body' });
  const root = el('section', { id }, el('h2', {}, title), body);
  return { root, body };
}

export function showError(parent: HTMLElement, err: unknown): void {
  parent.append(el('p', { class: 'error' }, err instanceof Error ? err.message : String(err)));
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
