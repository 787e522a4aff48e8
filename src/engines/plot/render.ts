import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';

export type PlotFormat = 'png' | 'svg';

export interface RenderedPlot {
  format: PlotFormat;
  mimeType: 'image/png' | 'image/svg+xml';
  bytes: Uint8Array;
  /** Pixel size of the image (the SVG's size for svg). */
  width: number;
  height: number;
  sha256: string;
}

const require = createRequire(import.meta.url);

/**
 * The fonts the PNG is drawn with: shipped with a dependency and never the
 * system's, so the same spec gives the same pixels on every machine.
 */
function fontFiles(): string[] {
  const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  return [join(dir, 'DejaVuSans.ttf'), join(dir, 'DejaVuSans-Bold.ttf')];
}

/**
 * Render a Vega-Lite spec: compile it to Vega, draw it headless to SVG, and
 * (for png) rasterise the SVG with resvg at `scale` pixels per CSS pixel.
 * Vega and resvg are loaded on first use: only plotting pays for them.
 */
export async function renderSpec(
  spec: Record<string, unknown>,
  options: { format: PlotFormat; scale: number },
): Promise<RenderedPlot> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  const svgWidth = size ? Math.round(Number(size[1])) : 0;
  const svgHeight = size ? Math.round(Number(size[2])) : 0;
  if (options.format === 'svg') {
    const bytes = new TextEncoder().encode(svg);
    return {
      format: 'svg',
      mimeType: 'image/svg+xml',
      bytes,
      width: svgWidth,
      height: svgHeight,
      sha256: sha256(bytes),
    };
  }
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.scale },
    background: 'white',
    font: { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    shapeRendering: 2,
    textRendering: 1,
  });
  const image = resvg.render();
  const bytes = new Uint8Array(image.asPng());
  return {
    format: 'png',
    mimeType: 'image/png',
    bytes,
    width: image.width,
    height: image.height,
    sha256: sha256(bytes),
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
