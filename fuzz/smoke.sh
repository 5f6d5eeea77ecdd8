#!/usr/bin/env bash
# CI smoke run of the fuzz targets: builds them, runs each for a fixed
# number of inputs on its seed corpus, and fails on any crash (a panic, a
# broken invariant, a timeout or running out of memory). The long runs are
# described in README.md.
#
#   fuzz/smoke.sh   # every target: FUZZ_SMOKE_RUNS (default 150000) inputs,
#                   # at most FUZZ_SMOKE_SECS (default 60) seconds each
#
# The runs are deterministic: libFuzzer starts from FUZZ_SMOKE_SEED
# (default 1), so CI tries the same inputs every time and a red run is a
# regression, not luck. FUZZ_SMOKE_SEED=0 lets libFuzzer pick a seed
# (exploration: what it finds goes to muc-core/tests/fuzz_regressions.rs
# and corpus/<target>/seed-regression-*).
#
# Needs cargo-fuzz (installed here if missing) and nightly compiler flags,
# which RUSTC_BOOTSTRAP=1 unlocks on the stable toolchain.
set -euo pipefail
cd "$(dirname "$0")"

runs="${FUZZ_SMOKE_RUNS:-150000}"
secs="${FUZZ_SMOKE_SECS:-60}"
seed="${FUZZ_SMOKE_SEED:-1}"
# release (default): a 3-5 minute build, fast runs; dev: a 1.5 minute build,
# runs about 30 times slower.
case "${FUZZ_SMOKE_BUILD:-release}" in
    dev) mode=(--dev) ;;
    *) mode=(--release) ;;
esac
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz smoke: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

start=$(date +%s)
# One build for all targets (they share every dependency). No sanitizer:
# the code under test has no unsafe, and ASan would cost the smoke run
# most of its executions.
cargo fuzz build "${mode[@]}" --sanitizer none
built=$(date +%s)
echo "fuzz smoke: built in $((built - start)) s"

status=0
for target in $(cargo fuzz list); do
    # New inputs go to a scratch directory: the committed seeds stay as
    # they are.
    scratch="$(mktemp -d)"
    log="$scratch/log"
    if cargo fuzz run "${mode[@]}" --sanitizer none "$target" "$scratch" "corpus/$target" -- \
        -seed="$seed" -runs="$runs" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1; then
        done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        cov=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
        echo "fuzz smoke: $target ok (${done_runs:-?} runs, seed $seed; ${cov:-no coverage line})"
    else
        echo "fuzz smoke: $target FAILED; the end of its log:"
        tail -n 60 "$log"
        echo "fuzz smoke: the failing input is in fuzz/artifacts/$target/"
        status=1
    fi
    rm -rf "$scratch"
done
echo "fuzz smoke: done in $(( $(date +%s) - start )) s"
exit "$status"
