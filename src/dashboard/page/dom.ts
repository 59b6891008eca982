/**
 * The page's DOM helpers: build an element with attributes and children, and set an element's
 * text. Text always goes in as text nodes, never as HTML, so nothing a client sends (a customer's
 * name) can inject markup; and through `visible`, so that no control or bidi character in it acts.
 */
import { visible } from './visible-text.js';

export { visible };


type Child = Node | string | number | null | undefined | false;

/**
 * @example el('li', { class: 'card', 'data-stage': 'ordered' }, el('strong', {}, 'Ada'), ' · acme')
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) node.setAttribute(name, '');
    else if (typeof value === 'string') node.setAttribute(name, name === 'aria-label' ? visible(value) : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'number' ? String(child) : typeof child === 'string' ? visible(child) : child);
  }
  return node;
}

/** Sets `node`'s text, with control and bidi characters shown as marks. */
export function setText(node: HTMLElement, text: string): void {
  node.textContent = visible(text);
}

/** Sets `node`'s `aria-label`, with control and bidi characters shown as marks. */
export function setLabel(node: HTMLElement, text: string): void {
  node.setAttribute('aria-label', visible(text));
}

/** `HH:MM:SS.mmm`, local time. */
export function clock(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** The element with `id`; the page's HTML has it, so a missing one is a bug worth a loud error. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`dashboard page: #${id} is missing`);
  return node as T;
}
