#!/usr/bin/env bash
# Packs Patterns.Cdk and Patterns.Cdk.Testing and proves a brand-new consumer app, created outside this repository
# and referencing only the .nupkgs, synthesizes a stack with a RecursionSafeS3Processor (no Docker, no
# Amazon.Lambda.Tools, no build of handler code: the handler zips ship inside the package), then scrubs its template
# and passes the default template policy with the testing package.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -1)
# A version no cache can hold: a package left in ~/.nuget/packages by an earlier run (same files, same version)
# would otherwise be restored instead of the one packed now. Removed from the global packages folder afterwards.
version="$base-smoke.$(date -u +%Y%m%d%H%M%S).$$"
global=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: *//')
out="$root/artifacts/packages"
rm -rf "$out" && mkdir -p "$out"
build_log=$(dotnet build "$root/src/Constructs/Patterns.Cdk.csproj" -c Release -nologo -v:q -clp:ErrorsOnly 2>&1) || { echo "$build_log" >&2; exit 1; }
# Package validation (EnablePackageValidation) runs inside this pack and fails it on an error. It is incremental on the
# project's inputs only, so forget its last run: the semaphore it writes proves it ran on this package.
semaphore="$root/src/Constructs/obj/Release/net10.0/Microsoft.NET.ApiCompat.ValidatePackage.semaphore"
rm -f "$semaphore"
dotnet pack "$root/src/Constructs/Patterns.Cdk.csproj" -c Release --no-build -o "$out" -nologo -v:q -p:PackageVersion="$version" -clp:ErrorsOnly
[ -f "$semaphore" ] || { echo "consumer-smoke: package validation did not run (EnablePackageValidation)" >&2; exit 1; }
build_log=$(dotnet build "$root/src/Testing/Patterns.Cdk.Testing.csproj" -c Release -nologo -v:q -clp:ErrorsOnly 2>&1) || { echo "$build_log" >&2; exit 1; }
dotnet pack "$root/src/Testing/Patterns.Cdk.Testing.csproj" -c Release --no-build -o "$out" -nologo -v:q -p:PackageVersion="$version" -clp:ErrorsOnly
testing_pkg="$out/Patterns.Cdk.Testing.$version.nupkg"
[ -f "$testing_pkg" ] || { echo "consumer-smoke: $testing_pkg was not produced" >&2; exit 1; }
pkg="$out/Patterns.Cdk.$version.nupkg"
[ -f "$pkg" ] || { echo "consumer-smoke: $pkg was not produced" >&2; exit 1; }
# Ask unzip for the one entry (exit 11 when absent): piping a 30 MB listing into `grep -q` can end unzip with
# SIGPIPE, which pipefail reports as a missing file.
unzip -l "$pkg" "lib/net10.0/Patterns.Cdk.dll" >/dev/null 2>&1 || { echo "consumer-smoke: the package has no lib/net10.0/Patterns.Cdk.dll" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work" "${global%/}/patterns.cdk/$version" "${global%/}/patterns.cdk.testing/$version"' EXIT
cd "$work"
# A nuget.config of its own: the package folder plus the machine's default feed (inherited).
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="patterns-cdk-local" value="$out" />
  </packageSources>
</configuration>
XML
mkdir Consumer && cd Consumer
cat > Consumer.csproj <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <NoWarn>NU1603</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Patterns.Cdk" Version="[$version]" />
    <PackageReference Include="Patterns.Cdk.Testing" Version="[$version]" />
  </ItemGroup>
</Project>
XML
cat > Program.cs <<'CS'
using Amazon.CDK;
using Patterns.Cdk.RecursionSafeS3Processor;
using Patterns.Cdk.Testing;

var app = new App(new AppProps { Outdir = "cdk.out" });
var stack = new Stack(app, "ConsumerStack");
_ = new RecursionSafeS3Processor(stack, "Processor", new RecursionSafeS3ProcessorProps
{
    Strategy = ProcessingStrategy.ObjectMetadata,
});
app.Synth();
// What a user's snapshot test does with the testing package: scrub the template, assert the default policy.
System.IO.File.WriteAllText("scrubbed.template.json", ScrubbedTemplate.FromStack(stack).ToJson());
TemplatePolicy.Assert(stack);
System.Console.WriteLine("policy: ok");
CS
run_log=$(dotnet run -nologo -v:q 2>&1) || true
echo "$run_log" | grep -v -i "end-of-life\|node.js\|^ *$\|jsii\|! *!\|^policy: ok$" || true
grep -q "\"Patterns.Cdk/$version\"" obj/project.assets.json || { echo "consumer-smoke: the consumer did not restore Patterns.Cdk $version" >&2; exit 1; }
grep -q "\"Patterns.Cdk.Testing/$version\"" obj/project.assets.json || { echo "consumer-smoke: the consumer did not restore Patterns.Cdk.Testing $version" >&2; exit 1; }
grep -qx "policy: ok" <<<"$run_log" || { echo "consumer-smoke: the consumer did not print \"policy: ok\" (its build, synth or TemplatePolicy.Assert failed; output above)" >&2; exit 1; }
scrubbed=scrubbed.template.json
grep -q '"\[HASH\].zip"' "$scrubbed" || { echo "consumer-smoke: the scrubbed template has no [HASH].zip asset key" >&2; exit 1; }
! grep -Eq '[0-9a-f]{64}|AWS::CDK::Metadata|BootstrapVersion' "$scrubbed" || { echo "consumer-smoke: the scrubbed template still holds a hash, CDK metadata or the bootstrap parameter" >&2; exit 1; }
template=cdk.out/ConsumerStack.template.json
[ -f "$template" ] || { echo "consumer-smoke: no template synthesized" >&2; exit 1; }
grep -q '"Runtime": "provided.al2023"' "$template" || grep -q '"Runtime":"provided.al2023"' "$template" || { echo "consumer-smoke: no provided.al2023 function in the template" >&2; exit 1; }
zips=$(find cdk.out -maxdepth 2 -name 'recursion-safe-s3-processor.zip' -o -maxdepth 2 -path '*asset.*' -name '*.zip' | wc -l)
[ "$zips" -ge 1 ] || { echo "consumer-smoke: no handler zip asset in cdk.out" >&2; exit 1; }
echo "consumer-smoke: Patterns.Cdk $version packed ($(stat -c %s "$pkg") bytes, package validation passed), Patterns.Cdk.Testing ($(stat -c %s "$testing_pkg") bytes); a fresh consumer synthesized $(grep -c '"AWS::Lambda::Function"' "$template") functions with $zips bundled zip asset(s), scrubbed its template and passed the default template policy"
