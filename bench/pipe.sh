#!/bin/bash
#
# bench/pipe.sh - delivery, loss and cost of the stock pipe PMDA and of
# pmdapipe, side by side, in the same pmcd.  Run as root after
# "make install" (scripts/setup.sh does both).  It installs each PMDA in
# turn into $PCP_PMDAS_DIR/pipe with the same pipe.conf, runs identical
# workloads through pmpipe -c (a client that keeps up: it walks packed
# event arrays, so the client is not the bottleneck), and puts ours back.
#
#	bench/pipe.sh [-q]	(-q: shorter runs)
#
. /etc/pcp.env
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$PCP_PMDAS_DIR/pipe
stock=/usr/lib/pcp/pmdas/pipe/pmdapipe
pmpipe=$here/pmpipe
flood=10
lines=1000000
[ "${1:-}" = -q ] && { flood=3; lines=200000; }

[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
[ -x "$stock" ] || { echo "$0: no stock PMDA at $stock" >&2; exit 1; }
[ -x "$pmpipe" ] || { echo "$0: build pmpipe first (make)" >&2; exit 1; }

# the qa suite and this script both reinstall the PMDA: take turns
{ exec 9>/run/lock/pmdapipe-qa.lock; } 2>/dev/null || exec 9>/tmp/pmdapipe-qa.lock
flock 9

saved=$(mktemp)
cp "$dir/pipe.conf" "$saved" 2>/dev/null || : > "$saved"
cp "$dir/pmdapipe" "$saved.bin"
cp "$dir/Install" "$saved.install"
cleanup()
{
    install -m 755 "$saved.bin" "$dir/pmdapipe"
    install -m 755 "$saved.install" "$dir/Install"
    if [ -s "$saved" ]; then cp "$saved" "$dir/pipe.conf"; else rm -f "$dir/pipe.conf"; fi
    (cd "$dir" && ./Install </dev/null >/dev/null 2>&1)
    rm -f "$saved" "$saved.bin" "$saved.install"
}
trap cleanup EXIT

conf()
{
    cat <<EOC
seq		root	seq 1 \$1
seqblock	root	seq 1 \$1
flood		root	timeout $flood yes abcdefghijklmnopqrstuvwxyz0123456789
floodblock	root	timeout $flood yes abcdefghijklmnopqrstuvwxyz0123456789
echo		root	echo \$1
EOC
    # the stock agent stops parsing at the first section it does not know
    [ "$1" = ours ] && printf '%s\n' '[options seqblock]' 'overflow = block' \
	'[options floodblock]' 'overflow = block' 'queue = 32M'
}

# install_pmda NAME BINARY INSTALL-SCRIPT
install_pmda()
{
    install -m 755 "$2" "$dir/pmdapipe"
    install -m 755 "$3" "$dir/Install"
    conf "$1" > "$dir/pipe.conf"
    (cd "$dir" && ./Install </dev/null >/dev/null 2>&1) || {
	echo "$0: ./Install of the $1 PMDA failed" >&2; exit 1; }
    # make sure the one running is the one we mean
    cmp -s "$2" "/proc/$(pgrep -f "^$dir/pmdapipe" | head -1)/exe" || {
	echo "$0: the $1 PMDA is not the one running" >&2; exit 1; }
    for i in $(seq 50); do
	pminfo -h local: -f pipe.commands >/dev/null 2>&1 && break
	sleep 0.1
    done
}

pmda_cpu()
{
    local pid
    pid=$(pgrep -f "^$dir/pmdapipe" | head -1)
    awk '{ printf "%.2f\n", ($14 + $15) / 100 }' /proc/$pid/stat
}

# run ARGS...: prints "delivered missed seconds cpu" (seconds: to the END
# record, or to -T for the stock agent, which never sends one)
run()
{
    local c0 c1 out
    c0=$(pmda_cpu)
    out=$("$pmpipe" -c "$@" 2>/dev/null)
    c1=$(pmda_cpu)
    set -- $out
    # records N lines N stderr N bytes N missed N exit N seconds N
    echo "$4 ${10} ${14} $(echo "$c1 - $c0" | bc)"
}

row()
{
    printf "%-34s %-8s %12s %12s %9s %10s %9s\n" "$@"
}

results=$(mktemp)
for which in stock ours; do
    if [ $which = ours ]; then
	install_pmda ours "$saved.bin" "$saved.install"
    else
	install_pmda stock "$stock" /usr/lib/pcp/pmdas/pipe/Install
    fi
    set -- $(run -t 0.1 -T 60 seq $lines)
    echo "seq $lines, client every 0.1 s|$which|$1|$2|$3|$4" >> $results
    set -- $(run -t 1 -T 60 seq $lines)
    echo "seq $lines, client every 1 s|$which|$1|$2|$3|$4" >> $results
    set -- $(run -t 0.1 -T $((flood + 3)) flood)
    echo "${flood} s flood (drop), every 0.1 s|$which|$1|$2|$3|$4" >> $results
    set -- $(run -t 1 -T $((flood + 3)) flood)
    echo "${flood} s flood (drop), every 1 s|$which|$1|$2|$3|$4" >> $results
    if [ $which = ours ]; then
	set -- $(run -t 0.1 -T 120 seqblock $lines)
	echo "seq $lines (block), every 0.1 s|$which|$1|$2|$3|$4" >> $results
	set -- $(run -t 0.1 -T $((flood + 30)) floodblock)
	echo "${flood} s flood (block, queue 32M), 0.1 s|$which|$1|$2|$3|$4" >> $results
    fi
    # store to first record: a one-line command, fetched every 10 ms
    first=$("$pmpipe" -c -t 0.01 -T 2 echo x 2>/dev/null | sed -e 's/.* first //')
    echo "store to first record, s (echo)|$which|1|0|$first|-" >> $results
done

echo
echo "pmdapipe vs stock pipe PMDA ($(nproc) cores; delivered = lines the client got)"
row "workload" "pmda" "delivered" "missed(rep)" "seconds" "PMDA cpu-s" "lines/s"
IFS='|'
while read -r w p d m s c; do
    lps=$(echo "$d / ($s + 0.000001)" | bc)
    row "$w" "$p" "$d" "$m" "$s" "$c" "$lps"
done < $results
unset IFS
rm -f $results
echo
echo "missed(rep): lines the PMDA reported lost (PM_EVENT_FLAG_MISSED); the"
echo "stock agent reports none, so for it produced - delivered is silent loss."
