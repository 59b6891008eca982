/**
 * The live event log: newest line on top, at most `limit` lines in the DOM, filtered by kind and by
 * text as you type. "Pause" freezes the view so that a class can read it; lines that arrive
 * meanwhile are kept (up to the limit) and shown on resume.
 */
import type { LogLine } from '../../protocol/dashboard';
import { clock, el } from './dom.js';

export interface LogControls {
  list: HTMLOListElement;
  filter: HTMLInputElement;
  kind: HTMLSelectElement;
  pause: HTMLButtonElement;
  status: HTMLElement;
}

export class LogView {
  private held: LogLine[] = [];
  private paused = false;
  private skipped = 0;

  constructor(private readonly ui: LogControls, private readonly limit: number) {
    ui.filter.addEventListener('input', () => this.refilter());
    ui.kind.addEventListener('change', () => this.refilter());
    ui.pause.addEventListener('click', () => this.setPaused(!this.paused));
  }

  /** Draws everything again, from a snapshot (oldest first). */
  reset(lines: LogLine[]): void {
    this.held = [];
    this.skipped = 0;
    this.ui.list.replaceChildren();
    this.add(lines, 0);
  }

  /** New lines, oldest first; `skipped` lines were not sent at all, to spare the page. */
  add(lines: LogLine[], skipped: number): void {
    this.skipped += skipped;
    if (this.paused) {
      this.held.push(...lines);
      this.held.splice(0, this.held.length - this.limit);
    } else {
      this.show(lines);
    }
    this.status();
  }

  private show(lines: LogLine[]): void {
    const fresh = document.createDocumentFragment();
    for (const line of lines.slice(-this.limit)) fresh.prepend(this.draw(line));
    this.ui.list.prepend(fresh);
    while (this.ui.list.childElementCount > this.limit) this.ui.list.lastElementChild!.remove();
  }

  private draw(line: LogLine): HTMLLIElement {
    const item = el(
      'li',
      { 'data-kind': line.kind },
      el('time', {}, clock(line.at)),
      el('span', { class: `kind kind-${line.kind}` }, line.kind),
      el('span', { class: 'text' }, line.text),
    );
    item.hidden = !this.matches(item);
    return item;
  }

  private matches(item: HTMLLIElement): boolean {
    const kind = this.ui.kind.value;
    const text = this.ui.filter.value.trim().toLowerCase();
    return (kind === '' || item.dataset.kind === kind) && (text === '' || (item.textContent ?? '').toLowerCase().includes(text));
  }

  private refilter(): void {
    for (const item of this.ui.list.children) (item as HTMLLIElement).hidden = !this.matches(item as HTMLLIElement);
    this.status();
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    this.ui.pause.textContent = paused ? 'Resume log' : 'Pause log';
    this.ui.pause.setAttribute('aria-pressed', String(paused));
    if (!paused) {
      this.show(this.held);
      this.held = [];
    }
    this.status();
  }

  private status(): void {
    const shown = [...this.ui.list.children].filter((c) => !(c as HTMLElement).hidden).length;
    const parts = [`${shown} of the last ${this.ui.list.childElementCount} lines shown`];
    if (this.paused) parts.push(`paused, ${this.held.length} new waiting`);
    if (this.skipped) parts.push(`${this.skipped} skipped in bursts`);
    this.ui.status.textContent = parts.join(' · ');
  }
}
