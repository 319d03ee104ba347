#!/bin/bash
# bench/memtrack.sh - cost of pmpipe-memtrack per malloc+free pair.
#
# Runs the test workload's timed loop (build/bpf/workload -b PAIRS: PAIRS
# malloc(64)+free pairs, timed inside the process) untraced, under
# pmpipe-memtrack in each mode, and under heaptrack and valgrind's massif
# when they are installed.  Prints ns per pair (the median of RUNS runs)
# and the ratio to the floor: probes with empty programs on the exact
# (3-probe) path.  The configurations take turns within each run, so a
# change in the machine's load hits all of them alike; the load and the
# CPU time stolen by the hypervisor during the runs are printed too.
# "cpu vs" is the same ratio by the workload's CPU time, steadier than wall
# time when other work shares the machine.  Ends by checking the targets
# of issue 16 (by wall time, the CPU ratio beside it).  -p then shows what each BPF
# program costs per run and per pair in each mode (kernel.bpf_stats_enabled
# turned on for that part only; the floor's empty programs show what
# dispatching a program and the accounting itself cost).
#
#   bench/memtrack.sh [-p] [PAIRS [RUNS]]      (as root, after make)
#
# Holds the QA lock (qa/README.md), like the other benchmarks: their
# load would distort the numbers.

top=$(cd "$(dirname "$0")/.." && pwd)
lock=/run/lock/pmdapipe-qa.lock
[ -d /run/lock ] && [ -w /run/lock ] || lock=/tmp/pmdapipe-qa.lock
[ -n "$PIPEQA_LOCKED" ] || PIPEQA_LOCKED=1 exec flock -o "$lock" "$0" "$@"

tool=$top/pmpipe-memtrack
wl=$top/build/bpf/workload
profile=false
[ "$1" = -p ] && { profile=true; shift; }
pairs=${1:-1000000}
runs=${2:-5}
tmp=$(mktemp -d /tmp/memtrack-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[ -x "$tool" ] && [ -x "$wl" ] || {
    echo "build first: make pmpipe-memtrack build/bpf/workload" >&2
    exit 1
}

# rows: "key|label|command"; the workload's arguments are appended
rows=("untraced|untraced|")
if [ "$(id -u)" = 0 ]; then
    rows+=(
"floor|probes, empty programs, 3 per pair (floor; -m empty -x)|$tool -m empty -x --"
"entry|  same, every probe at its entry (free single-stepped)|env PMPIPE_MEMTRACK_PLACE=entry $tool -m empty -x --"
"floor2|probes, empty programs, 2 per pair (usable; -m empty)|$tool -m empty --"
"summary|summary (usable sizes: 2 probes per pair)|$tool -m summary --"
"summaryx|summary -x (requested sizes: 3 probes)|$tool -m summary -x --"
"events|events (output to a file)|$tool -m events --"
"leaks|leaks (usable sizes)|$tool -m leaks --"
"leaksx|leaks -x (requested sizes)|$tool -m leaks -x --"
"classic|summary, classic uprobes|env PMPIPE_MEMTRACK_UPROBES=classic $tool -m summary --"
    )
else
    echo "(not root: pmpipe-memtrack rows skipped)"
fi
if command -v heaptrack > /dev/null; then
    rows+=("heaptrack|heaptrack (LD_PRELOAD)|heaptrack -o $tmp/heaptrack")
else
    echo "(heaptrack not installed)"
fi
if command -v valgrind > /dev/null; then
    rows+=("massif|valgrind --tool=massif|valgrind --tool=massif --massif-out-file=$tmp/massif.out")
else
    echo "(valgrind not installed)"
fi

# one run: the workload's stderr line "pairs=N ns=T cpu=C" -> "ns cpu" per pair
once()
{
    $1 "$wl" -b "$pairs" 0 0 > "$tmp/out" 2> "$tmp/err" < /dev/null
    sed -n 's/^pairs=\([0-9]*\) ns=\([0-9]*\) cpu=\([0-9]*\)$/\1 \2 \3/p' "$tmp/err" |
	awk '{ printf "%.1f %.1f\n", $2 / $1, $3 / $1 }'
}

median()
{
    sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}

stat0=$(head -1 /proc/stat)
load0=$(cut -d' ' -f1 /proc/loadavg)
for r in $(seq "$runs"); do
    for row in "${rows[@]}"; do
	key=${row%%|*}
	cmd=${row##*|}
	once "$cmd" >> "$tmp/$key.runs"
    done
done
stat1=$(head -1 /proc/stat)
steal=$(echo "$stat0 $stat1" | awk '{
    for (i = 2; i <= 11; i++) { a += $i; b += $(i + 11) }
    printf "%.1f", 100 * ($(20) - $(9)) / (b - a) }')

echo "malloc(64)+free pairs: $pairs per run, median of $runs runs (configurations in turn);" \
     "$(nproc) CPUs, $(uname -r); load $load0 -> $(cut -d' ' -f1 /proc/loadavg), ${steal}% stolen"
printf "%-56s %10s %10s %9s %9s\n" "configuration" "ns/pair" "cpu ns" "vs floor" "cpu vs"
declare -A ns cpu
ratio()
{
    [ -n "$2" ] && [ "$2" != - ] && [ "$1" != - ] &&
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
for row in "${rows[@]}"; do
    key=${row%%|*}
    label=${row#*|}
    label=${label%%|*}
    ns[$key]=$(cut -d' ' -f1 "$tmp/$key.runs" 2>/dev/null | median)
    cpu[$key]=$(cut -d' ' -f2 "$tmp/$key.runs" 2>/dev/null | median)
    printf "%-56s %10s %10s %9s %9s\n" "$label" "${ns[$key]}" "${cpu[$key]}" \
	"$(ratio "${ns[$key]}" "${ns[floor]}")" "$(ratio "${cpu[$key]}" "${cpu[floor]}")"
done

[ -n "${ns[floor]}" ] || exit 0
echo
echo "targets (issue 16), against the floor of this run (wall time; CPU time beside it):"
target()
{
    local key=$1 max=$2 what=$3 r c
    r=$(ratio "${ns[$key]}" "${ns[floor]}")
    c=$(ratio "${cpu[$key]}" "${cpu[floor]}")
    if awk -v r="$r" -v m="$max" 'BEGIN { exit !(r <= m) }'; then
	echo "  PASS $what: ${r}x <= ${max}x (cpu ${c}x)"
    else
	echo "  FAIL $what: ${r}x > ${max}x (cpu ${c}x)"
    fi
}
target summaryx 1.10 "summary (requested sizes, 3 probes)"
target events 1.30 "events"
target leaksx 1.45 "leaks (requested sizes, 3 probes)"
target leaks 1.45 "leaks (usable sizes)"
target summary 0.75 "summary on the 2-probe path"

$profile || exit 0
# ---- what each program costs (the kernel's own accounting) ----
stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1 || exit 0
echo
echo "BPF programs, kernel.bpf_stats_enabled (its clock reads are in ns/run): $pairs pairs"
printf "%-14s %-15s %10s %9s %9s\n" "mode" "program" "runs/pair" "ns/run" "ns/pair"
for m in "empty -x" "empty" "summary -x" "summary" "events" "leaks -x" "leaks"; do
    $tool -v -m $m -- "$wl" -b "$pairs" 0 0 2>&1 >/dev/null |
	awk -v m="$m" -v p="$pairs" '$2 ~ /^mt_(entry|entry_malloc|entry_free|return|site|free)$/ && $3 >= p / 2 {
	    printf "%-14s %-15s %10.2f %9.1f %9.1f\n", m, $2, $3 / p, $5, $3 / p * $5
	    sum += $3 / p * $5 }
	END { printf "%-14s %-15s %10s %9s %9.1f\n", m, "all", "", "", sum }'
done
sysctl -qw kernel.bpf_stats_enabled="$stats"
