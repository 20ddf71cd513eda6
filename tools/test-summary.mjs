#!/usr/bin/env node
// Sums the vitest JSON reports in .reports/ into the CI closing line `N passed, N failed, N skipped`,
// after listing every skipped test by file and name.
//
//   node tools/test-summary.mjs [.reports] [--require python3-torch,python3-h5py]
//
// A test that may skip for want of a tool says so in its title: `... (needs python3-torch)`.
// With --require, such a skip counts as a failure: CI installs those tools, so a skip there means
// the install broke, and the test must not pass silently.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const args = process.argv.slice(2);
const requireAt = args.indexOf('--require');
const required = new Set(requireAt >= 0 ? (args[requireAt + 1] ?? '').split(',').filter(Boolean) : []);
const dir = args.find((a, i) => !a.startsWith('--') && (requireAt < 0 || i !== requireAt + 1)) ?? '.reports';

let passed = 0;
let failed = 0;
let skipped = 0;
const skippedTests = [];
const requiredButSkipped = [];
if (existsSync(dir)) {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    for (const file of r.testResults ?? []) {
      // A file that failed to load (syntax error, missing import) has no tests but is a failure.
      if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed += 1;
      for (const t of file.assertionResults ?? []) {
        if (!['skipped', 'pending', 'todo', 'disabled'].includes(t.status)) continue;
        const where = relative(process.cwd(), file.name ?? f);
        const title = t.fullName ?? t.title;
        const needs = /\(needs ([^)]+)\)/.exec(title)?.[1];
        if (needs !== undefined && required.has(needs)) requiredButSkipped.push(`${where} > ${title}`);
        else {
          skipped += 1;
          skippedTests.push(`${where} > ${title}`);
        }
      }
    }
  }
}
if (skippedTests.length > 0) {
  console.log(`skipped tests (${skippedTests.length}):`);
  for (const s of skippedTests) console.log(`  - ${s}`);
}
if (requiredButSkipped.length > 0) {
  console.log(`skipped although CI installs what they need (counted as failed, ${requiredButSkipped.length}):`);
  for (const s of requiredButSkipped) console.log(`  - ${s}`);
  failed += requiredButSkipped.length;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 ? 1 : 0;
