#
# bench/common.sh - shared by the benchmarks that install the stock pipe
# PMDA and pmdapipe in turn into the running pmcd.  Source it after
# setting nothing; it sets:
#
#	here dir stock stock_kit	paths
#	bench_lock			take the lock the qa suite also takes (unless
#					$PIPEQA_LOCKED says the caller holds it)
#	bench_save			save pipe.conf, put it and our agent back at exit
#	install_ours CONF-FILE		run our agent (the package's, $dir) with CONF-FILE
#	install_stock CONF-FILE		run pcp's stock agent with CONF-FILE
#	pmda_pid pmda_cpu pmcd_pid	the running PMDA's pid, CPU seconds; pmcd's pid
#	wait_for CMD SECS		poll CMD every 0.1 s for SECS seconds
#	bench_pmdas WHICH		-P stock|ours|both into $pmdas
#	churn_results ARRAY OUT		build/churn's output: notes, name-value pairs
#	leftover stop_leftovers		commands matching $leftover_re (pgrep -f) still
#					running: how many; kill them, by pid
#
# Ours is the pmdapipe package's agent (scripts/setup.sh, or what
# scripts/qa-run.sh last installed); the package diverts pcp's stock
# agent into $PCP_PMDASADM_DIR/pipe.stock, where dpkg-divert --truename
# finds it.  Neither agent's files are written: the stock one runs from a
# directory of links to its kit.
#
case $- in *u*) set +u; . /etc/pcp.env; set -u ;; *) . /etc/pcp.env ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$PCP_PMDAS_DIR/pipe
stock=$(dpkg-divert --truename "$PCP_PMDASADM_DIR/pipe/pmdapipe")
stock_kit=$(dirname "$stock")
stock_dir=""			# where the stock agent runs from (bench_save)

[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
[ "$(dpkg-divert --listpackage "$PCP_PMDASADM_DIR/pipe/pmdapipe")" = pmdapipe ] ||
    { echo "$0: the pmdapipe package is not installed (scripts/setup.sh)" >&2; exit 1; }
[ -x "$stock" ] || { echo "$0: no stock PMDA at $stock (apt-get install --reinstall pcp)" >&2; exit 1; }

# the qa suite and the benchmarks all reinstall the PMDA: take turns
bench_lock()
{
    # a caller that holds it already (flock -o LOCK, as scripts/qa-run.sh)
    [ -n "${PIPEQA_LOCKED:-}" ] && return 0
    { exec 9>/run/lock/pmdapipe-qa.lock; } 2>/dev/null || exec 9>/tmp/pmdapipe-qa.lock
    if ! flock -n 9; then
	echo "$0: waiting for a QA run or benchmark to finish ..." >&2
	flock -w 3600 9 || { echo "$0: gave up waiting for the lock" >&2; exit 1; }
    fi
}

# (bounded by the clock: CMD's own time counts, a slow one is not polled
# for 10 x SECS of them)
wait_for()
{
    local end=$((${EPOCHREALTIME/./} + $2 * 1000000))
    while [ ${EPOCHREALTIME/./} -lt $end ]; do
	eval "$1" && return 0
	sleep 0.1
    done
    eval "$1"
}

# command processes a phase left running (the script sets leftover_re)
leftover()
{
    [ -n "${leftover_re:-}" ] || { echo 0; return; }
    pgrep -f "$leftover_re" | wc -l
}

# what a PMDA left running would load the next phase: stop it, by pid
stop_leftovers()
{
    local pids
    [ -n "${leftover_re:-}" ] || return 0
    pids=$(pgrep -f "$leftover_re")
    [ -z "$pids" ] && return
    kill -KILL $pids 2>/dev/null
    wait_for '[ $(leftover) -eq 0 ]' 10
}

# -P stock|ours|both: the PMDAs to run, in order, into $pmdas
bench_pmdas()
{
    case $1 in
	both) pmdas="stock ours" ;;
	stock|ours) pmdas=$1 ;;
	*) echo "$0: -P stock, ours or both" >&2; exit 1 ;;
    esac
}

# build/churn's output: its stderr as notes (each message once, with a
# count), its "name value" pairs into the associative array named $1
churn_results()
{
    local -n _cr=$1
    local out=$2
    [ -s $out.err ] && sort $out.err | uniq -c | while read -r count msg; do
	note "$count x $msg"
    done
    set -- $(cat $out)
    while [ $# -ge 2 ]; do
	_cr[$1]=$2
	shift 2
    done
}

pmda_pid()
{
    # (a run's supervisor shows the PMDA's command line: comm pmdapipe-super)
    ps -e -o pid= -o comm= -o args= | \
    awk -v ours="$dir/pmdapipe" -v stock="${stock_dir:-/}/pmdapipe" \
	'$2 == "pmdapipe" && ($3 == ours || $3 == stock) { print $1; exit }'
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

# save pipe.conf; at exit put it back and run our agent again
# bench_tmpdir NAME: $tmp, a fresh directory the commands (run as nobody)
# can search, with $tmp/cmd a link to vmstat; removed at the end, with the
# commands left running
bench_tmpdir()
{
    tmp=$(mktemp -d /tmp/pipe-$1.XXXXXX)
    chmod 755 $tmp
    ln -s "$(command -v vmstat)" $tmp/cmd
    bench_cleanup=bench_tmp_cleanup
}

bench_tmp_cleanup()
{
    stop_leftovers
    rm -rf "$tmp"
}

bench_save()
{
    bench_saved=$(mktemp -d /tmp/pipe-bench.XXXXXX)
    chmod 755 "$bench_saved"
    [ -f "$dir/pipe.conf" ] && cp -p "$dir/pipe.conf" "$bench_saved/pipe.conf"
    # pmdaproc.sh wants to run in a directory named .../pmdas/pipe
    stock_dir=$bench_saved/pmdas/pipe
    mkdir -p "$stock_dir"
    ln -s "$stock_kit"/* "$stock_dir/"
    trap bench_restore EXIT
    trap 'exit 1' INT TERM
}

bench_restore()
{
    trap '' INT TERM
    [ -n "${bench_cleanup:-}" ] && $bench_cleanup
    if [ -f "$bench_saved/pipe.conf" ]; then
	cp -p "$bench_saved/pipe.conf" "$dir/pipe.conf"
    else
	rm -f "$dir/pipe.conf"
    fi
    (cd "$dir" && ./Install </dev/null >/dev/null 2>&1 9>&-) ||
	echo "$0: ./Install of our PMDA failed" >&2
    wait_for pipe_answers 30
    rm -rf "$bench_saved"
}

# install_pmda NAME DIR CONF-FILE: NAME is "stock" or "ours", DIR where
# its ./Install runs (and the pmdapipe pmcd then runs)
install_pmda()
{
    cp "$3" "$dir/pipe.conf"
    (cd "$2" && ./Install </dev/null >/dev/null 2>&1 9>&-) || {
	echo "$0: ./Install of the $1 PMDA failed" >&2; exit 1; }
    # make sure the one running is the one we mean
    cmp -s "$2/pmdapipe" "/proc/$(pmda_pid)/exe" || {
	echo "$0: the $1 PMDA is not the one running" >&2; exit 1; }
    wait_for pipe_answers 5
}

# install_ours CONF-FILE / install_stock CONF-FILE
install_ours()
{
    install_pmda ours "$dir" "$1"
}

install_stock()
{
    install_pmda stock "$stock_dir" "$1"
}
