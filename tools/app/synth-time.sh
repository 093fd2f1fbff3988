#!/usr/bin/env bash
# Synthesis time of the sample app next to a one-bucket CDK app, side by side in one run (issue 14's "synth time of
# the sample app vs a one-bucket app"). Both apps are built first; then `cdk synth` runs each built app RUNS times,
# alternating, and the median wall time (ms) of each is printed. Usage: bash tools/app/synth-time.sh [RUNS=5]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The one-bucket app: the same CDK and Constructs versions as the package, nothing else.
mkdir -p "$work/one-bucket"
cat > "$work/one-bucket/OneBucket.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><RollForward>Major</RollForward><Nullable>enable</Nullable></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Amazon.CDK.Lib" Version="$(sed -n 's/.*Include="Amazon.CDK.Lib" Version="\[\?\([0-9.]*\)\]\?".*/\1/p' "$root/Directory.Packages.props")" />
    <PackageReference Include="Constructs" Version="$(sed -n 's/.*Include="Constructs" Version="\[\?\([0-9.]*\)\]\?".*/\1/p' "$root/Directory.Packages.props")" />
  </ItemGroup>
</Project>
XML
cat > "$work/one-bucket/Program.cs" <<'CS'
var app = new Amazon.CDK.App();
var stack = new Amazon.CDK.Stack(app, "OneBucket");
_ = new Amazon.CDK.AWS.S3.Bucket(stack, "Bucket");
app.Synth();
CS

dotnet build "$work/one-bucket" -c Release -nologo -v:q -clp:ErrorsOnly -o "$work/one-bucket/out" >/dev/null
dotnet build "$root/src/App" -c Release -nologo -v:q -clp:ErrorsOnly >/dev/null
sample_dll="$(ls "$root"/src/App/bin/Release/net*/Patterns.Cdk.App.dll | head -1)"

synth() { # synth <name> <dll> -> seconds
  local t0 t1
  t0=$(date +%s%N)
  if ! (cd "$root" && npx --no-install cdk synth --app "dotnet $2" --quiet --no-notices --no-version-reporting -o "$work/out-$1" >"$work/synth.log" 2>&1); then
    echo "synth-time: cdk synth of the $1 app failed (is node_modules installed? npm ci):" >&2
    tail -20 "$work/synth.log" >&2
    return 1
  fi
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 ))"
}

declare -a one sample
for ((i = 0; i < runs; i++)); do
  t=$(synth one "$work/one-bucket/out/OneBucket.dll") || exit 1; one+=("$t")
  t=$(synth sample "$sample_dll") || exit 1; sample+=("$t")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
resources() { python3 -c "import json,glob,sys; print(sum(len(json.load(open(f))['Resources']) for f in glob.glob(sys.argv[1] + '/*.template.json')))" "$1"; }
echo "synth-time: RUNS=$runs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'synth-time: one-bucket app  %6d ms median (%s resources, 1 stack)\n' "$(median "${one[@]}")" "$(resources "$work/out-one")"
printf 'synth-time: sample app      %6d ms median (%s resources, %s stacks)\n' "$(median "${sample[@]}")" "$(resources "$work/out-sample")" "$(ls "$work"/out-sample/*.template.json | wc -l)"
