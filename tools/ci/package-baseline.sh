#!/usr/bin/env bash
# Package validation against a baseline packed from git, for as long as the previous version is on no feed:
#   bash tools/ci/package-baseline.sh [<git ref>]      # default: the newest tag v*
# Packs each packable project (Patterns.Cdk, Patterns.Cdk.Uploads.Client, Patterns.Cdk.Uploads.Cli) as it was at <ref>
# into a scratch feed, then packs the working tree with PackageValidationBaselinePath pointing at it: a public API
# removed or changed since <ref> (CP0002, CP0001, ...) fails the pack. Projects that did not exist at <ref> are
# reported and skipped. Once the previous version is published, PackageValidationBaselineVersion in
# Directory.Build.props does the same on every pack and this script is no longer needed.
#
# The baseline is built with -p:SkipHandlerPublish=true and this tree's handler zips (src/Constructs/obj/handlers,
# built when missing): only the assemblies' public API is compared, never the embedded zips.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ref=${1:-$(git -C "$root" tag --list 'v*' --sort=-v:refname | head -1)}
[ -n "$ref" ] || { echo "package-baseline: no tag v* yet; give a git ref (e.g. the commit of the last release)" >&2; exit 2; }
commit=$(git -C "$root" rev-parse --verify --quiet "$ref^{commit}") || { echo "package-baseline: $ref is not a commit" >&2; exit 2; }

zips="$root/src/Constructs/obj/handlers/zips"
if [ ! -d "$zips" ]; then
  dotnet build "$root/src/Constructs/Patterns.Cdk.csproj" -c Release -nologo -v:q -clp:ErrorsOnly
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
base="$scratch/baseline"
mkdir -p "$base" "$scratch/feed" "$scratch/current"
git -C "$root" archive "$commit" | tar -x -C "$base"
mkdir -p "$base/src/Constructs/obj/handlers"
cp -a "$zips" "$base/src/Constructs/obj/handlers/"
base_version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$base/Directory.Build.props" | head -1)

status=0
for project in src/Constructs/Patterns.Cdk.csproj src/Testing/Patterns.Cdk.Testing.csproj src/Uploads.Client/Patterns.Cdk.Uploads.Client.csproj src/Uploads.Cli/Patterns.Cdk.Uploads.Cli.csproj; do
  id=$(basename "$project" .csproj)
  if [ ! -f "$base/$project" ]; then
    echo "package-baseline: $id did not exist at $ref: nothing to compare"
    continue
  fi
  log=$(dotnet pack "$base/$project" -c Release -nologo -v:q -clp:ErrorsOnly -o "$scratch/feed" \
        -p:SkipHandlerPublish=true -p:EnablePackageValidation=false -p:PackageVersion="$base_version" 2>&1) \
    || { echo "$log" >&2; echo "package-baseline: packing $id at $ref failed" >&2; exit 1; }
  baseline_pkg="$scratch/feed/$id.$base_version.nupkg"
  [ -f "$baseline_pkg" ] || { echo "package-baseline: $baseline_pkg was not produced" >&2; exit 1; }
  # RunPackageValidation is incremental on the project's inputs only (not on the baseline): forget its last run.
  find "$root/$(dirname "$project")/obj" -name Microsoft.NET.ApiCompat.ValidatePackage.semaphore -delete 2>/dev/null || true
  if log=$(dotnet pack "$root/$project" -c Release -nologo -v:q -clp:ErrorsOnly -o "$scratch/current" \
             -p:SkipHandlerPublish=true -p:PackageValidationBaselinePath="$baseline_pkg" 2>&1); then
    echo "package-baseline: $id validated against $id $base_version from $ref (${commit:0:12}): no breaking change"
  else
    echo "$log" | grep -E 'error|warning' | sed "s|$root/||g; s|$scratch/||g" >&2
    echo "package-baseline: $id breaks compatibility with $base_version from $ref (${commit:0:12})" >&2
    status=1
  fi
done
exit $status
