#!/usr/bin/env bash
# First-invoke time of the bundled processor with and without ReadyToRun, each in N fresh processes.
# This machine is x64, so the handler is published for linux-x64 here: the ratio, not the absolute numbers,
# carries over to arm64 (the shipped zips are linux-arm64 ReadyToRun).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
project="$root/src/Functions/RecursionSafeS3Processor/Patterns.Cdk.Functions.RecursionSafeS3Processor.csproj"
for r2r in false true; do
  dotnet publish "$project" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=$r2r \
    -p:DebugType=none --artifacts-path "$work/build-$r2r" -o "$work/publish-$r2r" -nologo -v:q >/dev/null
done
mkdir -p "$work/host"
cp "$(dirname "$0")/ColdStartHost.cs" "$work/host/"
cat > "$work/host/Host.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable><TieredPGO>true</TieredPGO></PropertyGroup>
</Project>
XML
dotnet build "$work/host/Host.csproj" -c Release -o "$work/host/out" -nologo -v:q >/dev/null
# An SQS batch whose message is S3's TestEvent: parsed, logged and skipped, no network call.
cat > "$work/payload.json" <<'JSON'
{"Records":[{"messageId":"m-1","receiptHandle":"r","body":"{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-23T10:00:00.000Z\",\"Bucket\":\"uploads\",\"RequestId\":\"1\",\"HostId\":\"h\"}","attributes":{"ApproximateReceiveCount":"1"},"messageAttributes":{},"md5OfBody":"x","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:work","awsRegion":"eu-west-1"}]}
JSON
export AWS_REGION=eu-west-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y STRATEGY=SeparateBucket SOURCE_BUCKET=uploads \
  INPUT_PREFIX= OUTPUT_BUCKET=results OUTPUT_PREFIX= DEAD_LETTER_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/dlq LOG_LEVEL=ERROR
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for r2r in false true; do
  for i in $(seq "$runs"); do
    dotnet "$work/host/out/Host.dll" "$work/publish-$r2r" RecursionSafeS3Processor.Handlers \
      Patterns.Cdk.Functions.RecursionSafeS3Processor.ContentStampProcessor "$work/payload.json" 2>&1 >/dev/null | grep first_invoke_ms
  done > "$work/runs-$r2r.txt"
  init=$(sed 's/.*init_ms=\([0-9.]*\).*/\1/' "$work/runs-$r2r.txt" | median)
  first=$(sed 's/.*first_invoke_ms=\([0-9.]*\).*/\1/' "$work/runs-$r2r.txt" | median)
  echo "ReadyToRun=$r2r: median handler init ${init} ms, median init + first invoke ${first} ms ($(wc -l < "$work/runs-$r2r.txt") fresh processes)"
done
