/**
 * A report's bar chart, drawn as inline SVG: two bars a value (opened, closed), each with
 * its count written beside it, so no figure rests on colour alone. A chart library would
 * add more to the bundle than the whole screen, and SVG text is what axe and screen readers
 * can be told about; the table under the chart is the accessible alternative, with every
 * value and figure.
 */

import { useId } from 'react';

import { useI18n } from '../i18n/context';

/** One value of the dimension as the chart draws it. */
export interface ChartBar {
  readonly key: string;
  readonly name: string;
  readonly opened: number;
  readonly closed: number;
}

/** The most values the chart draws; the table lists them all. */
export const CHART_BARS = 10;

const WIDTH = 720;
const ROW = 64;
const BAR = 14;
const COUNT_SPACE = 150;
/** Dark enough on white for WCAG's 3:1 for graphics (6.9:1 and 5.6:1). */
const OPENED_FILL = '#0a55a3';
const CLOSED_FILL = '#2a7a47';

/** The length of a bar for `count` when the longest stands for `most`. */
export function barLength(count: number, most: number, room = WIDTH - COUNT_SPACE): number {
  return most <= 0 ? 0 : Math.round((Math.max(count, 0) / most) * room);
}

export function ReportChart({
  bars,
  total,
  caption,
}: {
  readonly bars: readonly ChartBar[];
  readonly total: number;
  readonly caption: string;
}) {
  const { t, number } = useI18n();
  const id = useId();
  const shown = bars.slice(0, CHART_BARS);
  const most = Math.max(0, ...shown.flatMap((bar) => [bar.opened, bar.closed]));
  const height = shown.length * ROW;
  return (
    <div className="card report-chart" role="figure" aria-labelledby={`${id}-caption`}>
      <p id={`${id}-caption`}>
        <strong>{caption}</strong>
      </p>
      <p className="hint" id={`${id}-desc`}>
        {t('reports.chartDesc', { shown: number(shown.length), total: number(total) })}
      </p>
      <svg
        role="img"
        aria-labelledby={`${id}-caption ${id}-desc`}
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
        preserveAspectRatio="xMinYMin meet"
        fontSize="13"
      >
        {shown.map((bar, index) => {
          const opened = barLength(bar.opened, most);
          const closed = barLength(bar.closed, most);
          return (
            <g key={bar.key} transform={`translate(0 ${index * ROW})`} data-value={bar.key}>
              <text x="0" y="14" fill="#1b1f24" fontWeight="600">
                {bar.name}
              </text>
              <rect x="0" y="20" width={opened} height={BAR} fill={OPENED_FILL} />
              <text x={opened + 6} y="32" fill="#1b1f24">
                {t('reports.openedCount', { count: number(bar.opened) })}
              </text>
              <rect x="0" y="38" width={closed} height={BAR} fill={CLOSED_FILL} />
              <text x={closed + 6} y="50" fill="#1b1f24">
                {t('reports.closedCount', { count: number(bar.closed) })}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
