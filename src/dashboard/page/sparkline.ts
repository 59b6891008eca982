/** The throughput sparkline: delivery events per second over the last minute, as an SVG line. */
import { byId } from './dom.js';

const WIDTH = 120;
const HEIGHT = 32;

export class Sparkline {
  private readonly line: SVGPolylineElement;
  private readonly area: SVGPolygonElement;

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly label: HTMLElement,
  ) {
    this.line = svg.querySelector('polyline')!;
    this.area = svg.querySelector('polygon')!;
  }

  static fromPage(): Sparkline {
    return new Sparkline(document.querySelector('#sparkline') as SVGSVGElement, byId('rate'));
  }

  render(series: number[]): void {
    const peak = Math.max(1, ...series);
    const step = WIDTH / Math.max(1, series.length - 1);
    const points = series.map((v, i) => `${(i * step).toFixed(1)},${(HEIGHT - 1 - (v / peak) * (HEIGHT - 2)).toFixed(1)}`);
    this.line.setAttribute('points', points.join(' '));
    this.area.setAttribute('points', `0,${HEIGHT} ${points.join(' ')} ${WIDTH},${HEIGHT}`);
    const now = series.at(-1) ?? 0;
    this.label.textContent = String(now);
    this.svg.setAttribute('aria-label', `Delivery events per second over the last minute: now ${now}, peak ${Math.max(0, ...series)}`);
  }
}
