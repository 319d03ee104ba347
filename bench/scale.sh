#!/bin/bash
#
# bench/scale.sh - how many concurrent clients and commands the stock
# pipe PMDA and pmdapipe (and pmcd) take, side by side.  Run as root with
# the pmdapipe package installed (scripts/setup.sh).  Steps of CLIENTS x COMMANDS (default 100, 500, 1000
# clients with 1 and 2 commands each), each run with the stock PMDA and
# then with ours, both from a fresh install of the same pipe.conf: every
# client is one PCP context (bench/manyclients.py), its commands print
# "ID SEQ" once a second, and the client fetches about once a second for
# SECS seconds, checking that it gets all its lines in order and, apart
# from that, that the records carry the right flags.
#
#	bench/scale.sh [-q] [-t SECS] [-n "100 500 1000"] [-k "1 2"] [-p 1100]
#		       [-P stock|ours|both]
#
# Per step and PMDA: clients connected, commands running (processes
# counted), clients that got all their lines in order, clients whose
# records had the right flags, lines per command per second, PMDA RSS
# (before, with the clients idle, while streaming) and RSS per idle
# client, PMDA fds, fetch latency, time to stop everything, and what
# happened: ok, the PMDA died (the stock one select()s with FD_SETSIZE
# 1024 on its command pipes: it aborts near 1,018 running commands; the
# row says at how many, the next step installs it afresh), or pmcd died.
# pmcd 6.0.3 select()s on its clients too: it aborts when a client gets a
# descriptor above 1023, near 1,010 clients: when no step failed, a last
# step of PROBE clients (-p, default 1100, "" for none) goes past that.
# A step in which pmcd dies is reported as such (how many clients were
# connected), pmcd is started again and bigger steps are skipped (the
# other PMDA still runs the same step).  After every step no command
# process and no session cgroup may be left: what is left is reported,
# then ended (the stock PMDA leaves its commands running when their
# clients go, and they ignore SIGPIPE), so the next step starts clean.
# The installed PMDA and its pipe.conf are put back at the end.
#
set -u
. "$(dirname "$0")/common.sh"
client="/usr/bin/python3 $here/bench/manyclients.py"
secs=10
steps_n="100 500 1000"
steps_k="1 2"
probe=1100
perworker=100
stopsecs=30
pmdas="stock ours"
while getopts qt:n:k:p:P: c
do
    case $c in
	p) probe=$OPTARG ;;
	q) secs=5 ;;
	t) secs=$OPTARG ;;
	n) steps_n=$OPTARG ;;
	k) steps_k=$OPTARG ;;
	P) case $OPTARG in
	       stock|ours) pmdas=$OPTARG ;;
	       both) pmdas="stock ours" ;;
	       *) echo "$0: -P stock, ours or both" >&2; exit 1 ;;
	   esac ;;
	*) echo "Usage: $0 [-q] [-t SECS] [-n CLIENTS...] [-k COMMANDS...] [-p PROBE] [-P stock|ours|both]" >&2; exit 1 ;;
    esac
done

id nobody >/dev/null 2>&1 || { echo "$0: needs the user nobody" >&2; exit 1; }

bench_lock
# one client process holds up to $perworker contexts; the parent few more.
# Raise the limit, never lower it: pmcd, when we have to start it again,
# gets the one we were started with (its agents inherit it)
nofile=$(ulimit -Sn)
ulimit -n 65536 2>/dev/null || ulimit -Sn $(ulimit -Hn)

tmp=$(mktemp -d /tmp/pipe-scale.XXXXXX)
chmod 755 $tmp
client_pid=""
tail_pid=""
cgroot=/sys/fs/cgroup/unified/pmdapipe

pmcd_answers()
{
    pminfo -h local: -f pmcd.version >/dev/null 2>&1
}

# processes of our commands (the stock PMDA runs them through sh -c), and
# session cgroups of the benchmark's instances, whichever PMDA made them
ticks()
{
    pgrep -f "^(/bin/bash|sh -c /bin/bash) $tmp/tick " | wc -l
}

cgroups()
{
    if [ -d $cgroot ]; then
	find $cgroot -mindepth 1 -maxdepth 1 -type d -name 'tick[12].*' | wc -l
    else
	echo 0
    fi
}

# after they were reported: end the commands a PMDA left running (the
# stock one ignores SIGPIPE and passes that on, so they never die) and
# remove empty session cgroups, so that the next step starts clean
reap_leftovers()
{
    local pids=$(pgrep -f "^(/bin/bash|sh -c /bin/bash) $tmp/tick ")
    if [ -n "$pids" ]; then
	kill $pids 2>/dev/null
	wait_for '[ $(ticks) -eq 0 ]' 5 || kill -KILL $pids 2>/dev/null
	wait_for '[ $(ticks) -eq 0 ]' 5
    fi
    [ -d $cgroot ] && find $cgroot -mindepth 1 -maxdepth 1 -type d -name 'tick[12].*' -exec rmdir {} + 2>/dev/null
    [ $(ticks) -eq 0 ] && [ $(cgroups) -eq 0 ]
}

start_pmcd()
{
    pmcd_answers && return 0
    # not with our fd 9: pmcd would hold the QA lock for as long as it runs
    (ulimit -Sn $nofile; $PCP_RC_DIR/pmcd start </dev/null >/dev/null 2>&1 9>&-)
    wait_for pmcd_answers 30
}

# run by bench_restore before it puts the saved PMDA back
scale_cleanup()
{
    if [ -n "$client_pid" ] && kill -0 $client_pid 2>/dev/null; then
	kill $client_pid 2>/dev/null
	wait_for '! kill -0 $client_pid 2>/dev/null' 10 || kill -KILL $client_pid 2>/dev/null
    fi
    [ -n "$tail_pid" ] && kill $tail_pid 2>/dev/null
    start_pmcd || echo "$0: pmcd does not answer; see $PCP_LOG_DIR/pmcd/pmcd.log" >&2
    if ! wait_for '[ $(ticks) -eq 0 ] && [ $(cgroups) -eq 0 ]' 15; then
	echo "$0: left behind: $(ticks) command processes, $(cgroups) session cgroups; ending them" >&2
	reap_leftovers || echo "$0: could not end them all" >&2
    fi
    rm -rf $tmp
}
bench_save
bench_cleanup=scale_cleanup

# the command: "ID SEQ" once a second, without forking per line (bash's
# read -t on a pipe nobody writes to is the sleep)
cat > $tmp/tick <<'EOF'
exec 3<> <(:)
n=0
while :; do echo "$1 $n"; n=$((n+1)); read -t 1 -u 3; done
EOF
chmod 644 $tmp/tick
# both PMDAs read this; no [access] (the stock one would ignore it)
cat > $tmp/pipe.conf <<EOF
tick1	nobody	/bin/bash $tmp/tick \$1
tick2	nobody	/bin/bash $tmp/tick \$1
EOF

pmcd_limit()
{
    # highest client count before pmcd hands out descriptor 1024
    local n=$(ls /proc/$(pmcd_pid)/fd 2>/dev/null | wc -l)
    echo $((1024 - n))
}

start_pmcd || { echo "$0: pmcd does not answer" >&2; exit 1; }
echo "pipe PMDA scale benchmark: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
     "pmcd $(pminfo -h local: -f pmcd.version | sed -n 's/.*value "\(.*\)"/\1/p'), $secs s of streaming per step;" \
     "PMDAs: $pmdas"
base_fds=$(ls /proc/$(pmcd_pid)/fd | wc -l)
echo "pmcd: $base_fds descriptors open, FD_SETSIZE 1024: room for about $(pmcd_limit) more clients"
echo

fmt="%-5s %-7s %4s %4s | %9s %7s %9s %9s %6s | %7s %7s %8s %7s %5s | %5s %5s | %5s %5s %5s | %s\n"
printf "$fmt" pmda clients cmds "" connected running all-lines flags-OK line/s \
    RSS0-kB idle-kB B/client run-kB fds pmda% pmcd% p99ms maxms stop outcome
printf "$fmt" ----- ------- ---- "" --------- ------- --------- --------- ------ \
    ------- ------- -------- ------ ---- ----- ----- ----- ----- ---- -------
failed_at=""

# run_step CLIENTS COMMANDS PMDA [LABEL]: PMDA is stock or ours
run_step()
{
    local n=$1 k=$2 which=$3 label=${4:-} out=$tmp/step.$1.$2.$3 pmda pmda_after pmcd sts
    local log=$PCP_LOG_DIR/pmcd/pipe.log
    # a fresh PMDA, so that RSS0 and the idle clients' RSS mean something
    # (and a stock PMDA that died in the last step runs again)
    install_$which $tmp/pipe.conf
    wait_for pipe_answers 30 || { echo "$0: pipe metrics do not answer" >&2; return 1; }
    # pmcd's log from here on tells how often the agent died
    local pmcdlog=$PCP_LOG_DIR/pmcd/pmcd.log
    local logstart=$(($(stat -c %s $pmcdlog 2>/dev/null || echo 0) + 1))
    pmda=$(pmda_pid)
    pmcd=$(pmcd_pid)
    # follow the PMDA's log: when the agent dies and pmcd starts it
    # again, the new one overwrites it, and with it why the old one died
    tail -n +1 -F $log >$out.pipe.log 2>/dev/null &
    tail_pid=$!
    $client -n $n -k $k -t $secs -w $perworker -p $pmda -P $pmcd -c $tmp/tick -s $stopsecs >$out 2>$out.err &
    client_pid=$!
    # the client bounds each phase itself; this is the last resort
    local limit=$((secs + 900))
    wait_for '! kill -0 $client_pid 2>/dev/null' $limit || {
	echo "step $n x $k ($which): the client did not finish in $limit s" >&2
	kill $client_pid; }
    wait $client_pid
    sts=$?
    client_pid=""
    pmda_after=$(pmda_pid)
    kill $tail_pid 2>/dev/null
    wait $tail_pid 2>/dev/null
    tail_pid=""
    # pmcd's log of the step
    tail -c +$logstart $pmcdlog >$out.pmcd.log 2>/dev/null
    v() { sed -n "s/^$1=//p" $out | tr -d '"'; }
    local connected=$(v connected)
    local rss0=$(v rss_base_kb) rssi=$(v rss_idle_kb) rssr=$(v rss_run_kb)
    local per="-"
    if [ -n "$rssi" ] && [ -n "$rss0" ] && [ "$connected" -gt 0 ] 2>/dev/null; then
	per=$(( (rssi - rss0) * 1024 / connected ))
    fi
    local state="" pmda_died="" pmcd_died=""
    : >$tmp/why
    local pmcd_gone=""
    { [ "$(v pmcd)" = died ] || ! pmcd_answers; } && pmcd_gone=y
    # the PMDA died by itself (when pmcd dies, it takes its agents along)
    if [ "$(v pmda)" = died ] || { [ -z "$pmcd_gone" ] && [ "$pmda_after" != "$pmda" ]; }; then
	pmda_died=y
	# how far it got: the stores that succeeded before it died, or
	# the commands running when it died later
	local at phase=$(v pmda_died_phase)
	case $phase in
	    connect|"") at="with $(v connected) clients connected" ;;
	    start) at="at $(v pmda_died_started) commands" ;;
	    *) at="at $(v procs_run) commands ($phase)" ;;
	esac
	state="PMDA DIED $at"
	# pmcd says how (and, with PMCD_RESTART_AGENTS, starts it again)
	local deaths=$(grep -a -c 'Cleanup "pipe" agent' $out.pmcd.log)
	[ "$deaths" -gt 1 ] && state="$state, $deaths times"
	if [ -n "$pmda_after" ] && [ "$pmda_after" != "$pmda" ]; then
	    state="$state; pmcd restarted it"
	fi
	grep -a 'Cleanup "pipe" agent' $out.pmcd.log | head -2 | sed -e 's/^/        pmcd.log: /' >>$tmp/why
	grep -a -i -E 'FD_SET|overflow|abort|terminated|out of range|fatal' $out.pipe.log 2>/dev/null | \
	    head -2 | sed -e 's/^/        pipe.log: /' >>$tmp/why
    fi
    if [ -n "$pmcd_gone" ]; then
	pmcd_died=y
	state="${state:+$state; }pmcd ABORTED with $(v connected) of our clients connected (pmcd.numclients last seen $(v maxclients_seen))"
	tail -5 $PCP_LOG_DIR/pmcd/pmcd.log | grep -i -E 'overflow|abort|FD_SET|terminat|signal' | tail -2 | \
	    sed -e 's/^/        pmcd.log: /' >>$tmp/why
    fi
    [ -n "$state" ] || state=ok
    local flagsok=$(v clients_flags_ok) linesok=$(v clients_lines_ok) stop=$(v stop_secs)
    [ -n "$(v procs_after)" ] && [ "$(v procs_after)" != 0 ] && stop=no
    # what was measured on a PMDA that had died already means nothing
    local fds=$(v fds_run) pcpu=$(v pmda_cpu_pct)
    [ "$rssr" = -1 ] && rssr=-
    [ "$fds" = -1 ] && fds=-
    case $(v pmda_died_phase) in connect|start|stream) pcpu=- ;; esac
    printf "$fmt" $which $n $k "$label" "${connected:-0}/$n" "$(v procs_run)" "${linesok:-0}/$n" \
	"${flagsok:-0}/$n" "$(v lines_per_cmd_sec)" "${rss0:--}" "${rssi:--}" "$per" "${rssr:--}" "$fds" \
	"$pcpu" "$(v pmcd_cpu_pct)" "$(v fetch_p99_ms)" "$(v fetch_max_ms)" "${stop:--}" "$state"
    cat $tmp/why
    for e in connect_error start_error stream_error flag_error; do
	[ -n "$(v $e)" ] && echo "        $e: $(v $e)"
    done
    [ -n "$(v flags_seen)" ] && [ "$(v clients_flags_ok)" != "$n" ] && echo "        record flags seen (flags:records): $(v flags_seen)"
    [ "$(v bad)" != "" ] && [ "$(v bad)" != 0 ] && \
	echo "        commands with lines lost or out of order: $(v bad) (first lines lost: $(v late), a gap later: $(v gaps))"
    [ "$(v short)" != "" ] && [ "$(v short)" != 0 ] && echo "        commands that delivered too few lines: $(v short) (fewest $(v min_lines))"
    [ "$(v start_failed)" != "" ] && [ "$(v start_failed)" != 0 ] && echo "        stores that failed: $(v start_failed)"
    [ "$(v dropped)" != "" ] && [ "$(v dropped)" != 0 ] && echo "        lines dropped by the PMDA: $(v dropped)"
    [ -n "$(v running)" ] && [ "$(v running)" != None ] && [ "$(v running)" != "$(v procs_run)" ] && \
	echo "        pipe.command.running while streaming: $(v running), command processes: $(v procs_run)"
    [ "$(v running_after)" != "" ] && [ "$(v running_after)" != None ] && [ "$(v running_after)" != 0 ] && \
	echo "        pipe.command.running after all clients left: $(v running_after)"
    [ "$stop" = no ] && \
	echo "        commands not stopped: $(v procs_after) still running $stopsecs s after their clients left"
    [ -s $out.err ] && sed -e 's/^/        client: /' $out.err | tail -5
    if [ -n "$pmcd_died" ]; then
	# pmcd took its agents with it: start it again, wait for pipe
	start_pmcd && wait_for pipe_answers 30
    fi
    # what the step left: commands, cgroups, PMDA descriptors (the
    # client already waited $stopsecs s for the commands, unless it
    # stopped early)
    local w=30
    [ -n "$(v procs_after)" ] && w=5
    wait_for '[ $(ticks) -eq 0 ] && [ $(cgroups) -eq 0 ]' $w
    local lt=$(ticks) lc=$(cgroups)
    if [ "$lt" -ne 0 ] || [ "$lc" -ne 0 ]; then
	local lsh=$(pgrep -f "^sh -c /bin/bash $tmp/tick " | wc -l)
	echo "        LEFT BEHIND: $lt command processes ($lsh of them sh -c wrappers), $lc session cgroups (ended by the benchmark)"
	reap_leftovers || echo "        could not end them: $(ticks) command processes, $(cgroups) session cgroups remain"
    fi
    if [ -z "$pmda_died$pmcd_died" ] && [ "$(v fds_after)" != "$(v fds_base)" ]; then
	echo "        PMDA fds $(v fds_base) before the step, $(v fds_after) after"
    fi
    [ -z "$pmcd_died" ] && [ $sts -eq 0 ]
}

for n in $steps_n
do
    for k in $steps_k
    do
	for which in $pmdas
	do
	    if [ -n "$failed_at" ] && [ $n -gt $failed_at ]; then
		printf "$fmt" $which $n $k "" - - - - - - - - - - - - - - - "skipped: pmcd's limit was reached at $failed_at clients"
		continue
	    fi
	    run_step $n $k $which || true
	    if [ -z "$failed_at" ] && grep -q '^pmcd=died' $tmp/step.$n.$k.$which 2>/dev/null; then
		failed_at=$n
	    fi
	done
    done
done

if [ -z "$failed_at" ] && [ -n "$probe" ]; then
    # until failure: past pmcd's FD_SETSIZE
    for which in $pmdas
    do
	run_step $probe 1 $which ">lim" || true
	if [ -z "$failed_at" ] && grep -q '^pmcd=died' $tmp/step.$probe.1.$which 2>/dev/null; then
	    failed_at=$probe
	fi
    done
fi

echo
if [ -n "$failed_at" ]; then
    echo "pmcd's limit: pmcd aborted in the $failed_at-client step; it select()s on its clients"
    echo "(FD_SETSIZE 1024) and had $base_fds descriptors of its own: at most about $((1024 - base_fds)) clients."
else
    echo "pmcd did not fail up to $(echo $steps_n $probe | tr ' ' '\n' | sort -n | tail -1) clients."
fi

echo
echo "running: command processes while streaming.  all-lines: clients whose every command"
echo "delivered all its lines, in order, from the first on, at least one per 2 s.  flags-OK: clients"
echo "whose every command delivered records, the first with START, no later one with START or END."
echo "line/s: lines delivered per command per second (1 expected).  RSS0: PMDA before the step; idle:"
echo "with the clients connected and idle; B/client: (idle - RSS0) / clients in bytes; run: while"
echo "streaming.  fds: PMDA descriptors while streaming.  pmda%, pmcd%: CPU while streaming.  p99ms/"
echo "maxms: fetch latency seen by the clients.  stop: seconds from the clients' disconnect to no"
echo "command left (no: some still ran $stopsecs s later).  A PMDA's figures after it died are left out (-)."
