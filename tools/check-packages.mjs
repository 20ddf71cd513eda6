#!/usr/bin/env node
// Publish check: packs every workspace package (npm pack --dry-run) and fails when a tarball
// lacks its built JS or .d.ts, ships tests, has an `exports` target that is not in the tarball,
// or when built code imports a package its package.json does not declare (no phantom
// dependencies through hoisting), when it declares a run-time dependency that no built file imports,
// or when a package's run-time dependency closure reaches what it must not install (robot-io and
// datasets never pull TensorFlow.js; datasets never pulls serialport or MuJoCo; contracts pulls
// nothing), or when a package with a `./testing` export reaches its test fixtures from any other entry
// point (fixtures ship only under `/testing`). Run after `nx run-many -t build`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize } from 'node:path';

const root = JSON.parse(readFileSync('package.json', 'utf8'));
const listed = execFileSync('npm', ['query', '.workspace'], { encoding: 'utf8' });
const workspaces = JSON.parse(listed).map((w) => w.location);
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const problems = [];

/** Run-time dependency closures that must stay free of these packages (prefix match on names). */
const FORBIDDEN_CLOSURE = {
  '@actfusion/contracts': { why: 'types only', deny: [''] },
  '@actfusion/atomic-file': { why: 'every package writes files through it, so it depends on nothing', deny: [''] },
  '@actfusion/robot-io': { why: 'the hardware layer installs without the tensor runtime', deny: ['@tensorflow/'] },
  '@actfusion/datasets': {
    why: 'reading a dataset installs neither the tensor runtime nor the hardware layer',
    deny: ['@tensorflow/', 'serialport', '@mujoco/', '@actfusion/robot-io', '@actfusion/cvae-core'],
  },
};
const manifests = new Map();
/** A dependency nothing imports is still needed when the package imports its companion. */
const COMPANIONS = { 'reflect-metadata': 'tsyringe' }; // tsyringe refuses to load without a Reflect polyfill

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
  manifests.set(pj.name, pj);
  const declared = new Set(Object.keys({ ...pj.dependencies, ...pj.peerDependencies, ...pj.optionalDependencies }));
  const imported = new Set();
  const testingTarget = exportTargets(pj.exports?.['./testing'] ?? {}).find((t) => t.endsWith('.js'));
  const testingDir = testingTarget ? `${dirname(testingTarget.replace(/^\.\//, ''))}/` : null;
  for (const f of files) {
    if (!/^dist\/.*\.(js|d\.ts)$/.test(f)) continue;
    const src = readFileSync(join(dir, f), 'utf8');
    const specs = [...src.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)]
      .map((m) => m[1] ?? m[2] ?? m[3]);
    for (const spec of specs) {
      if (testingDir && spec.startsWith('.') && !f.startsWith(testingDir)) {
        const target = normalize(join(dirname(f), spec));
        if (target.startsWith(testingDir)) problems.push(`${where}: ${f} imports the test fixtures '${spec}' (they ship only under the ./testing export)`);
      }
      if (/^@actfusion\/[\w-]+\/testing$/.test(spec)) problems.push(`${where}: ${f} imports the test fixtures '${spec}' at run time`);
      const p = packageOf(spec);
      if (p) imported.add(p);
      if (p && p !== pj.name && !declared.has(p) && !(f.endsWith('.d.ts') && p.startsWith('@types/'))) {
        problems.push(`${where}: ${f} imports '${spec}' but package.json does not declare '${p}'`);
      }
    }
  }
  const optionalPeers = new Set(Object.entries(pj.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n));
  // A native addon's build (binding.gyp, run by the package's install script) uses its dependencies at install time.
  const gyp = files.has('binding.gyp') ? readFileSync(join(dir, 'binding.gyp'), 'utf8') : '';
  if (files.has('binding.gyp') && !(pj.scripts?.install ?? '').includes('node-gyp rebuild')) {
    problems.push(`${where}: ships binding.gyp but has no explicit "install": "node-gyp rebuild" script (npm ci does not build it reliably otherwise)`);
  }
  for (const dep of Object.keys({ ...pj.dependencies, ...pj.peerDependencies })) {
    if (!imported.has(dep) && !optionalPeers.has(dep) && !imported.has(COMPANIONS[dep]) && !gyp.includes(`require('${dep}')`)) {
      problems.push(`${where}: declares '${dep}' but no built file imports it (a run-time dependency must be imported; tests use devDependencies)`);
    }
  }
  console.log(`checked ${where}: ${files.size} files, ${pack.size} bytes packed`);
}

/** Every package name a consumer installs with `name` (dependencies and required peers, transitively). */
function closure(name, seen = new Set()) {
  const pj = manifests.get(name);
  if (!pj) return seen;
  const optionalPeers = new Set(Object.entries(pj.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n));
  const next = [...Object.keys(pj.dependencies ?? {}), ...Object.keys(pj.peerDependencies ?? {}).filter((n) => !optionalPeers.has(n))];
  for (const dep of next) {
    if (seen.has(dep)) continue;
    seen.add(dep);
    closure(dep, seen);
  }
  return seen;
}
for (const [name, rule] of Object.entries(FORBIDDEN_CLOSURE)) {
  if (!manifests.has(name)) {
    problems.push(`${name}: named in the dependency rules but not a workspace package`);
    continue;
  }
  for (const dep of closure(name)) {
    const hit = rule.deny.find((d) => dep.startsWith(d));
    if (hit !== undefined) problems.push(`${name}: installs '${dep}' through its dependencies, but ${rule.why}`);
  }
  console.log(`dependency rule ${name}: installs ${[...closure(name)].join(', ') || 'nothing'}`);
}
void root;
if (problems.length) {
  console.error(`\npackage check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('package check passed');
