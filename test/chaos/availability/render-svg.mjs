// Renders Vega-Lite specs to SVG files: `node render-svg.mjs < jobs.json`, with
// jobs = [{ file, spec }] (charts.ts builds them). Plain ESM run as a child
// process: vega is ESM-only, and jest loads the chaos suite as CommonJS.
// SVG needs no canvas, so no native module is involved.
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { text } from 'node:stream/consumers';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';

const jobs = JSON.parse(await text(process.stdin));
for (const { file, spec } of jobs) {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  writeFileSync(file, await view.toSVG());
  view.finalize();
}
