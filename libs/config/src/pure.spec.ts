import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// @dss/config/pure (and the client that uses it) must load without Nest or
// ioredis: dssctl starts a second faster without them, and the client library
// promises "nothing of Nest" (docs/client.md). Checked on the sources: every
// module an entry reaches through its static imports, following @dss aliases.

const ROOT = resolve(__dirname, '../../..');
const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
const aliases = Object.entries(tsconfig.compilerOptions.paths);

function resolveImport(spec: string, from: string): string | undefined {
  if (spec.startsWith('.')) return resolve(dirname(from), spec.replace(/\.js$/, '.ts'));
  const exact = aliases.find(([k]) => k === spec);
  if (exact) return resolve(ROOT, exact[1][0]!);
  const wildcard = aliases.find(([k]) => k.endsWith('/*') && spec.startsWith(k.slice(0, -1)));
  if (wildcard)
    return resolve(ROOT, wildcard[1][0]!.replace('*', spec.slice(wildcard[0].length - 1)).replace(/\.js$/, '.ts'));
  return undefined; // a package
}

/** The packages `entry` loads at run time (type-only imports do not count). */
function packagesLoadedBy(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?'([^']+)'/gm)) {
      const spec = m[1]!;
      const local = resolveImport(spec, file);
      if (local) visit(local);
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(entry);
  return packages;
}

describe('entry points that must not load Nest', () => {
  it.each([
    ['@dss/config/pure', 'libs/config/src/pure.ts'],
    ['@dss/client', 'libs/client/src/index.ts'],
    ['@dss/backoff', 'libs/backoff/src/index.ts'],
    ['@dss/redis-ha/core', 'libs/redis-ha/src/core/index.ts'],
    ['dssctl', 'apps/dssctl/src/main.ts'],
  ])('%s loads neither Nest nor ioredis', (_name, entry) => {
    const loaded = [...packagesLoadedBy(join(ROOT, entry))];
    expect(loaded.filter((p) => p.startsWith('@nestjs') || p === 'ioredis' || p === 'reflect-metadata')).toEqual([]);
  });

  it('sees Nest behind @dss/config, so the check can fail', () => {
    expect([...packagesLoadedBy(join(ROOT, 'libs/config/src/index.ts'))]).toEqual(
      expect.arrayContaining(['@nestjs/common', 'ioredis']),
    );
  });
});
