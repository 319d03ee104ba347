#
# bench/common.sh - shared by the benchmarks that install the stock pipe
# PMDA and pmdapipe in turn into the running pmcd.  Source it after
# setting nothing; it sets:
#
#	here dir stock stock_install	paths
#	bench_lock			take the lock the qa suite also takes
#	bench_save			save the installed PMDA, put it back at exit
#	install_pmda NAME BINARY INSTALL CONF-FILE
#	pmda_pid pmda_cpu pmcd_pid	the running PMDA's pid, CPU seconds; pmcd's pid
#	wait_for CMD SECS		poll CMD every 0.1 s, bounded
#
case $- in *u*) set +u; . /etc/pcp.env; set -u ;; *) . /etc/pcp.env ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$PCP_PMDAS_DIR/pipe
stock=/usr/lib/pcp/pmdas/pipe/pmdapipe
stock_install=/usr/lib/pcp/pmdas/pipe/Install

[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
[ -x "$stock" ] || { echo "$0: no stock PMDA at $stock (apt-get install pcp)" >&2; exit 1; }
[ -x "$dir/pmdapipe" ] || { echo "$0: pmdapipe is not installed (make install)" >&2; exit 1; }

# the qa suite and the benchmarks all reinstall the PMDA: take turns
bench_lock()
{
    { exec 9>/run/lock/pmdapipe-qa.lock; } 2>/dev/null || exec 9>/tmp/pmdapipe-qa.lock
    if ! flock -n 9; then
	echo "$0: waiting for a QA run or benchmark to finish ..." >&2
	flock -w 3600 9 || { echo "$0: gave up waiting for the lock" >&2; exit 1; }
    fi
}

wait_for()
{
    local i=0 n=$(($2 * 10))
    while [ $i -lt $n ]; do
	eval "$1" && return 0
	sleep 0.1
	i=$((i + 1))
    done
    eval "$1"
}

pmda_pid()
{
    ps -e -o pid= -o args= | awk -v exe="$dir/pmdapipe" '$2 == exe { print $1; exit }'
}

pmda_cpu()
{
    awk '{ printf "%.2f\n", ($14 + $15) / 100 }' /proc/$(pmda_pid)/stat
}

pmcd_pid()
{
    local p
    p=$(cat $PCP_RUN_DIR/pmcd.pid 2>/dev/null)
    [ -n "$p" ] && [ -d /proc/$p ] || p=$(pgrep -x pmcd | head -1)
    echo $p
}

pipe_answers()
{
    pminfo -h local: -f pipe.numclients 2>/dev/null | grep -q 'value [0-9]'
}

# save the installed PMDA (binary, Install, pipe.conf); put it back at exit
bench_save()
{
    bench_saved=$(mktemp -d /tmp/pipe-bench.XXXXXX)
    cp "$dir/pmdapipe" "$bench_saved/pmdapipe"
    cp "$dir/Install" "$bench_saved/Install"
    [ -f "$dir/pipe.conf" ] && cp -p "$dir/pipe.conf" "$bench_saved/pipe.conf"
    trap bench_restore EXIT
    trap 'exit 1' INT TERM
}

bench_restore()
{
    trap '' INT TERM
    [ -n "${bench_cleanup:-}" ] && $bench_cleanup
    install -m 755 "$bench_saved/pmdapipe" "$dir/pmdapipe"
    install -m 755 "$bench_saved/Install" "$dir/Install"
    if [ -f "$bench_saved/pipe.conf" ]; then
	cp -p "$bench_saved/pipe.conf" "$dir/pipe.conf"
    else
	rm -f "$dir/pipe.conf"
    fi
    (cd "$dir" && ./Install </dev/null >/dev/null 2>&1 9>&-) ||
	echo "$0: ./Install of the saved PMDA failed" >&2
    wait_for pipe_answers 30
    rm -rf "$bench_saved"
}

# install_pmda NAME BINARY INSTALL-SCRIPT CONF-FILE: NAME is "stock" or
# "ours"; ours is the binary bench_save found installed
install_pmda()
{
    install -m 755 "$2" "$dir/pmdapipe"
    install -m 755 "$3" "$dir/Install"
    cp "$4" "$dir/pipe.conf"
    (cd "$dir" && ./Install </dev/null >/dev/null 2>&1 9>&-) || {
	echo "$0: ./Install of the $1 PMDA failed" >&2; exit 1; }
    # make sure the one running is the one we mean
    cmp -s "$2" "/proc/$(pmda_pid)/exe" || {
	echo "$0: the $1 PMDA is not the one running" >&2; exit 1; }
    wait_for pipe_answers 5
}

# install_ours CONF-FILE / install_stock CONF-FILE
install_ours()
{
    install_pmda ours "$bench_saved/pmdapipe" "$bench_saved/Install" "$1"
}

install_stock()
{
    install_pmda stock "$stock" "$stock_install" "$1"
}
