import { html, Html } from '../html';

const WIDTH = 96;
const HEIGHT = 24;

/**
 * Failures per hour as a small bar chart. SVG attributes rather than inline styles: the CSP
 * allows no inline style. The numbers are in the label for screen readers.
 */
export function trendChart(trend: number[]): Html {
  const total = trend.reduce((sum, value) => sum + value, 0);
  const peak = Math.max(1, ...trend);
  const bar = WIDTH / trend.length;
  const lastHour = trend[trend.length - 1] ?? 0;
  return html`<svg
    class="trend"
    role="img"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    width="${WIDTH}"
    height="${HEIGHT}"
    aria-label="${total} failures in the last 24 hours, ${lastHour} in the last hour, peak ${total ===
    0
      ? 0
      : peak} in an hour"
  >
    <line x1="0" y1="${HEIGHT - 0.5}" x2="${WIDTH}" y2="${HEIGHT - 0.5}" />
    ${trend.map((value, hour) => {
      const height = value === 0 ? 0 : Math.max(2, Math.round((value / peak) * HEIGHT));
      return html`<rect
        x="${(hour * bar + 0.5).toFixed(1)}"
        y="${HEIGHT - height}"
        width="${(bar - 1).toFixed(1)}"
        height="${height}"
      />`;
    })}
  </svg>`;
}
