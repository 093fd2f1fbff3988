#!/usr/bin/env bash
# Cold start of every bundled handler's bootstrap: init and init + first invocation, in fresh processes against a fake
# Lambda Runtime API (Host/), as linux-x64 Native AOT, next to an AOT hello world on the same runtime loop (Hello/) and
# next to each project's ReadyToRun build. x64 because timings under qemu mean nothing. See README.md.
#
#   RUNS=15        measured rounds (each round runs every target once, interleaved; one more warm-up round is not counted)
#   WORK=dir       build and result directory (default: a new temporary one, removed afterwards unless a run fails)
#   HANDLERS=a,b   a subset of the handlers (default: all)
#   DETAILS=1      also print binary sizes, page faults, CPU time and memory per row
#   SKIP_BUILD=1   measure the builds already in WORK again (after a run with the same WORK)
#   ZIPS=dir       add each handler's zip size in bytes from dir (src/Constructs/obj/handlers/zips after a build)
#   BASELINE=dir   also build the handlers of another checkout (e.g. a worktree of main) as AOT and run them as the
#                  variant "before", interleaved in the same rounds, in a table of their own (before/after in one run)
#   R2R=0          skip the ReadyToRun builds and rows (only the AOT half of the goal is measured)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${RUNS:-15}
handlers=${HANDLERS:-}
if [ -n "${WORK:-}" ]; then
  work=$WORK
  mkdir -p "$work"
  keep=true
else
  work=$(mktemp -d)
  keep=false
fi
finish() {
  status=$?
  if [ "$status" -ne 0 ]; then
    echo "coldstart: failed; builds, logs and raw results are in $work" >&2
  elif ! $keep; then
    rm -rf "$work"
  fi
}
trap finish EXIT

# Each build is quiet; its log is shown only when it fails.
quietly() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 || { tail -n 40 "$log" >&2; echo "coldstart: failed: $*" >&2; return 1; }
}

mkdir -p "$work/logs"
build=true
if [ "${SKIP_BUILD:-}" = "1" ]; then
  build=false
  [ -f "$work/host/ColdStartHost.dll" ] || { echo "coldstart: SKIP_BUILD=1 needs the builds of an earlier run in WORK" >&2; exit 2; }
fi
if $build; then
  quietly "$work/logs/build-host.log" dotnet build "$here/Host/Patterns.Cdk.ColdStart.Host.csproj" -c Release \
    --artifacts-path "$work/build/host" -o "$work/host" -nologo -v:q
fi
host=("dotnet" "$work/host/ColdStartHost.dll")
r2r=true
if [ "${R2R:-1}" = "0" ]; then r2r=false; fi
baseline=${BASELINE:+$(cd "$BASELINE" && pwd)}

project_file() {
  local tree=${2:-$root}
  case $1 in
    Hello) echo "$tree/tools/coldstart/Hello/Patterns.Cdk.ColdStart.Hello.csproj" ;;
    *) echo "$tree/src/Functions/$1/Patterns.Cdk.Functions.$1.csproj" ;;
  esac
}

$build && for project in $("${host[@]}" --list-projects --handlers "$handlers"); do
  file=$(project_file "$project")
  # (a) Native AOT, as shipped (but for linux-x64).
  quietly "$work/logs/build-$project-aot.log" dotnet publish "$file" -c Release -r linux-x64 \
    -p:PublishAot=true -p:StripSymbols=true -p:DebugType=none \
    --artifacts-path "$work/build/aot" -o "$work/publish/aot/$project" -nologo -v:q
  # (b) ReadyToRun, framework-dependent: the apphost runs the same Bootstrap.Main on the shared runtime.
  if $r2r; then
    quietly "$work/logs/build-$project-r2r.log" dotnet publish "$file" -c Release -r linux-x64 \
      -p:PublishAot=false -p:PublishReadyToRun=true --self-contained false -p:DebugType=none \
      --artifacts-path "$work/build/r2r" -o "$work/publish/r2r/$project" -nologo -v:q
  fi
  # (c) The baseline checkout's same project, as (a).
  if [ -n "$baseline" ]; then
    quietly "$work/logs/build-$project-before.log" dotnet publish "$(project_file "$project" "$baseline")" -c Release -r linux-x64 \
      -p:PublishAot=true -p:StripSymbols=true -p:DebugType=none \
      --artifacts-path "$work/build/before" -o "$work/publish/before/$project" -nologo -v:q
  fi
done

load_before=$(uptime | sed 's/.*load average: //')
details=()
[ "${DETAILS:-}" = "1" ] && details=(--details)
[ -n "${ZIPS:-}" ] && details+=(--zips "$ZIPS")
variants=()
if $r2r; then variants+=(--r2r "$work/publish/r2r"); fi
if [ -n "$baseline" ]; then variants+=(--variant "before=$work/publish/before"); fi
table=$("${host[@]}" --aot "$work/publish/aot" "${variants[@]}" --runs "$runs" --warmup 1 \
  --handlers "$handlers" --raw "$work/runs.tsv" --logs "$work/logs" "${details[@]}")
load_after=$(uptime | sed 's/.*load average: //')

echo "Cold start, linux-x64 ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores): medians of N=$runs fresh processes per row, interleaved round-robin after 1 warm-up round."
echo
echo "$table"
echo
echo "N=$runs per row; load average (1, 5, 15 min) before: $load_before; after: $load_after."
if $keep; then
  echo "Raw runs: $work/runs.tsv; process output of the warm-up round: $work/logs/."
fi
