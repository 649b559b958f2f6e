// Jest on Node 20 cannot load ESM from CommonJS (require(esm) needs Node 24.9
// in jest), yet Nest 12 ships ESM only and @willsoto/nestjs-prometheus is
// CommonJS that requires it. So under jest everything runs as CommonJS: our
// TypeScript and Nest's ESM files are compiled to CommonJS by TypeScript
// itself. Production runs the real ESM build (dist/), untouched by this.
const ts = require('typescript');
const crypto = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const tsconfig = JSON.parse(readFileSync(join(__dirname, '..', '..', 'tsconfig.json'), 'utf8')).compilerOptions;
const compilerOptions = {
  ...ts.convertCompilerOptionsFromJson(tsconfig, process.cwd()).options,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  allowJs: true,
  inlineSourceMap: true,
  sourceMap: false,
  incremental: false,
  isolatedModules: true,
};
const IMPORT_META_URL = /\bimport\.meta\.url\b/g;
const IMPORT_META_DIRNAME = /\bimport\.meta\.dirname\b/g;

module.exports = {
  getCacheKey(source, path) {
    return crypto.createHash('sha1').update('v1').update(path).update(source).update(ts.version).digest('hex');
  },
  process(source, path) {
    const cjsSource = source
      .replace(IMPORT_META_URL, "require('node:url').pathToFileURL(__filename).href")
      .replace(IMPORT_META_DIRNAME, '__dirname');
    const out = ts.transpileModule(cjsSource, { compilerOptions, fileName: path });
    return { code: out.outputText };
  },
};
