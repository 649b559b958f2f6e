import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

// The repository must explain itself: no comment or document may send the
// reader to a file that a clone does not have (a design note beside the
// checkout, a temporary contract). Point such references at docs/ instead
// (docs/guarantees.md, docs/locks.md, docs/client.md, ...).
//
// The patterns are assembled from pieces so that this file does not match
// its own search.

const ROOT = resolve(__dirname, '..');
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.dss', 'coverage']);

const FORBIDDEN: readonly { what: string; pattern: RegExp }[] = [
  { what: 'the external design note', pattern: new RegExp(['DES', 'IGN', '\\.md'].join('')) },
  { what: 'a section of the external design note', pattern: new RegExp(['\\bDES', 'IGN\\b'].join('')) },
  { what: 'a temporary contract file', pattern: new RegExp(['CONTRACT', '\\.tmp'].join('')) },
  { what: 'a temporary client contract', pattern: new RegExp(['client-', 'contract\\.md'].join('')) },
  { what: 'a path outside the repository', pattern: new RegExp(['\\.\\./', 'shared\\b'].join('')) },
  { what: 'a path outside the repository', pattern: new RegExp(['/work/', 'shared\\b'].join('')) },
];

/** Files of the repository: tracked and not-yet-tracked ones (git), or a walk of the tree without git. */
function repositoryFiles(): string[] {
  let listed: string[];
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    listed = out.split('\0').filter(Boolean);
  } catch {
    listed = walk(ROOT).map((p) => relative(ROOT, p));
  }
  return listed.filter((p) => !SKIP_DIRS.has(p.split(/[\\/]/)[0]) && isFile(join(ROOT, p)));
}

function walk(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) found.push(...walk(join(dir, entry.name)));
    } else if (entry.isFile()) {
      found.push(join(dir, entry.name));
    }
  }
  return found;
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false; // deleted in the work tree but still in the index
  }
}

/** Every line of a text file that matches a forbidden pattern, as `path:line: what: text`. */
function outsideReferences(relPath: string, text: string): string[] {
  const hits: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { what, pattern } of FORBIDDEN) {
      if (pattern.test(line))
        hits.push(`${relPath.split(sep).join('/')}:${i + 1}: ${what}: ${line.trim().slice(0, 160)}`);
    }
  });
  return hits;
}

describe('the repository is self-contained', () => {
  it('finds the references it is meant to refuse', () => {
    const planted = [
      ['../', 'shared/', 'DES', 'IGN', '.md'].join(''),
      ['DES', 'IGN', ' §4'].join(''),
      ['ansible/', 'CONTRACT', '.tmp', '.md'].join(''),
      ['/tmp/client-', 'contract.md'].join(''),
    ];
    for (const line of planted) expect(outsideReferences('x.ts', `// see ${line}\n`)).not.toEqual([]);
    expect(outsideReferences('x.md', 'See docs/guarantees.md and the design notes in docs/adr/.\n')).toEqual([]);
  });

  it('cites no file outside the repository', () => {
    const files = repositoryFiles();
    expect(files.length).toBeGreaterThan(100);
    const hits: string[] = [];
    for (const file of files) {
      const bytes = readFileSync(join(ROOT, file));
      if (bytes.includes(0)) continue; // binary
      hits.push(...outsideReferences(file, bytes.toString('utf8')));
    }
    expect(hits).toEqual([]);
  });
});
