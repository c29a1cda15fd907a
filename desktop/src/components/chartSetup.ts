/**
 * Chart.js with only what the desktop's charts draw registered (bars, a line, their
 * scales, the legend and tooltips), so the bundler leaves the rest out. This module is
 * loaded on demand: screens without a chart never download it.
 */

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

export { Chart };
