/**
 * Building the page's DOM. Every string goes in as text (`textContent`,
 * attribute values through `setAttribute`), never as markup: names,
 * comments and captures from a scenario cannot inject elements or script.
 * There is no `innerHTML` anywhere in the page.
 */
export type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  append(e, children);
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): SVGElement {
  const e = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(e, attrs);
  append(e, children);
  return e;
}

function setAttrs(e: Element, attrs: Record<string, string | number | boolean | undefined>): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (/^on/i.test(k)) throw new Error(`no inline handlers: ${k}`);
    e.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(e: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(e: Node): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

/** Virtual time as milliseconds with microsecond digits: `18.891 ms`. */
export function fmtTime(ns: number): string {
  return (ns / 1e6).toFixed(3);
}
