#!/bin/bash
#
# bench/fairness.sh - another client's fetch latency and a new
# connection's, while many clients' commands flood their output: the stock
# pipe PMDA and pmdapipe side by side, in the same pmcd, with the same
# pipe.conf.  Run as root after "make install".
#
#	bench/fairness.sh [-q] [-n FLOODERS] [-t SECS] [-P stock|ours|both]
#
# For each PMDA, build/churn (bench/churn.c) measures, for SECS seconds
# (20; -q: 5) per phase:
#
#   fetch   pmFetch latency of one client fetching pipe.firehose every
#           10 ms while its own command (vmstat 1) runs
#   conn    a new connection every 0.2 s: connect to pmcd, look up
#           pipe.numclients, fetch it from the PMDA, disconnect
#
# in two phases:
#
#   idle    those two alone
#   flood   while FLOODERS (200) other contexts each run a flood of
#           2-byte lines ("y", as yes(1) writes; bench/flood.c, which
#           retries where the stock agent's non-blocking pipe would kill
#           yes) that nobody fetches: overflow = drop, queues full
#
# Targets (issue 12): with 200 flooding contexts, fetch p99 <= 10 ms and
# a new connection (connect + first fetch) <= 50 ms.
#
set -u
. "$(dirname "$0")/common.sh"
churn=$here/build/churn
secs=20
nflood=200
which=both
while getopts qn:t:P: c
do
    case $c in
	q) secs=5 ;;
	n) nflood=$OPTARG ;;
	t) secs=$OPTARG ;;
	P) which=$OPTARG ;;
	*) echo "Usage: $0 [-q] [-n FLOODERS] [-t SECS] [-P stock|ours|both]" >&2; exit 1 ;;
    esac
done
bench_pmdas $which

make -s -C "$here" build/churn build/flood || exit 1
bench_lock
bench_save

bench_tmpdir fair
install -m 755 $here/build/flood $tmp/flood

# the same commands for both; ours also gets the flooders' queues at 256K
# each, so that 200 of them (50 MiB) fit its default memory budget (-M
# 256M; with 2M queues the budget refuses the later stores, the measuring
# client's included: qa/142's subject, not this one's).  The stock agent
# refuses a configuration with sections it does not know.
cat > $tmp/pipe.conf <<EOF2
measure	nobody	$tmp/cmd 1
flood	nobody	$tmp/flood 3600 /dev/null y
EOF2
cp $tmp/pipe.conf $tmp/pipe-ours.conf
cat >> $tmp/pipe-ours.conf <<EOF2

[options flood]
queue = 256K
EOF2

leftover_re="^$tmp/(cmd|flood)"

results=$tmp/results
notes=$tmp/notes
: > $results
: > $notes

note()
{
    echo "$pmda $name: $*" >> $notes
}

# phase NAME FLOODERS: one run of build/churn, one row in $results
phase()
{
    local name=$1 n=$2 out=$tmp/$pmda.$1 pid c0=0 cpu=- sts args=""
    local -A v=()
    pid=$(pmda_pid)
    [ -n "$pid" ] && c0=$(pmda_cpu)
    [ $n -gt 0 ] && args="-f $n -F flood"
    timeout -k 5 $((secs + 120)) "$churn" -c $args -t $secs measure \
	>$out 2>$out.err 9>&-
    sts=$?
    if [ -n "$pid" ] && [ "$(pmda_pid)" = "$pid" ]; then
	cpu=$(echo "$(pmda_cpu) - $c0" | bc)
    else
	note "the PMDA (pid ${pid:-none}) is gone; now: $(pmda_pid)"
    fi
    wait_for '[ $(leftover) -eq 0 ]' 15
    [ $(leftover) -gt 0 ] && note "$(leftover) commands still running 15 s after" \
	"their clients left; killed"
    stop_leftovers
    churn_results v $out
    if [ $sts -ne 0 ] || [ -z "${v[conn_max]:-}" ]; then
	note "build/churn failed (exit status $sts)"
	echo "$pmda|$name|-|-|-|-|-|-|-|-|-|$cpu" >> $results
	return
    fi
    [ ${v[errors]} -gt 0 ] && note "${v[errors]} fetch errors"
    [ ${v[probefail]} -gt 0 ] && note "${v[probefail]} connections failed"
    [ ${v[floodfail]} -gt 0 ] && note "${v[floodfail]} floods did not start"
    echo "$pmda|$name|${v[floods]}|${v[fetches]}|${v[p50]}|${v[p99]}|${v[max]}" \
	"|${v[probes]}|${v[conn_p50]}|${v[conn_p99]}|${v[conn_max]}|$cpu" | tr -d ' ' >> $results
}

for pmda in $pmdas; do
    if [ $pmda = ours ]; then install_ours $tmp/pipe-ours.conf; else install_stock $tmp/pipe.conf; fi
    phase idle 0
    phase flood $nflood
done

row()
{
    printf "%-5s %-5s %6s %7s %8s %8s %8s %6s %9s %9s %9s %6s\n" "$@"
}

echo
echo "fetch and connection latency with $nflood flooding contexts" \
    "($(nproc) cores, $secs s per phase, load before: $(cut -d' ' -f1-3 /proc/loadavg))"
row pmda phase floods fetches "p50 ms" "p99 ms" "max ms" conns "conn p50" \
    "conn p99" "conn max" "cpu-s"
IFS='|'
while read -r p ph fl f p50 p99 mx nc c50 c99 cmx cpu; do
    row "$p" "$ph" "$fl" "$f" "$p50" "$p99" "$mx" "$nc" "$c50" "$c99" "$cmx" "$cpu"
done < $results
unset IFS
if [ -s $notes ]; then
    echo
    cat $notes
fi
echo
echo "targets with $nflood flooding contexts: fetch p99 <= 10 ms, connection <= 50 ms"
IFS='|'
while read -r p ph fl f p50 p99 mx nc c50 c99 cmx cpu; do
    [ "$ph" = flood ] || continue
    ok=FAIL
    [ "$p99" != - ] && [ "$(echo "$p99 <= 10" | bc)" = 1 ] && ok=PASS
    echo "  $p: fetch p99 $p99 ms: $ok"
    ok=FAIL
    [ "$c99" != - ] && [ "$(echo "$c99 <= 50" | bc)" = 1 ] && ok=PASS
    echo "  $p: connection p99 $c99 ms (max $cmx): $ok"
done < $results
unset IFS
