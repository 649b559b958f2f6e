// Renders a Vega-Lite spec to an SVG file with vega (no canvas, no native
// module). Kept apart from the specs: vega is ESM-only, and the specs are
// unit-tested under jest, which loads CommonJS.
import { writeFileSync } from 'node:fs';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function writeSvgChart(file: string, spec: TopLevelSpec): Promise<void> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  writeFileSync(file, await view.toSVG());
  view.finalize();
}
