/**
 * A bar chart (with an optional reference line) drawn by Chart.js, loaded when the first
 * chart opens. The canvas is an image to assistive technology, named by `summary`; the
 * screen shows the same figures as a table beside it.
 */

import { useEffect, useRef, useState } from 'react';

import { useI18n } from '../i18n/context';

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  /** `line` draws a reference across the bars, e.g. the city's figure. */
  readonly kind: 'bar' | 'line';
  readonly colour: string;
}

type Loaded = typeof import('./chartSetup');

let loading: Promise<Loaded> | null = null;

/** The chart module, downloaded once. */
function chartModule(): Promise<Loaded> {
  loading ??= import('./chartSetup');
  return loading;
}

export function BarChart({
  id,
  labels,
  series,
  summary,
  horizontal = false,
}: {
  readonly id: string;
  readonly labels: readonly string[];
  readonly series: readonly ChartSeries[];
  readonly summary: string;
  readonly horizontal?: boolean;
}) {
  const { t, language } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');
  useEffect(() => {
    let live = true;
    let chart: { destroy: () => void } | null = null;
    chartModule().then(
      ({ Chart }) => {
        const element = canvas.current;
        if (!live || element === null) {
          return;
        }
        chart = new Chart(element, {
          type: 'bar',
          data: {
            labels: [...labels],
            datasets: series.map((item) => ({
              type: item.kind,
              label: item.label,
              data: [...item.values],
              backgroundColor: item.colour,
              borderColor: item.colour,
              borderWidth: item.kind === 'line' ? 2 : 0,
              pointRadius: 0,
            })),
          },
          options: {
            indexAxis: horizontal ? 'y' : 'x',
            locale: language,
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            plugins: { legend: { display: series.length > 1 } },
          },
        });
        setState('ready');
      },
      () => live && setState('failed'),
    );
    return () => {
      live = false;
      chart?.destroy();
    };
  }, [labels, series, horizontal, language]);
  return (
    <div className="chart" data-chart={id} data-state={state}>
      <div
        className="chart-canvas"
        role="img"
        aria-label={summary}
        style={{ height: `${horizontal ? Math.max(14, labels.length * 1.6) : 18}rem` }}
      >
        <canvas ref={canvas} id={id} aria-hidden="true" />
      </div>
      {state === 'failed' && <p className="hint">{t('chart.failed')}</p>}
    </div>
  );
}
