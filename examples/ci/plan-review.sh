#!/usr/bin/env bash
# The plan-review steps of examples/ci/plan-review.yml, runnable locally: plan every root (an
# OpenTofu root or a Terragrunt stack) of every environment, export each plan as JSON, and write
# the Markdown review that CI posts on the pull request.
#
# Usage: plan-review.sh OUT_DIR ENV/UNIT=TOFU_ROOT ... | ENV=STACK_DIR ...
#   ENV/UNIT=DIR  an OpenTofu root: tofu init, plan -out, show -json
#   ENV=DIR       a directory with terragrunt.stack.hcl: stack generate, run --all plan with a
#                 run report, then show -json in each generated unit
# Environment: TOFU (default tofu), TERRAGRUNT (default terragrunt), WEIR_PLAN_REVIEW (default
# weir-plan-review), FAIL_ON (a --fail-on list, default empty). Writes OUT_DIR/<env>/<unit>.json
# and OUT_DIR/summary.md; exits with the tool's status (1 when FAIL_ON matched).
set -euo pipefail

if (( $# < 2 )); then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
out=$(mkdir -p "$1" && cd "$1" && pwd)
shift
tofu=${TOFU:-tofu}
terragrunt=${TERRAGRUNT:-terragrunt}
review=${WEIR_PLAN_REVIEW:-weir-plan-review}
export TF_IN_AUTOMATION=1 TF_INPUT=0
args=()

plan_root() { # env unit dir
  local env=$1 unit=$2 dir=$3
  mkdir -p "$out/$env/$(dirname "$unit")"
  echo "plan-review: $env/$unit: tofu plan in $dir" >&2
  "$tofu" -chdir="$dir" init -input=false -no-color > "$out/$env/$unit.init.log"
  "$tofu" -chdir="$dir" plan -input=false -no-color -lock-timeout=60s -out=weir-review.tfplan \
    > "$out/$env/$unit.plan.log"
  "$tofu" -chdir="$dir" show -json weir-review.tfplan > "$out/$env/$unit.json"
  rm -f "$dir/weir-review.tfplan"
  args+=(--plan "$env/$unit=$out/$env/$unit.json")
}

plan_stack() { # env dir
  local env=$1 dir=$2 unit_dir unit
  mkdir -p "$out/$env"
  echo "plan-review: $env: terragrunt stack in $dir" >&2
  (cd "$dir" && "$terragrunt" stack generate --non-interactive) > "$out/$env/generate.log" 2>&1
  # A failed unit still leaves the report; the review shows it (fail with FAIL_ON=run-failure).
  (cd "$dir/.terragrunt-stack" && "$terragrunt" run --all --non-interactive \
     --report-file "$out/$env/report.json" -- plan -input=false -no-color -out=weir-review.tfplan) \
    > "$out/$env/plan.log" 2>&1 || echo "plan-review: $env: some units failed to plan" >&2
  args+=(--report "$env=$out/$env/report.json")
  while IFS= read -r unit_dir; do
    unit=${unit_dir#"$dir/.terragrunt-stack/"}
    unit=${unit//.terragrunt-stack\//}
    [[ -n $unit && $unit != "$unit_dir" ]] || continue
    mkdir -p "$out/$env/$(dirname "$unit")"
    if (cd "$unit_dir" && "$terragrunt" run --non-interactive -- show -json weir-review.tfplan) \
         > "$out/$env/$unit.json" 2> "$out/$env/$unit.show.log"; then
      args+=(--plan "$env/$unit=$out/$env/$unit.json")
    else
      rm -f "$out/$env/$unit.json"
    fi
  done < <(find "$dir/.terragrunt-stack" -name terragrunt.hcl -not -path '*/.terragrunt-cache/*' \
             -printf '%h\n' | LC_ALL=C sort)
}

for root in "$@"; do
  label=${root%%=*}
  dir=${root#*=}
  [[ $label != "$root" && -d $dir ]] || { echo "plan-review: want ENV/UNIT=DIR or ENV=DIR, got $root" >&2; exit 2; }
  if [[ $label == */* ]]; then
    plan_root "${label%%/*}" "${label#*/}" "$dir"
  elif [[ -f $dir/terragrunt.stack.hcl ]]; then
    plan_stack "$label" "$dir"
  else
    echo "plan-review: $dir has no terragrunt.stack.hcl; label a tofu root as ENV/UNIT=DIR" >&2
    exit 2
  fi
done

set +e
"$review" "${args[@]}" ${FAIL_ON:+--fail-on "$FAIL_ON"} --output "$out/summary.md"
code=$?
set -e
echo "plan-review: summary in $out/summary.md (exit $code)" >&2
exit $code
