#!/usr/bin/env node
// Publish check: packs every workspace package (npm pack --dry-run) and fails when a tarball
// lacks its built JS or .d.ts, ships tests, has an `exports` target that is not in the tarball,
// or when built code imports a package its package.json does not declare (no phantom
// dependencies through hoisting). Run after `nx run-many -t build`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const root = JSON.parse(readFileSync('package.json', 'utf8'));
const listed = execFileSync('npm', ['query', '.workspace'], { encoding: 'utf8' });
const workspaces = JSON.parse(listed).map((w) => w.location);
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const problems = [];

function exportTargets(value, out = []) {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) exportTargets(v, out);
  return out;
}

function packageOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('/') || builtins.has(spec) || spec.startsWith('node:')) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

for (const dir of workspaces) {
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const where = `${pj.name} (${dir})`;
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const files = new Set(pack.files.map((f) => f.path));
  for (const need of ['dist/index.js', 'dist/index.d.ts', 'package.json', 'README.md']) {
    if (!files.has(need)) problems.push(`${where}: tarball lacks ${need}`);
  }
  for (const f of files) {
    if (/(^|\/)test\//.test(f) || /\.(test|spec)\.[cm]?[jt]s$/.test(f)) problems.push(`${where}: tarball ships test file ${f}`);
  }
  for (const target of exportTargets(pj.exports ?? {})) {
    const rel = target.replace(/^\.\//, '');
    if (!files.has(rel)) problems.push(`${where}: exports target ${target} is not in the tarball`);
  }
  if (pj.bin) for (const target of exportTargets(pj.bin)) {
    const rel = target.replace(/^\.\//, '');
    if (!files.has(rel)) problems.push(`${where}: bin target ${target} is not in the tarball`);
  }
  const declared = new Set(Object.keys({ ...pj.dependencies, ...pj.peerDependencies, ...pj.optionalDependencies }));
  for (const f of files) {
    if (!/^dist\/.*\.(js|d\.ts)$/.test(f)) continue;
    const src = readFileSync(join(dir, f), 'utf8');
    const specs = [...src.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)]
      .map((m) => m[1] ?? m[2] ?? m[3]);
    for (const spec of specs) {
      const p = packageOf(spec);
      if (p && p !== pj.name && !declared.has(p) && !(f.endsWith('.d.ts') && p.startsWith('@types/'))) {
        problems.push(`${where}: ${f} imports '${spec}' but package.json does not declare '${p}'`);
      }
    }
  }
  console.log(`checked ${where}: ${files.size} files, ${pack.size} bytes packed`);
}
void root;
if (problems.length) {
  console.error(`\npackage check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('package check passed');
