#!/bin/bash
#
# bench/fanout.sh - one pmpipe across 1, 10 and 50 hosts, beside the naive
# alternative: the same hosts one after another, one single-host pmpipe
# each.  Run as root after "make".
#
#	bench/fanout.sh [-q] [-l LINES] [HOSTS ...]
#
# The hosts are simulated on this machine (scripts/hosts.sh): a pmcd of
# its own each, on localhost:PORT, with this tree's pmdapipe and a
# pipe.conf whose "burst" instance prints LINES lines (seq; 100,000, -q:
# 10,000) with overflow = block, so every line arrives.  pmpipe fetches
# every 0.1 s.  For each count of hosts (default 1 10 50):
#
#   fan-out      pmpipe -c -h host1 -h host2 ... burst LINES
#   printed      the same without -c: every line written as "host: line"
#                (to a file, whose lines are counted)
#   sequential   for each host in turn: pmpipe -c -h host burst LINES
#
# and prints the lines delivered (all of them, or the row says so), the
# wall time, lines/s over that time, the time from the start to each
# host's first line (median and the last host's; from -c), and pmpipe's
# CPU seconds.  Every pmcd, agent and command is stopped at the end and the
# script checks that nothing of them is left.  It holds the QA lock: a qa
# test's ./Install stops every process named pmdapipe.
#
set -u
case $- in *u*) set +u; . /etc/pcp.env; set -u ;; *) . /etc/pcp.env ;; esac
here=$(cd "$(dirname "$0")/.." && pwd)
pmpipe=$here/pmpipe
lines=100000
counts="1 10 50"
while getopts ql: c
do
    case $c in
	q) lines=10000 ;;
	l) lines=$OPTARG ;;
	*) echo "Usage: $0 [-q] [-l LINES] [HOSTS ...]" >&2; exit 1 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] && counts="$*"

[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
[ -x "$pmpipe" ] && [ -x "$here/pmdapipe" ] || { echo "$0: build first (make)" >&2; exit 1; }
. "$here/scripts/hosts.sh"

lock=/run/lock/pmdapipe-qa.lock
[ -d /run/lock ] && [ -w /run/lock ] || lock=/tmp/pmdapipe-qa.lock
exec 9>$lock
if ! flock -n 9; then
    echo "$0: waiting for a QA run or benchmark to finish ..." >&2
    flock -w 3600 9 || { echo "$0: gave up waiting for the lock" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/pipe-fanout.XXXXXX)
left=0
finish()
{
    hosts_cleanup || left=1
    rm -rf "$work"
}
trap 'finish; [ $left = 0 ] || echo "$0: processes were left behind (see above)" >&2' EXIT
trap 'exit 1' INT TERM

now()
{
    date +%s.%N
}

# the -c summary lines (host: records N lines N ... start S) -> per host
# "lines first_since_start"
summary()
{
    awk '{ for (i = 1; i < NF; i++) v[$i] = $(i + 1)
	   print v["lines"], v["missed"], v["start"] + v["first"] }'
}

# median and maximum of the numbers on stdin
stats()
{
    sort -g | awk '{ a[NR] = $1 } END {
	if (NR == 0) { print "- -"; exit }
	m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
	printf "%.3f %.3f\n", m, a[NR] }'
}

row()
{
    printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n" "$@"
}

# timed TAG CMD...: CMD's stdout and stderr in $work/TAG.out, .err; sets
# wall (seconds) and cpu (its user+system seconds); shows its stderr
timed()
{
    local tag=$1 t0 t1
    shift
    TIMEFORMAT='%U %S'
    t0=$(now)
    { time "$@" >$work/$tag.out 2>$work/$tag.err; } 2>$work/$tag.time
    t1=$(now)
    wall=$(echo "$t1 - $t0" | bc)
    cpu=$(awk '{ printf "%.2f", $1 + $2 }' $work/$tag.time)
    [ -s $work/$tag.err ] && sed -e "s/^/    $tag stderr: /" $work/$tag.err | head -5 >&2
}

# result MODE FIRST LAST: the row of $n hosts, $got lines of $want
# ($missed reported missed) in $wall seconds and $cpu cpu-seconds
result()
{
    local note=""
    [ "$got" = "$want" ] || note=" (of $want, $missed missed)"
    row $n "$1" "$got$note" "$(printf %.2f $wall)" "$(echo "$got / $wall" | bc)" \
	"$2" "$3" "$cpu"
}

echo "pmpipe fan-out: $lines lines per host (seq, overflow = block), fetches every 0.1 s ($(nproc) cores)"
echo
row hosts mode "lines delivered" "wall s" "lines/s" "first line, median s" \
    "first line, last host s" "pmpipe cpu-s"
row --- --- ---: ---: ---: ---: ---: ---:
for n in $counts; do
    hosts_init "$work/hosts$n" "$here/pmdapipe" || exit 1
    for i in $(seq 1 $n); do
	hosts_add h$i "\
burst	nobody	seq 1 \$1

[options burst]
overflow = block
" || exit 1
    done
    hosts_start || exit 1
    args=()
    for h in $(hosts_names); do
	args+=(-h "$(hosts_spec $h)")
    done
    want=$((n * lines))

    # fan-out: one pmpipe
    timed fan "$pmpipe" -c -q -t 0.1 "${args[@]}" burst $lines
    got=$(summary <$work/fan.out | awk '{ s += $1 } END { print s + 0 }')
    missed=$(summary <$work/fan.out | awk '{ s += $2 } END { print s + 0 }')
    read -r first last < <(summary <$work/fan.out | awk '{ print $3 }' | stats)
    result "fan-out (one pmpipe)" "$first" "$last"

    # fan-out, every line printed with its host
    timed printed "$pmpipe" -t 0.1 "${args[@]}" burst $lines
    got=$(wc -l <$work/printed.out | tr -d ' ')
    missed=$(sed -n -e 's/.*: \([0-9]*\) record(s) missed.*/\1/p' $work/printed.err | \
	awk '{ s += $1 } END { print s + 0 }')
    rm -f $work/printed.out
    result "fan-out, printed as host: line" "" ""

    # sequential: one pmpipe per host, one after another
    : >$work/seq.first
    got=0 missed=0 ucpu=0
    t0=$(now)
    for h in $(hosts_names); do
	ts=$(now)
	timed seq "$pmpipe" -c -t 0.1 -h "$(hosts_spec $h)" burst $lines
	read -r l m f < <(summary <$work/seq.out)
	got=$((got + ${l:-0}))
	missed=$((missed + ${m:-0}))
	echo "$ts - $t0 + ${f:-0}" | bc >>$work/seq.first
	ucpu=$(echo "$ucpu + $cpu" | bc)
    done
    t1=$(now)
    wall=$(echo "$t1 - $t0" | bc)
    cpu=$(printf %.2f $ucpu)
    read -r first last < <(stats <$work/seq.first)
    result "sequential (pmpipe per host)" "$first" "$last"

    if ! hosts_cleanup; then
	left=1
	echo "$0: $n hosts: processes were left behind" >&2
    fi
done
echo
[ $left = 0 ] && echo "every pmcd, agent and command stopped: nothing left behind"
