#!/usr/bin/env node
// dssctl launcher: runs the built CLI (dist/apps/dssctl/src/main.js). In a
// fresh clone, right after `npm ci`, there is no dist/ yet: build it first
// (`npm run -s build`, its output on stderr so stdout stays the command's).
// After changing the sources, run `npm run build` yourself: an existing build
// is used as it is.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'dist', 'apps', 'dssctl', 'src', 'main.js');

if (!existsSync(main)) {
  process.stderr.write('dssctl: no build yet; building it once (npm run -s build)...\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = spawnSync(npm, ['run', '-s', 'build'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
    shell: process.platform === 'win32',
  });
  if (built.status !== 0 || !existsSync(main)) {
    process.stderr.write(
      `dssctl: UNEXPECTED: the build failed${built.error ? ` (${built.error.message})` : ''}; run npm run build in ${root} and look at its errors\n`,
    );
    process.exit(1);
  }
}

await import(pathToFileURL(main).href);
