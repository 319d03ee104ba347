#!/bin/bash
#
# bench/scale.sh - how many concurrent clients and commands pmdapipe (and
# pmcd) take.  Run as root after "make install".  Steps of CLIENTS x
# COMMANDS (default 100, 500, 1000 clients with 1 and 2 commands each):
# every client is one PCP context (bench/manyclients.py), its commands
# print "ID SEQ" once a second, and the client fetches about once a
# second for SECS seconds, checking that it gets all its lines in order.
#
#	bench/scale.sh [-q] [-t SECS] [-n "100 500 1000"] [-k "1 2"] [-p 1100]
#
# Per step: clients connected, commands running (pipe.command.running
# summed), clients whose every command delivered its lines in order,
# lines per command per second, PMDA RSS (before, with the clients idle,
# while streaming) and RSS per idle client, PMDA fds, fetch latency,
# time to stop everything, and pmcd's state.  pmcd 6.0.3 select()s on
# its clients: with FD_SETSIZE 1024 it aborts when a client gets a
# descriptor above 1023, near 1,010 clients: when no step failed, a last
# step of PROBE clients (-p, default 1100, "" for none) goes past that.
# A step in which pmcd dies is reported as such (how many clients were
# connected), pmcd is started again and bigger steps are skipped.  Each
# step starts with a fresh PMDA.  Everything the script starts is stopped
# at the end; the PMDA's configuration is put back.
#
. /etc/pcp.env
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$PCP_PMDAS_DIR/pipe
client="/usr/bin/python3 $here/bench/manyclients.py"
secs=10
steps_n="100 500 1000"
steps_k="1 2"
probe=1100
perworker=100
while getopts qt:n:k:p: c
do
    case $c in
	p) probe=$OPTARG ;;
	q) secs=5 ;;
	t) secs=$OPTARG ;;
	n) steps_n=$OPTARG ;;
	k) steps_k=$OPTARG ;;
	*) echo "Usage: $0 [-q] [-t SECS] [-n CLIENTS...] [-k COMMANDS...] [-p PROBE]" >&2; exit 1 ;;
    esac
done

[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
[ -x $dir/pmdapipe ] || { echo "$0: pmdapipe is not installed (make install)" >&2; exit 1; }
id nobody >/dev/null 2>&1 || { echo "$0: needs the user nobody" >&2; exit 1; }

# the qa suite and the other benchmarks reinstall the PMDA: take turns
{ exec 9>/run/lock/pmdapipe-qa.lock; } 2>/dev/null || exec 9>/tmp/pmdapipe-qa.lock
if ! flock -n 9
then
    echo "$0: waiting for a QA run or benchmark to finish ..." >&2
    flock -w 3600 9 || { echo "$0: gave up waiting for the lock" >&2; exit 1; }
fi

# one client process holds up to $perworker contexts; the parent few more
ulimit -n 65536 2>/dev/null || ulimit -n 4096

tmp=$(mktemp -d /tmp/pipe-scale.XXXXXX)
chmod 755 $tmp
saved=$tmp/pipe.conf.saved
if [ -f $dir/pipe.conf ]; then cp -p $dir/pipe.conf $saved; fi
client_pid=""

pmcd_pid()
{
    local p
    p=$(cat $PCP_RUN_DIR/pmcd.pid 2>/dev/null)
    [ -n "$p" ] && [ -d /proc/$p ] || p=$(pgrep -x pmcd | head -1)
    echo $p
}

pmda_pid()
{
    ps -e -o pid= -o args= | awk -v exe="$dir/pmdapipe" '$2 == exe { print $1; exit }'
}

pmcd_answers()
{
    pminfo -h local: -f pmcd.version >/dev/null 2>&1
}

pipe_answers()
{
    pminfo -h local: -f pipe.numclients 2>/dev/null | grep -q 'value [0-9]'
}

# wait_for CMD SECS: poll CMD every 0.1 s, bounded
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

# processes of our commands, and the PMDA's session cgroups
ticks()
{
    pgrep -f "^/bin/bash $tmp/tick " | wc -l
}

cgroups()
{
    local p=$(pmda_pid)
    [ -n "$p" ] && [ -d /sys/fs/cgroup/unified/pmdapipe ] && \
	find /sys/fs/cgroup/unified/pmdapipe -mindepth 1 -maxdepth 1 -type d -name "*.$p" | wc -l || echo 0
}

running()
{
    pminfo -h local: -f pipe.command.running 2>/dev/null | \
	awk '/ value / { s += $NF; n++ } END { print n ? s : "?" }'
}

start_pmcd()
{
    pmcd_answers && return 0
    # not with our fd 9: pmcd would hold the QA lock for as long as it runs
    $PCP_RC_DIR/pmcd start </dev/null >/dev/null 2>&1 9>&-
    wait_for pmcd_answers 30
}

cleanup()
{
    trap '' INT TERM
    if [ -n "$client_pid" ] && kill -0 $client_pid 2>/dev/null; then
	kill $client_pid 2>/dev/null
	wait_for '! kill -0 $client_pid 2>/dev/null' 10 || kill -KILL $client_pid 2>/dev/null
    fi
    start_pmcd || echo "$0: pmcd does not answer; see $PCP_LOG_DIR/pmcd/pmcd.log" >&2
    if [ -f $saved ]; then cp -p $saved $dir/pipe.conf; else rm -f $dir/pipe.conf; fi
    (cd $dir && ./Install </dev/null >/dev/null 2>&1) || echo "$0: ./Install of the saved configuration failed" >&2
    wait_for pipe_answers 30
    wait_for '[ $(ticks) -eq 0 ]' 15 || { echo "$0: left behind:" >&2; pgrep -af "$tmp/tick" >&2; }
    rm -rf $tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# the command: "ID SEQ" once a second, without forking per line (bash's
# read -t on a pipe nobody writes to is the sleep)
cat > $tmp/tick <<'EOF'
exec 3<> <(:)
n=0
while :; do echo "$1 $n"; n=$((n+1)); read -t 1 -u 3; done
EOF
chmod 644 $tmp/tick
cat > $dir/pipe.conf <<EOF
tick1	nobody	/bin/bash $tmp/tick \$1
tick2	nobody	/bin/bash $tmp/tick \$1
EOF
(cd $dir && ./Install </dev/null >$tmp/install 2>&1) || { cat $tmp/install; exit 1; }
wait_for pipe_answers 30 || { echo "$0: pipe metrics do not answer" >&2; exit 1; }

pmcd_limit()
{
    # highest client count before pmcd hands out descriptor 1024
    local n=$(ls /proc/$(pmcd_pid)/fd 2>/dev/null | wc -l)
    echo $((1024 - n))
}

echo "pmdapipe scale benchmark: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
     "pmcd $(pminfo -h local: -f pmcd.version | sed -n 's/.*value "\(.*\)"/\1/p'), $secs s of streaming per step"
base_fds=$(ls /proc/$(pmcd_pid)/fd | wc -l)
echo "pmcd: $base_fds descriptors open, FD_SETSIZE 1024: room for about $(pmcd_limit) more clients"
echo

fmt="%-6s %4s %4s | %9s %7s %10s %6s | %7s %7s %8s %7s %5s | %5s %5s | %5s %5s %5s | %s\n"
printf "$fmt" clients cmds "" connected running "clients-OK" line/s \
    RSS0-kB idle-kB B/client run-kB fds pmda% pmcd% p99ms maxms stop pmcd
printf "$fmt" ------- ---- "" --------- ------- ---------- ------ \
    ------- ------- -------- ------ ---- ----- ----- ----- ----- ---- ----
failed_at=""
nearlimit=""

# run_step CLIENTS COMMANDS [LABEL]
run_step()
{
    local n=$1 k=$2 label=${3:-} out=$tmp/step.$1.$2 pmda pmcd sts
    # a fresh PMDA, so that RSS0 and the idle clients' RSS mean something
    (cd $dir && ./Install </dev/null >$tmp/install 2>&1) || { cat $tmp/install; return 1; }
    wait_for pipe_answers 30 || { echo "$0: pipe metrics do not answer" >&2; return 1; }
    pmda=$(pmda_pid)
    pmcd=$(pmcd_pid)
    $client -n $n -k $k -t $secs -w $perworker -p $pmda -P $pmcd >$out 2>$out.err &
    client_pid=$!
    # the client bounds each phase itself; this is the last resort
    local limit=$((secs + 900))
    wait_for '! kill -0 $client_pid 2>/dev/null' $limit || {
	echo "step $n x $k: the client did not finish in $limit s" >&2
	kill $client_pid; }
    wait $client_pid
    sts=$?
    client_pid=""
    v() { sed -n "s/^$1=//p" $out | tr -d '"'; }
    local connected=$(v connected) run=$(v running) ok=$(v clients_ok)
    local rss0=$(v rss_base_kb) rssi=$(v rss_idle_kb) rssr=$(v rss_run_kb)
    local per="-"
    if [ -n "$rssi" ] && [ -n "$rss0" ] && [ "$connected" -gt 0 ] 2>/dev/null; then
	per=$(( (rssi - rss0) * 1024 / connected ))
    fi
    local state=$(v pmcd)
    if [ "$state" = died ] || ! pmcd_answers; then
	state="ABORTED with $(v connected) of our clients connected (pmcd.numclients last seen $(v maxclients_seen))"
	tail -5 $PCP_LOG_DIR/pmcd/pmcd.log | grep -i -E 'overflow|abort|FD_SET|terminat|signal' | tail -2 | \
	    sed -e 's/^/        pmcd.log: /' >$tmp/why
    else
	state=ok
	: >$tmp/why
    fi
    printf "$fmt" $n $k "$label" "${connected:-0}/$n" "${run:--}" "${ok:-0}/$n" \
	"$(v lines_per_cmd_sec)" "${rss0:--}" "${rssi:--}" "$per" "${rssr:--}" "$(v fds_run)" \
	"$(v pmda_cpu_pct)" "$(v pmcd_cpu_pct)" "$(v fetch_p99_ms)" "$(v fetch_max_ms)" "$(v stop_secs)" "$state"
    cat $tmp/why
    for e in connect_error start_error stream_error; do
	[ -n "$(v $e)" ] && echo "        $e: $(v $e)"
    done
    [ "$(v bad)" != "" ] && [ "$(v bad)" != 0 ] && echo "        commands with bad records: $(v bad)"
    [ "$(v short)" != "" ] && [ "$(v short)" != 0 ] && echo "        commands that delivered too few lines: $(v short) (fewest $(v min_lines))"
    [ "$(v start_failed)" != "" ] && [ "$(v start_failed)" != 0 ] && echo "        stores that failed: $(v start_failed)"
    [ "$(v dropped)" != "" ] && [ "$(v dropped)" != 0 ] && echo "        lines dropped by the PMDA: $(v dropped)"
    [ "$(v running_after)" != "" ] && [ "$(v running_after)" != 0 ] && echo "        pipe.command.running after all clients left: $(v running_after)"
    [ -s $out.err ] && sed -e 's/^/        client: /' $out.err | tail -5
    if [ "$state" != ok ]; then
	# pmcd took its agents with it: start it again, wait for pipe
	start_pmcd && wait_for pipe_answers 30
	wait_for '[ $(ticks) -eq 0 ]' 30
	return 1
    fi
    # what the step left: commands, cgroups, PMDA descriptors
    wait_for '[ $(ticks) -eq 0 ] && [ $(cgroups) -eq 0 ]' 30
    local lt=$(ticks) lc=$(cgroups)
    if [ "$lt" -ne 0 ] || [ "$lc" -ne 0 ] || [ "$(v fds_after)" != "$(v fds_base)" ]; then
	echo "        left behind: $lt commands, $lc cgroups; PMDA fds $(v fds_base) before, $(v fds_after) after"
    fi
    [ $sts -eq 0 ]
}

for n in $steps_n
do
    for k in $steps_k
    do
	if [ -n "$failed_at" ]; then
	    printf "$fmt" $n $k "" - - - - - - - - - - - - - - "skipped: pmcd's limit was reached at $failed_at clients"
	    continue
	fi
	run_step $n $k || true
	if grep -q '^pmcd=died' $tmp/step.$n.$k 2>/dev/null; then
	    failed_at=$n
	fi
    done
done

if [ -z "$failed_at" ] && [ -n "$probe" ]; then
    # until failure: past pmcd's FD_SETSIZE
    run_step $probe 1 ">lim" || true
    grep -q '^pmcd=died' $tmp/step.$probe.1 2>/dev/null && failed_at=$probe
fi

echo
if [ -n "$failed_at" ]; then
    echo "pmcd's limit: pmcd aborted in the $failed_at-client step; it select()s on its clients"
    echo "(FD_SETSIZE 1024) and had $base_fds descriptors of its own: at most about $((1024 - base_fds)) clients."
else
    echo "pmcd did not fail up to $(echo $steps_n $probe | tr ' ' '\n' | sort -n | tail -1) clients."
fi

echo
echo "clients-OK: clients whose every command delivered all its lines, in order, from START on."
echo "line/s: lines delivered per command per second (1 expected).  RSS0: PMDA before the step;"
echo "idle: with the clients connected and idle; B/client: (idle - RSS0) / clients in bytes;"
echo "run: while streaming.  fds: PMDA descriptors while streaming.  pmda%, pmcd%: CPU while"
echo "streaming.  p99ms/maxms: fetch latency seen by the clients.  stop: seconds from the"
echo "clients' disconnect to pipe.command.running 0."
