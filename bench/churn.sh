#!/bin/bash
#
# bench/churn.sh - fetch latency while commands start and stop: the stock
# pipe PMDA and pmdapipe side by side, in the same pmcd, with the same
# pipe.conf.  Run as root with the pmdapipe package installed
# (scripts/setup.sh).
#
#	bench/churn.sh [-q] [-n CHURNERS] [-t SECS]
#
# For each PMDA, build/churn (bench/churn.c) measures pmFetch latency of
# one client that fetches pipe.firehose every 10 ms while its own command
# runs, for SECS seconds (20; -q: 5):
#
#   idle    that client alone
#   churn   that client while CHURNERS (100) other clients each loop:
#           connect, start a command, fetch until its first record,
#           disconnect (so the PMDA stops it)
#
# Both commands are vmstat 1 (it prints at once and runs until stopped),
# through a symlink in a temporary directory so that what is left behind
# can be counted.  Everything started is stopped; ours is put back.
#
set -u
. "$(dirname "$0")/common.sh"
churn=$here/build/churn
secs=20
nchurn=100
while getopts qn:t: c
do
    case $c in
	q) secs=5 ;;
	n) nchurn=$OPTARG ;;
	t) secs=$OPTARG ;;
	*) echo "Usage: $0 [-q] [-n CHURNERS] [-t SECS]" >&2; exit 1 ;;
    esac
done

make -s -C "$here" build/churn || exit 1
bench_lock
bench_save

bench_tmpdir churn

# the stock agent stops parsing at the first section it does not know:
# command lines only, for both
cat > $tmp/pipe.conf <<EOF
measure	nobody	$tmp/cmd 1
churn	nobody	$tmp/cmd 1
EOF

# command processes (and any sh -c around them) still running
leftover_re="$tmp/cmd"

row()
{
    printf "%-5s %-5s %7s %6s %7s %7s %7s %8s %8s %8s %11s %6s %5s\n" "$@"
}

results=$tmp/results
notes=$tmp/notes
: > $results
: > $notes

note()
{
    echo "$which $name: $*" >> $notes
}

# phase NAME CHURNERS: one run of build/churn, one row in $results
phase()
{
    local name=$1 n=$2 out=$tmp/$which.$1 pid c0=0 cpu=- sts left rate=- fails
    local -A v=()
    pid=$(pmda_pid)
    [ -n "$pid" ] && c0=$(pmda_cpu)
    # build/churn bounds itself; timeout is the last resort
    timeout -k 5 $((secs + 60)) "$churn" -n $n -t $secs measure churn \
	>$out 2>$out.err 9>&-
    sts=$?
    if [ -n "$pid" ] && [ "$(pmda_pid)" = "$pid" ]; then
	cpu=$(echo "$(pmda_cpu) - $c0" | bc)
    else
	note "the PMDA (pid ${pid:-none}) is gone; now: $(pmda_pid)"
    fi
    # the PMDA stops the commands when their clients leave
    wait_for '[ $(leftover) -eq 0 ]' 15
    left=$(leftover)
    [ $left -gt 0 ] && note "$left command processes still running 15 s after their" \
	"clients left ($(pgrep -P 1 -f "$tmp/cmd" | wc -l) of them orphans); killed"
    stop_leftovers
    [ $sts -eq 124 ] || [ $sts -eq 137 ] &&
	note "build/churn hung: killed after $((secs + 60)) s"
    churn_results v $out
    if [ $sts -ne 0 ] || [ -z "${v[store_max]:-}" ]; then
	note "build/churn failed (exit status $sts)"
	echo "$which|$name|-|-|-|-|-|-|-|-|-|$cpu|$left" >> $results
	return
    fi
    fails=$((v[timeouts] + v[storefail] + v[fetchfail] + v[stuck]))
    [ $n -gt 0 ] && rate=$(echo "scale=1; ${v[cycles]} / ${v[secs]}" | bc)
    [ ${v[errors]} -gt 0 ] && note "${v[errors]} fetch errors of the measuring client"
    [ ${v[records]} -eq 0 ] && note "the measuring client got no records"
    [ $fails -gt 0 ] && note "failures: ${v[timeouts]} no first record in 2 s," \
	"${v[storefail]} stores, ${v[fetchfail]} fetches failed, ${v[stuck]} churners killed"
    local st=-
    [ $n -gt 0 ] && st=$(printf "%.1f/%.1f" ${v[store_p50]} ${v[store_p99]})
    echo "$which|$name|${v[fetches]}|${v[errors]}|${v[p50]}|${v[p99]}|${v[max]}" \
	"|$rate|$fails|$((v[retries] + v[connretry]))|$st|$cpu|$left" | tr -d ' ' >> $results
}

for which in stock ours; do
    install_$which $tmp/pipe.conf
    phase idle 0
    phase churn $nchurn
done

echo
echo "fetch latency while $nchurn commands start and stop" \
    "($(nproc) cores, $secs s per phase)"
row pmda phase fetches errors "p50 ms" "p99 ms" "max ms" "cycles/s" failures \
    retries "store ms" "cpu-s" left
IFS='|'
while read -r p ph f e p50 p99 mx r fl rt st c l; do
    row "$p" "$ph" "$f" "$e" "$p50" "$p99" "$mx" "$r" "$fl" "$rt" "$st" "$c" "$l"
done < $results
unset IFS
if [ -s $notes ]; then
    echo
    cat $notes
fi
echo
echo "fetches: pmFetch calls of the measuring client (one every 10 ms); p50/p99/max:"
echo "their wall time.  cycles/s: connect, store, first record, disconnect, all"
echo "churners together.  failures: no first record within 2 s, failed stores or"
echo "fetches, churners that had to be killed.  retries: refused connections,"
echo "retried (connect() gets EAGAIN when pmcd's listen backlog of 5 is full;"
echo "libpcp reports that as \"No such file or directory\").  store ms: p50/p99"
echo "of the churners' pmStore (the PMDA starting a command).  cpu-s: the PMDA's"
echo "CPU time in the phase.  left: command processes still running 15 s after"
echo "the phase (then killed)."
