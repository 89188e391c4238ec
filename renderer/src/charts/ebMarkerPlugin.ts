/**
 * A vertical marker at the Early-Bird epoch, drawn over the mask-distance chart: a small inline
 * chart.js plugin (no annotation package). Options per chart: `plugins.ebMarker`.
 */
import type { ChartType, Plugin } from 'chart.js';
import { methodColor } from '../../../src/core/methods.ts';

export interface EbMarkerOptions {
  /** x value (epoch, 1-based); null: nothing drawn. */
  x: number | null;
  label: string;
  color: string;
  textColor: string;
  background: string;
}

declare module 'chart.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface PluginOptionsByType<TType extends ChartType> {
    ebMarker?: Partial<EbMarkerOptions>;
  }
}

export const ebMarkerPlugin: Plugin<'line'> = {
  id: 'ebMarker',
  afterDatasetsDraw(chart, _args, options: Partial<EbMarkerOptions>) {
    if (options?.x === null || options?.x === undefined) return;
    const { ctx, chartArea, scales } = chart;
    const x = scales.x!.getPixelForValue(options.x);
    if (!Number.isFinite(x) || x < chartArea.left - 1 || x > chartArea.right + 1) return;
    ctx.save();
    ctx.strokeStyle = options.color ?? methodColor('ebTrain');
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(x, chartArea.top);
    ctx.lineTo(x, chartArea.bottom);
    ctx.stroke();
    const label = options.label ?? 'Early-Bird';
    ctx.setLineDash([]);
    ctx.font = '600 11px system-ui, -apple-system, "Segoe UI", sans-serif';
    const width = ctx.measureText(label).width + 10;
    const left = x + width + 4 > chartArea.right ? x - width - 4 : x + 4;
    const top = chartArea.top + 4;
    ctx.fillStyle = options.background ?? 'rgba(255,255,255,0.85)';
    ctx.fillRect(left, top, width, 18);
    ctx.strokeStyle = options.color ?? methodColor('ebTrain');
    ctx.lineWidth = 1;
    ctx.strokeRect(left + 0.5, top + 0.5, width - 1, 17);
    ctx.fillStyle = options.textColor ?? '#111';
    ctx.textBaseline = 'middle';
    ctx.fillText(label, left + 5, top + 9.5);
    ctx.restore();
  },
};
