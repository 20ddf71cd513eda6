#!/usr/bin/env node
// Release dry run: bumps one package with `nx release version --dry-run` and checks that versions
// are independent (the bumped package and its dependents move; packages it depends on do not).
import { execFileSync } from 'node:child_process';

const target = process.argv[2] ?? '@actfusion/robot-io';
const out = execFileSync('npx', ['nx', 'release', 'version', 'patch', '--dry-run', `--projects=${target}`], {
  encoding: 'utf8',
  env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', NO_COLOR: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
// Strip ANSI colour codes: Nx colours its output when CI is set, whatever the TTY.
const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
const bumped = [...plain.matchAll(/^(@actfusion\/[\w-]+) ✍️\s+New version (\S+)/gmu)].map((m) => `${m[1]}@${m[2]}`);
const unique = [...new Set(bumped)].sort();
console.log(`release dry run (patch ${target}) would write: ${unique.join(', ') || 'nothing'}`);
const problems = [];
if (!unique.some((b) => b.startsWith(`${target}@`))) problems.push(`${target} was not bumped`);
if (unique.some((b) => b.startsWith('@actfusion/cvae-core@'))) problems.push('cvae-core was bumped although only a dependent changed');
if (problems.length) {
  console.error(`release check failed: ${problems.join('; ')}\n${plain}`);
  process.exit(1);
}
console.log('release check passed: versions are independent');
