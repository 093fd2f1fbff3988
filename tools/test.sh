#!/usr/bin/env bash
# The one test command (README): installs what the checks need, builds, runs every test and check, and prints
# a summary. Local emulators are started and stopped by the integration-test fixture itself.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# A missing snapshot fails instead of being written: snapshots are committed, so CI compares, never records.
export SNAPSHOOTER_STRICT_MODE=true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Details of passing checks stay hidden; TEST_VERBOSE=1 (dotnet test, Step Functions), NAG_VERBOSE=1 and
# CFNLINT_VERBOSE=1 show them.
# The README asks for Node.js 22. On Node 20 (end-of-life 2026-04-30) everything still runs, but the jsii runtime inside
# every CDK app prints a 10-line banner per process: say it once here instead.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 22 ]; then
  echo "note: Node.js $(node --version) is older than the README's Node.js 22; the checks run anyway (jsii's end-of-life banner is silenced)"
  export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=$node_major
fi
passed=0; failed=0; failures=()
start_all=$(date +%s)

# quietly <regex> <command...>: the command's full output only when it fails (or with TEST_VERBOSE=1); on success
# only its lines matching <regex> (its own summary).
quietly() {
  local keep=$1; shift
  if [ "${TEST_VERBOSE:-}" = 1 ]; then "$@"; return; fi
  local log rc; log=$(mktemp)
  "$@" >"$log" 2>&1; rc=$?
  if [ $rc -eq 0 ]; then grep -E -- "$keep" "$log"; else cat "$log"; fi
  rm -f "$log"
  return $rc
}

step() { # step <name> <command...>
  local name=$1; shift
  local t0; t0=$(date +%s)
  echo "::: $name"
  if "$@"; then
    passed=$((passed + 1)); echo "::: $name: ok ($(( $(date +%s) - t0 )) s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "::: $name: FAILED ($(( $(date +%s) - t0 )) s)"
  fi
}

step "npm ci (skipped when node_modules matches package-lock.json)" bash tools/ci/npm-ci.sh
step "docs link only to files inside the repository" node tools/docs/links.mjs
step "Native AOT toolchain: clang, lld, arm64 sysroot, qemu (installed when missing)" bash tools/ci/aot-toolchain.sh
step "dotnet restore" dotnet restore Patterns.Cdk.sln -nologo -v:q
rm -rf artifacts/nag artifacts/cdk.out
step "dotnet build" quietly ": (error|warning) " dotnet build Patterns.Cdk.sln --no-restore -nologo -v:q -clp:ErrorsOnly
step "dotnet test" quietly '^(Passed|Failed)!' dotnet test Patterns.Cdk.sln --no-build -nologo -v:q --logger "console;verbosity=minimal"
step "DAG logic (Python, SQLite, Fernet)" quietly '^python-deps: |^[0-9]+ passed' bash tools/dags/test.sh
step "cdk-nag self-test" node tools/nag/selftest.mjs
step "cdk-nag (AwsSolutions + Serverless) on every synthesized test template" node tools/nag/check.mjs artifacts/nag
step "Step Functions definitions: validate and execute locally" quietly '^sfn check|transitions per page|transitions per pause|^conservation' node tools/sfn/check.mjs artifacts/nag
step "sample app synth (cdk synth)" npx --no-install cdk synth --quiet --no-notices --no-version-reporting -o artifacts/cdk.out
step "sample app: every alarm notifies the alarm topic" node tools/app/alarms.mjs artifacts/cdk.out
step "Lambda runtimes self-test" node tools/runtimes/selftest.mjs
step "Lambda runtimes: none blocked or within 90 days of a block (every synthesized template)" node tools/runtimes/check.mjs artifacts/nag artifacts/cdk.out
step "cfn-lint (every synthesized template)" bash tools/cfnlint/check.sh
step "deterministic handler zips (second build elsewhere)" bash tools/ci/reproducible.sh
step "NuGet package + fresh consumer app synth" bash tools/ci/consumer-smoke.sh

echo
echo "test command wall time: $(( $(date +%s) - start_all )) s"
[ ${#failures[@]} -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
