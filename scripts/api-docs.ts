import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderedApiDocs } from '../apps/dss-node/src/openapi/rendered-docs.js';

// npm run docs:api: writes docs/openapi.json and docs/api.md from the route
// tables (libs/*/src/*-api.ts). apps/dss-node/src/openapi/api-document.spec.ts
// fails while the committed files differ from this output.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const [path, text] of Object.entries(renderedApiDocs())) {
  writeFileSync(join(root, path), text);
  process.stdout.write(`wrote ${path} (${Buffer.byteLength(text)} bytes)\n`);
}
