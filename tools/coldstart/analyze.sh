#!/usr/bin/env bash
# Where a handler's cold start goes beyond the AOT hello world's (README.md, "Where the extra time goes"):
#   1. the size of each AOT executable and of its .hydrated section (the runtime writes all of it at start, one page
#      fault per 4 KB page), and the time and page faults of starting it alone (exit at Main);
#   2. Probe/: per handler, step by step, in fresh processes: spawn -> Main, the handler's factory (settings, AWS SDK
#      clients), the first and the second invocation, and once per project the first AWS SDK clients, a first
#      exception with its stack trace, libSkiaSharp.so, and the cost of one page fault on this machine;
#   3. OneHandler/: an executable per handler (only that handler's code compiled in), run by the harness next to the
#      shipped per-project executables and the hello world;
#   4. SdkFloor/: the hello world creating one AWS client (S3, SQS, DynamoDB, or the stand-in transport over
#      AWSSDK.Core), next to the plain hello world: what the AWS SDK costs before any handler code; and the S3 client
#      against a minimal S3 client over AWSSDK.Core's signer (S3Calls, S3StandIn: HeadObject, GetObject, PutObject and
#      CopyObject reachable, not called; a measurement, not shipped code).
#
#   RUNS=15  WORK=dir  HANDLERS=a,b  SKIP_BUILD=1   as for measure.sh
#   ONLY=sdkfloor                                  only the hello world and 4. (CLIENTS=a,b: a subset of its clients)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${RUNS:-15}
handlers=${HANDLERS:-}
only=${ONLY:-}
case $only in
  "") ;;
  sdkfloor) handlers=Hello ;;
  *) echo "coldstart: ONLY=$only is not known (sdkfloor)" >&2; exit 2 ;;
esac
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
    echo "coldstart: failed; builds and logs are in $work" >&2
  elif ! $keep; then
    rm -rf "$work"
  fi
}
trap finish EXIT

quietly() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 || { tail -n 40 "$log" >&2; echo "coldstart: failed: $*" >&2; return 1; }
}
aot=(-c Release -r linux-x64 -p:PublishAot=true -p:StripSymbols=true -p:DebugType=none -nologo -v:q)

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
names=$("${host[@]}" --list-handlers --handlers "$handlers")

$build && for project in $("${host[@]}" --list-projects --handlers "$handlers"); do
  if [ "$project" = Hello ]; then
    file="$here/Hello/Patterns.Cdk.ColdStart.Hello.csproj"
  else
    file="$root/src/Functions/$project/Patterns.Cdk.Functions.$project.csproj"
    [ -n "$only" ] && continue
    quietly "$work/logs/build-$project-probe.log" dotnet publish "$here/Probe/Patterns.Cdk.ColdStart.Probe.csproj" \
      -p:ProbeTarget="$project" "${aot[@]}" --artifacts-path "$work/build/probe-$project" -o "$work/publish/probe/$project"
  fi
  quietly "$work/logs/build-$project-aot.log" dotnet publish "$file" "${aot[@]}" \
    --artifacts-path "$work/build/aot" -o "$work/publish/aot/$project"
done

# One executable per handler; the hello world already is one.
$build && [ -z "$only" ] && for line in $names; do
  project=${line%%/*}
  handler=${line##*/}
  quietly "$work/logs/build-$handler-one.log" dotnet publish "$here/OneHandler/Patterns.Cdk.ColdStart.OneHandler.csproj" \
    -p:OneHandlerProject="$project" -p:OneHandlerName="$handler" "${aot[@]}" \
    --artifacts-path "$work/build/one-$project" -o "$work/publish/one/$handler"
done
mkdir -p "$work/publish/one/Hello"
cp "$work/publish/aot/Hello/Hello.Handlers" "$work/publish/one/Hello/bootstrap"
clients=(S3 SQS DynamoDB StandIn S3Calls S3StandIn)
[ -n "${CLIENTS:-}" ] && IFS=', ' read -r -a clients <<<"$CLIENTS"
$build && for client in "${clients[@]}"; do
  quietly "$work/logs/build-sdkfloor-$client.log" dotnet publish "$here/SdkFloor/Patterns.Cdk.ColdStart.SdkFloor.csproj" \
    -p:SdkClient="$client" "${aot[@]}" --artifacts-path "$work/build/sdkfloor-$client" -o "$work/publish/sdkfloor-$client/Hello"
done

section_kb() { # executable section -> size in KB
  local hex
  hex=$(readelf -SW "$1" | awk -v s="$2" '{ for (i = 1; i < NF; i++) if ($i == s) { print $(i + 4); exit } }')
  echo $(( 16#${hex:-0} / 1024 ))
}
# Start -> exit at Main: without AWS_LAMBDA_RUNTIME_API a bootstrap's Main prints one line and exits (code 2), so
# this is the process and runtime start alone. Median wall time and the exited process's minor page faults (wait4).
startup() { # runs executable -> "ms faults"
  python3 - "$1" "$2" <<'PYTHON'
import os, statistics, sys, time
runs, exe = int(sys.argv[1]), sys.argv[2]
ms, faults = [], []
for i in range(runs + 1):
    start = time.monotonic()
    pid = os.posix_spawn(exe, [exe], {"PATH": "/usr/bin:/bin"}, file_actions=[(os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    if i > 0:
        ms.append((time.monotonic() - start) * 1000)
        faults.append(usage.ru_minflt)
print(f"{statistics.median(ms):.1f} {statistics.median(faults):.0f}")
PYTHON
}
load_before=$(uptime | sed 's/.*load average: //')
echo "Native AOT executables (linux-x64): size, the sections that grow with the code compiled in, and the start alone"
echo "(start -> exit at Main, median of N=$runs)."
echo
echo "| executable | MB | managed code KB | .rodata KB | .hydrated KB (written at start) | start → exit at Main ms | minor faults |"
echo "|---|---:|---:|---:|---:|---:|---:|"
floors=()
for client in "${clients[@]}"; do
  floors+=("$work/publish/sdkfloor-$client/Hello/Hello.Handlers")
done
executables=("$work"/publish/aot/*/*.Handlers "$work"/publish/one/*/bootstrap "${floors[@]}")
[ -n "$only" ] && executables=("$work/publish/aot/Hello/Hello.Handlers" "${floors[@]}")
for exe in "${executables[@]}"; do
  label=${exe#"$work/publish/"}
  read -r ms faults < <(startup "$runs" "$exe")
  printf '| %s | %s | %d | %d | %d | %s | %s |\n' "$label" "$(awk -v b="$(stat -c %s "$exe")" 'BEGIN { printf "%.1f", b / 1048576 }')" \
    "$(section_kb "$exe" __managedcode)" "$(section_kb "$exe" .rodata)" "$(section_kb "$exe" .hydrated)" "$ms" "$faults"
done

if [ -z "$only" ]; then
  "${host[@]}" --probe "$work/publish/probe" --runs "$runs" --handlers "$handlers"
  echo
  echo "One executable per handler (OneHandler/) next to the shipped per-project executables, interleaved:"
  echo
  "${host[@]}" --aot "$work/publish/aot" --variant "one-handler=$work/publish/one" --runs "$runs" --warmup 1 \
    --handlers "$handlers" --raw "$work/runs-one-handler.tsv" --logs "$work/logs" --details
fi
echo
echo "The hello world creating one AWS client in its factory (SdkFloor/), interleaved with the plain hello world:"
echo
variants=()
for client in "${clients[@]}"; do
  variants+=(--variant "hello+$client=$work/publish/sdkfloor-$client")
done
"${host[@]}" --aot "$work/publish/aot" "${variants[@]}" --runs "$runs" --warmup 1 --handlers Hello \
  --raw "$work/runs-sdkfloor.tsv" --logs "$work/logs" --details
load_after=$(uptime | sed 's/.*load average: //')
echo
echo "N=$runs per row; $(date -u '+%Y-%m-%d %H:%M UTC'); load average (1, 5, 15 min) before: $load_before; after: $load_after."
