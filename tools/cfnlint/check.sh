#!/usr/bin/env bash
# cfn-lint over every synthesized template: the sample app (artifacts/cdk.out) and the templates the construct tests
# write for cdk-nag (artifacts/nag). 0 errors; warnings only from the commented list in tools/cfnlint/ignore.txt.
# When cfn-lint is not installed the step says so and passes: it installs nothing.
# Prints one line on success; every finding otherwise (CFNLINT_VERBOSE=1 lists the ignored ones too).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint: not installed on this machine; step SKIPPED (nothing was installed; pip install cfn-lint to run it)"
  exit 0
fi
mapfile -t templates < <(find artifacts/nag artifacts/cdk.out -maxdepth 1 -name '*.template.json' 2>/dev/null | sort)
if [ ${#templates[@]} -eq 0 ]; then
  echo "cfn-lint: no templates under artifacts/nag or artifacts/cdk.out (run the construct tests and the sample app synth first)" >&2
  exit 1
fi
mapfile -t ignored < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' tools/cfnlint/ignore.txt)
# A lookup table, not `printf | grep -q` under pipefail: grep -q exits at the first match, printf can then die of
# SIGPIPE, and pipefail turned that into "not listed" (a listed warning failed the step once under load).
declare -A listed=()
for r in "${ignored[@]}"; do listed[$r]=1; done
# parseable: <file>:<line>:<col>:<line>:<col>:<rule>:<message>
out=$(cfn-lint --format parseable -- "${templates[@]}" 2>&1)
status=$?
if [ $status -ne 0 ] && [ -z "$out" ]; then
  echo "cfn-lint: failed without output (exit $status)" >&2
  exit 1
fi
kept=(); skipped=0
while IFS= read -r line; do
  [ -z "$line" ] && continue
  rule=$(cut -d: -f6 <<<"$line")
  if [[ $rule == W* ]] && [[ -n ${listed[$rule]:-} ]]; then
    skipped=$((skipped + 1))
    [ "${CFNLINT_VERBOSE:-}" = 1 ] && echo "cfn-lint (ignored): $line"
  else
    kept+=("$line")
  fi
done <<<"$out"
version=$(cfn-lint --version 2>&1 | awk '{print $NF}')
if [ ${#kept[@]} -gt 0 ]; then
  printf 'cfn-lint: %s\n' "${kept[@]}"
  echo "cfn-lint $version: ${#kept[@]} finding(s) not on tools/cfnlint/ignore.txt in ${#templates[@]} template(s)"
  exit 1
fi
echo "cfn-lint $version: ${#templates[@]} template(s), 0 errors, 0 unlisted warnings ($skipped listed warning(s) ignored: ${ignored[*]})"
