#!/usr/bin/env node
// Release dry run: bumps one package with `nx release version --dry-run` and checks that versions
// are independent (the bumped package and its dependents move; packages it depends on do not).
// Then bumps @actfusion/cvae-core and checks that every package depending on it moves too, whether
// it imports the root entry point or only subpaths (`@actfusion/cvae-core/nn`, `/training`, ...).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function dryRunBump(project) {
  const out = execFileSync('npx', ['nx', 'release', 'version', 'patch', '--dry-run', `--projects=${project}`], {
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Strip ANSI colour codes: Nx colours its output when CI is set, whatever the TTY.
  const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
  const bumped = [...plain.matchAll(/^(@actfusion\/[\w-]+) ✍️\s+New version (\S+)/gmu)].map((m) => `${m[1]}@${m[2]}`);
  return { plain, bumped: [...new Set(bumped)].sort() };
}

const problems = [];
const target = process.argv[2] ?? '@actfusion/robot-io';
const first = dryRunBump(target);
console.log(`release dry run (patch ${target}) would write: ${first.bumped.join(', ') || 'nothing'}`);
if (!first.bumped.some((b) => b.startsWith(`${target}@`))) problems.push(`${target} was not bumped`);
if (first.bumped.some((b) => b.startsWith('@actfusion/cvae-core@'))) problems.push('cvae-core was bumped although only a dependent changed');

const core = '@actfusion/cvae-core';
const workspaces = JSON.parse(execFileSync('npm', ['query', '.workspace'], { encoding: 'utf8' })).map((w) => w.location);
const dependents = workspaces
  .map((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')))
  .filter((pj) => pj.dependencies?.[core] !== undefined)
  .map((pj) => pj.name);
const second = dryRunBump(core);
console.log(`release dry run (patch ${core}) would write: ${second.bumped.join(', ') || 'nothing'}`);
for (const name of dependents) {
  if (!second.bumped.some((b) => b.startsWith(`${name}@`))) problems.push(`${name} depends on ${core} but was not bumped with it`);
}
if (second.bumped.some((b) => b.startsWith('@actfusion/contracts@'))) problems.push('contracts was bumped although only cvae-core (a dependent) changed');

if (problems.length) {
  console.error(`release check failed: ${problems.join('; ')}\n${first.plain}\n${second.plain}`);
  process.exit(1);
}
console.log(`release check passed: versions are independent; ${dependents.length} dependents of ${core} move with it`);
