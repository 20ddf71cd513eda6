#!/usr/bin/env node
// Import-cycle check (run in CI): no two source files of a package import each other, directly or
// through others, and no two workspace packages depend on each other. Type-only imports count too:
// a cycle of types is still two concepts that cannot be read apart.
//
//   node tools/check-cycles.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const workspaces = JSON.parse(execFileSync('npm', ['query', '.workspace'], { encoding: 'utf8' })).map((w) => w.location);

function sourceFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveRelative(from, spec) {
  const base = resolve(dirname(from), spec);
  const candidates = [base, base.replace(/\.(m?js)$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Strongly connected components with more than one node (or a self-loop): Tarjan's algorithm. */
function cycles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], out = [];
  const strong = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? new Set()).has(v)) out.push(comp.reverse());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

const problems = [];
const packageGraph = new Map();
const names = new Map();
for (const dir of workspaces) {
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  names.set(pj.name, dir);
  packageGraph.set(pj.name, new Set(Object.keys({ ...pj.dependencies, ...pj.peerDependencies })));
  const src = resolve(dir, 'src');
  if (!existsSync(src)) continue;
  const graph = new Map();
  for (const file of sourceFiles(src)) {
    const deps = new Set();
    for (const ref of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = resolveRelative(file, ref.fileName);
      if (target) deps.add(target);
    }
    graph.set(file, deps);
  }
  for (const comp of cycles(graph)) {
    problems.push(`${pj.name}: import cycle ${[...comp, comp[0]].map((f) => relative(resolve(dir), f)).join(' -> ')}`);
  }
}
for (const [name, deps] of packageGraph) packageGraph.set(name, new Set([...deps].filter((d) => names.has(d))));
for (const comp of cycles(packageGraph)) problems.push(`workspace packages depend on each other: ${[...comp, comp[0]].join(' -> ')}`);

if (problems.length) {
  console.error(`import-cycle check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`import-cycle check passed: ${workspaces.length} packages, no cycles`);
