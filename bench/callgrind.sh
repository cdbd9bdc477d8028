#!/usr/bin/env bash
# Instruction counts (valgrind --tool=callgrind): repeatable whatever else the
# machine is doing, unlike wall time. One thread, 100,000 generated rows,
# outputs to /dev/null without fsync, so only leadroute's own work is counted.
#
#   bench/callgrind.sh [BINARY] [RULES...]      # prints one markdown row per rules file
#
# Needs valgrind and a release build (cargo build --release --examples).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/leadroute}
shift || true
rules=("$@")
[ ${#rules[@]} -gt 0 ] || rules=("$root/rules.example.toml")
data=$root/bench/data
mkdir -p "$data"
[ -f "$data/callgrind_100k.csv" ] || "$root/target/release/examples/gen_leads" --rows 100000 --seed 3 > "$data/callgrind_100k.csv"
echo "| binary | rules | command | instructions |"
echo "|---|---|---|---:|"
for r in "${rules[@]}"; do
  for cmd in score assign; do
    n=$(RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$cmd" -r "$r" \
        --as-of 2026-11-01 -q --no-sync -o /dev/null "$data/callgrind_100k.csv" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
    printf '| %s | %s | %s | %s |\n' "$(basename "$bin")" "$(basename "$r")" "$cmd" "$(printf "%'d" "$n")"
  done
done
