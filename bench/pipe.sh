#!/bin/bash
#
# bench/pipe.sh - delivery, loss and cost of the stock pipe PMDA and of
# pmdapipe, side by side, in the same pmcd.  Run as root with the pmdapipe
# package installed (scripts/setup.sh; make qa leaves this tree's build
# in it).  It installs each PMDA in turn into pmcd (the stock one from
# $PCP_PMDASADM_DIR/pipe.stock) with the same pipe.conf, runs identical
# workloads through pmpipe -c (a client that keeps up: it walks packed
# event arrays, so the client is not the bottleneck), and puts ours back.
#
#	bench/pipe.sh [-q]	(-q: shorter runs)
#
set -u
. "$(dirname "$0")/common.sh"
pmpipe=$here/pmpipe
flood_bin=$here/build/flood
count=/tmp/pmdapipe-bench.count
flood=10
lines=1000000
[ "${1:-}" = -q ] && { flood=3; lines=200000; }

[ -x "$pmpipe" ] || { echo "$0: build pmpipe first (make)" >&2; exit 1; }
make -s -C "$here" build/flood || exit 1
bench_lock
bench_save

conf()
{
    cat <<EOC
seq		root	seq 1 \$1
seqblock	root	seq 1 \$1
flood		root	$flood_bin $flood $count
floodblock	root	$flood_bin $flood $count
yes		root	timeout $flood yes abcdefghijklmnopqrstuvwxyz0123456789
echo		root	echo \$1
EOC
    # the stock agent stops parsing at the first section it does not know
    [ "$1" = ours ] && printf '%s\n' '[options seqblock]' 'overflow = block' \
	'[options floodblock]' 'overflow = block' 'queue = 32M'
}

# run PRODUCED ARGS...: prints "produced delivered missed seconds cpu"
# (PRODUCED "-": the flood's own count, "?": unknown; seconds: to the fetch that
# returned the last records)
run()
{
    local c0 c1 out produced=$1 i
    shift
    rm -f $count
    c0=$(pmda_cpu)
    out=$("$pmpipe" -c "$@" 2>/dev/null)
    c1=$(pmda_cpu)
    if [ "$produced" = - ]; then
	for i in $(seq 50); do [ -s $count ] && break; sleep 0.1; done
	produced=$(cat $count 2>/dev/null || echo 0)
    fi
    set -- $out
    # records N lines N stderr N bytes N missed N exit N seconds N first N last N
    echo "$produced ${4:-0} ${10:-0} ${18:-0} $(echo "$c1 - $c0" | bc)"
}

row()
{
    printf "%-36s %-5s %10s %10s %10s %10s %7s %9s %6s %7s\n" "$@"
}

results=$(mktemp)
# measure WORKLOAD PRODUCED ARGS...
measure()
{
    local w=$1
    shift
    echo "$w|$which|$(run "$@" | tr ' ' '|')" >> $results
}
for which in stock ours; do
    conf $which > $bench_saved/bench.conf
    install_$which $bench_saved/bench.conf
    measure "seq $lines (drop), every 0.1 s" $lines -t 0.1 -T 60 seq $lines
    measure "seq $lines (drop), every 1 s" $lines -t 1 -T 60 seq $lines
    measure "${flood} s flood (drop), every 0.1 s" - -t 0.1 -T $((flood + 3)) flood
    measure "${flood} s flood (drop), every 1 s" - -t 1 -T $((flood + 3)) flood
    measure "${flood} s yes (drop), every 0.1 s" '?' -t 0.1 -T $((flood + 3)) yes
    if [ $which = ours ]; then
	measure "seq $lines (block), every 0.1 s" $lines -t 0.1 -T 120 seqblock $lines
	measure "seq $lines (block), every 1 s" $lines -t 1 -T 120 seqblock $lines
	measure "${flood} s flood (block), every 0.1 s" - -t 0.1 -T $((flood + 30)) floodblock
	measure "${flood} s flood (block), every 1 s" - -t 1 -T $((flood + 60)) floodblock
    fi
    # store to first record: a one-line command, fetched every 10 ms
    first=$("$pmpipe" -c -t 0.01 -T 2 echo x 2>/dev/null | sed -e 's/.* first \([0-9.]*\).*/\1/')
    echo "store to first record, s (echo)|$which|1|1|0|$first|-" >> $results
done

echo
echo "pmdapipe vs stock pipe PMDA ($(nproc) cores)"
row "workload" "pmda" "produced" "delivered" "reported" "silent" \
    "seconds" "lines/s" "cpu-s" "cpu-s/M"
targets=$(mktemp)
IFS='|'
while read -r w p n d m s c; do
    if [ "$n" = '?' ]; then
	lost='?'	# yes: nobody counts what it wrote
    else
	lost=$((n - d - m))
    fi
    case $w in
    store*) lps=- ;;
    *) lps=$(echo "$d / ($s + 0.000001)" | bc) ;;
    esac
    if [ "$c" = - ] || [ "$n" = '?' ]; then
	cpm=-
    else
	cpm=$(echo "scale=3; $c * 1000000 / ($n + 1)" | bc)
    fi
    row "$w" "$p" "$n" "$d" "$m" "$lost" "$s" "$lps" "$c" "$cpm"
    echo "$w|$p|$n|$d|$m|$lost|$lps|$cpm" >> $targets
done < $results
unset IFS
rm -f $results
echo
echo "produced: lines the command wrote; delivered: lines the client got;"
echo "reported: lines the PMDA reported lost (PM_EVENT_FLAG_MISSED); silent:"
echo "lines lost without a word (produced - delivered - reported); seconds:"
echo "from the store to the fetch that returned the last lines; cpu-s: the"
echo "PMDA's CPU seconds for the run, cpu-s/M per million lines produced"
echo "(both PMDAs read every line produced; in block mode ours also"
echo "delivers every one, so its cpu-s/M there includes the fetches)."
echo

# the targets of issue 7, checked on the numbers above
verdict()
{
    printf "%-62s %s\n" "$1" "$2"
}
field()	# field WORKLOAD PMDA N
{
    awk -F'|' -v w="$1" -v p="$2" -v n="$3" '$1 == w && $2 == p { print $n }' $targets
}
ok=PASS
for w in "seq $lines (block), every 0.1 s" "${flood} s flood (block), every 0.1 s"; do
    [ "$(field "$w" ours 6)" = 0 ] && [ "$(field "$w" ours 5)" = 0 ] || ok=FAIL
done
verdict "block loses no line" $ok
ok=PASS
for w in "seq $lines (drop), every 0.1 s" "${flood} s flood (drop), every 0.1 s" \
	 "${flood} s flood (drop), every 1 s"; do
    [ "$(field "$w" ours 6)" = 0 ] || ok=FAIL
done
verdict "drop reports every line it drops (silent = 0)" $ok
lps=$(field "${flood} s flood (block), every 0.1 s" ours 7)
verdict "end to end at 0.1 s, block: $lps lines/s >= 2,000,000" \
    "$([ "${lps:-0}" -ge 2000000 ] && echo PASS || echo FAIL)"
for t in 0.1 1; do
    ours_cpm=$(field "${flood} s flood (drop), every $t s" ours 8)
    stock_cpm=$(field "${flood} s flood (drop), every $t s" stock 8)
    verdict "PMDA cpu-s/M lines, flood (drop) at $t s: ours $ours_cpm <= stock $stock_cpm / 2" \
	"$([ "$(echo "${ours_cpm:-9} * 2 <= ${stock_cpm:-0}" | bc)" = 1 ] && echo PASS || echo FAIL)"
done
rm -f $targets
