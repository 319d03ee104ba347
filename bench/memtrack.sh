#!/bin/bash
# bench/memtrack.sh - cost of pmpipe-memtrack per malloc+free pair.
#
# Runs the test workload's timed loop (build/bpf/workload -b PAIRS: PAIRS
# malloc(64)+free pairs, timed inside the process) untraced, under
# pmpipe-memtrack in each mode, and under heaptrack and valgrind's massif
# when they are installed.  Prints ns per pair, the median of RUNS runs.
#
#   bench/memtrack.sh [PAIRS [RUNS]]      (as root, after make)

top=$(cd "$(dirname "$0")/.." && pwd)
tool=$top/pmpipe-memtrack
wl=$top/build/bpf/workload
pairs=${1:-1000000}
runs=${2:-3}
tmp=$(mktemp -d /tmp/memtrack-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[ -x "$tool" ] && [ -x "$wl" ] || {
    echo "build first: make pmpipe-memtrack build/bpf/workload" >&2
    exit 1
}

# one run: the command's stderr carries the workload's "pairs=N ns=T"
once()
{
    "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
    sed -n 's/^pairs=\([0-9]*\) ns=\([0-9]*\).*$/\1 \2/p' "$tmp/err" |
	awk '{ printf "%.1f\n", $2 / $1 }'
}

median()
{
    sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}

base=""
row()
{
    local name=$1 ns
    shift
    ns=$(for i in $(seq "$runs"); do once "$@"; done | median)
    if [ "$ns" = - ]; then
	printf "%-44s %12s\n" "$name" "failed"
	return
    fi
    [ -z "$base" ] && base=$ns
    printf "%-44s %12s %12s\n" "$name" "$ns" \
	"$(awk -v a="$ns" -v b="$base" 'BEGIN { printf "%.1f", a - b }')"
}

echo "malloc(64)+free pairs: $pairs per run, median of $runs runs; $(nproc) CPUs, $(uname -r)"
printf "%-44s %12s %12s\n" "configuration" "ns/pair" "added ns"
row "untraced" "$wl" -b "$pairs" 0 0
if [ "$(id -u)" = 0 ]; then
    row "memtrack -m empty (probes, empty programs)" "$tool" -m empty -- "$wl" -b "$pairs" 0 0
    row "  same, all probes at function entry" env PMPIPE_MEMTRACK_PLACE=entry \
	"$tool" -m empty -- "$wl" -b "$pairs" 0 0
    row "memtrack -m summary" "$tool" -m summary -- "$wl" -b "$pairs" 0 0
    row "memtrack -m events (output to a file)" "$tool" -m events -- "$wl" -b "$pairs" 0 0
    row "memtrack -m leaks" "$tool" -m leaks -- "$wl" -b "$pairs" 0 0
    row "memtrack -m summary, classic uprobes" env PMPIPE_MEMTRACK_UPROBES=classic \
	"$tool" -m summary -- "$wl" -b "$pairs" 0 0
else
    echo "(not root: pmpipe-memtrack rows skipped)"
fi
if command -v heaptrack > /dev/null; then
    row "heaptrack" heaptrack -o "$tmp/heaptrack" "$wl" -b "$pairs" 0 0
else
    echo "(heaptrack not installed)"
fi
if command -v valgrind > /dev/null; then
    row "valgrind --tool=massif" valgrind --tool=massif \
	--massif-out-file="$tmp/massif.out" "$wl" -b "$pairs" 0 0
else
    echo "(valgrind not installed)"
fi
