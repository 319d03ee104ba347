#!/bin/sh
# The checks of `make check-vm-systemd`, run inside the guest by
# pmdapipe-vmtest.service (scripts/vm/systemd-image.sh) from the per-run
# archive that scripts/vm/systemd-run.sh builds (this script as guest.sh,
# pmdapipe.deb, pipe.conf and the commands' scripts, all under /run/vmtest).
# Installs the project's package into the guest's pcp, Installs the agent
# into pmcd.service, and prints a PASS or FAIL line per check and then
# "check-vm-systemd: N passed, N failed" on the serial console.
# Clients are pcp's own, over local:: pminfo, and pmevent (which stores
# the parameters into pipe.firehose, starting the run, then fetches).
T=/run/vmtest
CG=/sys/fs/cgroup
SVC=$CG/system.slice/pmcd.service
PIPELOG=/var/log/pcp/pmcd/pipe.log
passed=0
failed=0

# each line with the guest's uptime, for where the time goes
now() { cut -d' ' -f1 /proc/uptime; }
pass() { echo "PASS: [$(now)] $*"; passed=$((passed + 1)); }
# a failure shows the client's output of the check ($out), if any
fail()
{
    echo "FAIL: [$(now)] $*"
    failed=$((failed + 1))
    [ -z "$out" ] || echo "$out" | tail -15 | sed 's/^/  | /'
}
# check DESCRIPTION COMMAND...: PASS when COMMAND succeeds; its status
check()
{
    desc=$1
    shift
    if "$@"; then pass "$desc"; return 0; fi
    fail "$desc"
    return 1
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds, polling (a guest
# under TCG is slow; there is no event to wait on for "pmcd answers")
wait_for()
{
    n=$(($1 * 5))
    shift
    while [ $n -gt 0 ]; do
	"$@" && return 0
	sleep 0.2
	n=$((n - 1))
    done
    return 1
}
# the agent: the only process named pmdapipe (supervisors are
# pmdapipe-super, commands have their own names)
agent_pid() { pgrep -o -x pmdapipe; }
containment() { pminfo -h local: -f pipe.containment 2>/dev/null | sed -n 's/^ *value "\(.*\)"$/\1/p'; }
agent_up() { [ -n "$(containment)" ]; }
# the records of one run of instance $1 with parameters $2: pmevent
# stores $2 into pipe.firehose (which starts it) and fetches every 0.25 s
# until the END record's exit status arrives (line-buffered to a file)
records()
{
    rec=$T/records.$1
    stdbuf -oL pmevent -h local: -t 0.25 -s 1000 -i "$1" -x "$2" pipe.firehose >$rec 2>&1 &
    ev=$!
    wait_for 60 grep -q 'pipe\.exitstatus' $rec
    kill $ev 2>/dev/null
    wait $ev 2>/dev/null
    cat $rec
}
exitstatus() { sed -n 's/^ *pipe\.exitstatus \([0-9-]*\)$/\1/p' | tail -1; }
# the session cgroup of instance $1 with a process in it, if any
run_cgroup()
{
    for d in "$SVC"/pmdapipe/"$1".*; do
	# (cgroup files have no size: read them)
	[ -n "$(cat "$d/cgroup.procs" 2>/dev/null)" ] && { echo "$d"; return 0; }
    done
    return 1
}
# a long run of sleeper for a client in the background: its cgroup, pid
start_sleeper()
{
    pmevent -h local: -t 1 -s 100000 -i sleeper -x 1000 pipe.firehose >/dev/null 2>&1 &
    client=$!
    wait_for 60 run_cgroup sleeper >/dev/null || return 1
    run=$(run_cgroup sleeper)
    runpid=$(head -1 "$run/cgroup.procs")
    [ -n "$runpid" ]
}
gone() { ! kill -0 "$1" 2>/dev/null; }
nobody_left() { [ -z "$(pgrep -u nobody)" ]; }

echo "check-vm-systemd: guest: kernel $(uname -r), $(systemctl --version | head -1), $(nproc) CPUs"
# -- the package and the agent
out=$(dpkg -i $T/pmdapipe.deb 2>&1)
check "dpkg -i pmdapipe.deb" [ $? = 0 ]
echo "$out" | grep '^pmdapipe:'
out=
check "the drop-in gives pmcd.service Delegate=yes" \
    [ "$(systemctl show -P Delegate pmcd)" = yes ]
# the postinst's daemon-reload delegates the running pmcd.service's cgroup
# (else it restarts pmcd.service)
check "after dpkg -i pmcd.service's cgroup is marked delegated (trusted.delegate)" \
    python3 -c "import os,sys; sys.exit(os.getxattr('$SVC', 'trusted.delegate') != b'1')"
wait_for 60 pminfo -h local: -f pmcd.version >/dev/null 2>&1
# what the root cgroup enables once systemd delegated pmcd.service's
# subtree (systemd itself enables the delegated controllers up the path):
# the agent changes nothing there
root_ctl=$(cat $CG/cgroup.subtree_control)
cp $T/pipe.conf /var/lib/pcp/pmdas/pipe/pipe.conf
chmod 644 /var/lib/pcp/pmdas/pipe/pipe.conf
(cd /var/lib/pcp/pmdas/pipe && ./Install </dev/null >$T/install.log 2>&1)
check "./Install: the agent answers" wait_for 60 agent_up
[ $failed -eq 0 ] || { cat $T/install.log; tail -20 $PIPELOG; }

# -- placement inside pmcd.service's delegated cgroup
agent=$(agent_pid)
echo "agent pid $agent: $(cat /proc/$agent/cgroup)"
check "the agent runs under pmcd.service (in its leaf daemon/)" \
    [ "$(cat /proc/$agent/cgroup)" = "0::/system.slice/pmcd.service/daemon" ]
check "pmcd itself moved into daemon/" \
    [ "$(cat /proc/$(systemctl show -P MainPID pmcd)/cgroup)" = "0::/system.slice/pmcd.service/daemon" ]
check "no process left in pmcd.service's own cgroup" [ -z "$(cat $SVC/cgroup.procs)" ]
echo "pmcd.service subtree_control: $(cat $SVC/cgroup.subtree_control)"
for c in memory pids cpu; do
    check "$c enabled for pmcd.service's children" \
	grep -qw $c $SVC/cgroup.subtree_control
done
check "the root cgroup's subtree_control unchanged ($root_ctl)" \
    [ "$(cat $CG/cgroup.subtree_control)" = "$root_ctl" ]
check "no pmdapipe/ at the root of the hierarchy" [ ! -e $CG/pmdapipe ]
check "pipe.containment is cgroup2 (got \"$(containment)\")" \
    [ "$(containment)" = cgroup2 ]

# -- limits
out=$(records mem 16)
check "memory = 64M: 16 MB fit" \
    sh -c 'echo "$1" | grep -q "allocated 16 MB" && [ "$(echo "$1" | sed -n "s/^ *pipe\.exitstatus \([0-9-]*\)$/\1/p")" = 0 ]' - "$out"
out=$(records mem 200)
st=$(echo "$out" | exitstatus)
check "memory = 64M: a 200 MB allocation dies (exit status $st)" \
    sh -c '! echo "$1" | grep -q "allocated" && [ -n "$2" ] && [ "$2" != 0 ]' - "$out" "$st"
out=$(records fork "")
got=$(echo "$out" | sed -n 's/.*"forked \([0-9]*\)".*/\1/p')
check "tasks = 8: the 9th process is refused (forked $got of 10 children)" [ "$got" = 7 ]
out=$(records fork0 "")
got=$(echo "$out" | sed -n 's/.*"forked \([0-9]*\)".*/\1/p')
check "without tasks: all 10 children (forked $got)" [ "$got" = 10 ]
out=$(records cpu "")
share=$(echo "$out" | sed -n 's/.*"share \([0-9.]*\)".*/\1/p')
check "cpu = 20%: a busy loop gets 10-35% of one CPU (got $share)" \
    python3 -c "import sys; sys.exit(not 0.10 <= float('${share:-9}') <= 0.35)"
out=$(records cpu0 "")
share=$(echo "$out" | sed -n 's/.*"share \([0-9.]*\)".*/\1/p')
check "without cpu: the busy loop gets more than 45% (got $share)" \
    python3 -c "import sys; sys.exit(not float('${share:-0}') > 0.45)"

# -- runs under pmcd.service, as systemd shows them
out=
if check "a long run starts (sleeper)" start_sleeper; then
    echo "run $runpid in ${run#$CG}"
    check "its cgroup is under pmcd.service/pmdapipe/" \
	[ "$(cat /proc/$runpid/cgroup)" = "0::${run#$CG}" ]
    check "systemctl status pmcd shows the run" \
	sh -c 'systemctl status --no-pager -l pmcd | grep -q "sleeper\." && systemctl status --no-pager -l pmcd | grep -q "sleep 1000"'
    check "systemd-cgls shows the run under pmcd.service" \
	sh -c "systemd-cgls --no-pager -u pmcd.service | grep -q 'sleeper\.' && systemd-cgls --no-pager -u pmcd.service | grep -q 'sleep 1000'"
    systemctl status --no-pager -l pmcd | sed -n '/CGroup:/,/^$/p'

    # -- the log names each start (before pmcd's next start rotates it)
    for i in mem fork fork0 cpu cpu0 sleeper; do
	check "pipe.log names the start of $i" \
	    grep -q "start: .* instance $i params" $PIPELOG
    done
    grep "start: .* instance sleeper" $PIPELOG | tail -1

    # -- systemctl restart: the run and its cgroup gone
    systemctl restart pmcd
    check "systemctl restart pmcd: the run's process is gone" gone "$runpid"
    check "systemctl restart pmcd: the run's cgroup is gone" [ ! -d "$run" ]
    check "systemctl restart pmcd: no process of nobody left" wait_for 10 nobody_left
    kill "$client" 2>/dev/null
    wait "$client" 2>/dev/null
    check "the agent is back after the restart" wait_for 60 agent_up
    agent=$(agent_pid)
    check "the new agent is in daemon/ again" \
	[ "$(cat /proc/$agent/cgroup)" = "0::/system.slice/pmcd.service/daemon" ]
    grep "containment:" $PIPELOG | tail -1
fi
if check "a long run starts again (sleeper)" start_sleeper; then
    # -- systemctl stop: nothing of the service left at all
    systemctl stop pmcd
    check "systemctl stop pmcd: the run's process is gone" gone "$runpid"
    check "systemctl stop pmcd: the run's cgroup is gone" [ ! -d "$run" ]
    check "systemctl stop pmcd: pmcd.service's cgroup is gone" [ ! -d "$SVC" ]
    check "systemctl stop pmcd: no process of nobody left" nobody_left
    kill "$client" 2>/dev/null
    wait "$client" 2>/dev/null
fi

echo "check-vm-systemd: $passed passed, $failed failed"
