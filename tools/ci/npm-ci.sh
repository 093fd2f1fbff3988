#!/usr/bin/env bash
# `npm ci`, but only when node_modules does not already hold exactly what package-lock.json pins: npm's own record
# of the installed tree (node_modules/.package-lock.json) is compared with the lockfile, package by package (version
# and integrity). A second test run, or one right after the README's `npm ci && npx cdk synth`, reinstalls nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if node -e '
  const fs = require("fs");
  const read = (f) => JSON.parse(fs.readFileSync(f, "utf8"));
  const lock = read("package-lock.json");
  const installed = read("node_modules/.package-lock.json").packages;
  const manifest = read("package.json");
  const root = lock.packages[""] ?? {};
  const same = (a, b) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
  if (!same(root.devDependencies, manifest.devDependencies) || !same(root.dependencies, manifest.dependencies)) process.exit(1);
  for (const [key, want] of Object.entries(lock.packages)) {
    if (key === "") continue;
    const got = installed[key];
    if (!got) { if (want.optional) continue; process.exit(1); }
    if (got.version !== want.version || got.integrity !== want.integrity) process.exit(1);
  }
  for (const key of Object.keys(installed)) if (!lock.packages[key]) process.exit(1);
' 2>/dev/null; then
  echo "npm ci: skipped, node_modules already matches package-lock.json"
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
