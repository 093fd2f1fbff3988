#!/usr/bin/env bash
# Builds the handler zips of this commit in a second, differently named directory and compares them byte for
# byte with the zips of the main build: same source -> same bytes -> same asset hash on any machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
zips="$root/src/Constructs/obj/handlers/zips"
[ -d "$zips" ] || { echo "reproducible: build src/Constructs first" >&2; exit 1; }
scratch=$(mktemp -d /tmp/patterns-cdk-repro-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# A second clone of the same commit, in a different directory.
other="$scratch/clone"
git clone -q "$root" "$other"
dotnet build "$other/src/Constructs/Patterns.Cdk.csproj" -nologo -v:q >/dev/null
status=0
for zip in "$zips"/*.zip; do
  name=$(basename "$zip")
  a=$(sha256sum "$zip" | cut -d' ' -f1)
  b=$(sha256sum "$other/src/Constructs/obj/handlers/zips/$name" | cut -d' ' -f1)
  if [ "$a" = "$b" ]; then
    echo "reproducible: $name identical in $root and $other ($a, $(stat -c %s "$zip") bytes)"
  else
    echo "reproducible: $name DIFFERS: $a vs $b" >&2
    status=1
  fi
done
exit $status
