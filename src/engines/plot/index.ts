import { buildPlotSpec, type PlotLayout, type PlotRequest } from './spec.js';
import { renderSpec, type PlotFormat, type RenderedPlot } from './render.js';

export { buildPlotSpec, MAX_LINES, type PlotLayout, type PlotRequest, type PlotSide, type PlotLine } from './spec.js';
export { renderSpec, type PlotFormat, type RenderedPlot } from './render.js';
export { downsampleMinMax } from './downsample.js';
export { buildAcfSpec, type AcfRequest } from './acf.js';

/** Lay out and render one plot. */
export async function plotSeries(
  request: PlotRequest,
  options: { format: PlotFormat; scale: number },
): Promise<{ layout: PlotLayout; image: RenderedPlot }> {
  const layout = buildPlotSpec(request);
  const image = await renderSpec(layout.spec, options);
  return { layout, image };
}
