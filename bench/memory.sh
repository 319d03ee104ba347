#!/bin/bash
#
# bench/memory.sh - what one user can make the PMDA (and the machine)
# hold, and whether the PMDA gives it back: the stock pipe PMDA and
# pmdapipe (default budget: -M 256M, -S a quarter, -R 16, -P 4) side by
# side, in the same pmcd.  Run as root after "make install".
#
#	bench/memory.sh [-n CLIENTS] [-r RUNS] [-P stock|ours|both]
#
# For each PMDA, as one unprivileged user (pipebench, created and removed
# here):
#
#   idle     the PMDA's RSS after a warm-up (20 clients, one run each)
#   partial  CLIENTS (200) contexts each start a command that prints
#            1 MiB without a newline and waits: the PMDA's RSS once it has
#            read everything (each started command's pipe empty; ours
#            starts -R of them, 16, and refuses the rest)
#   after    the same once they have disconnected and their commands
#            ended (the lowest RSS within 10 s)
#   flood    CLIENTS contexts running a flood of 36-byte lines nobody
#            fetches for 5 s, then after they left, as above
#   memtrack RUNS (20) memtracker runs (pmpipe-memtrack, summary mode) by
#            that user on its own process: how many started, and how much
#            memory the machine lost to them (MemAvailable) and the PMDA
#
set -u
. "$(dirname "$0")/common.sh"
nclients=200
nruns=20
which=both
while getopts n:r:P: c
do
    case $c in
	n) nclients=$OPTARG ;;
	r) nruns=$OPTARG ;;
	P) which=$OPTARG ;;
	*) echo "Usage: $0 [-n CLIENTS] [-r RUNS] [-P stock|ours|both]" >&2; exit 1 ;;
    esac
done
bench_pmdas $which
client=$here/qa/src/pipeclient
# (not python3 by PATH: root's may be one the bench user cannot run)
python=/usr/bin/python3
memtrack=$dir/pmpipe-memtrack
user=pipebench

make -s -C "$here" build/flood || exit 1
bench_lock
bench_save

tmp=$(mktemp -d /tmp/pipe-mem.XXXXXX)
chmod 755 $tmp
install -m 755 $here/build/flood $tmp/flood
made_user=false
if ! getent passwd $user >/dev/null; then
    useradd -r -M -d /nonexistent -s /usr/sbin/nologin $user || exit 1
    made_user=true
fi
holders=""
cleanup()
{
    [ -n "$holders" ] && kill $holders 2>/dev/null
    stop_leftovers
    $made_user && userdel -f $user 2>/dev/null
    rm -rf "$tmp"
}
bench_cleanup=cleanup

# the stock agent reads command lines only, and has no capabilities to
# give: its memtracker runs as root
common="\
quick	nobody	echo \$0
part	nobody	head -c 1048576 /dev/zero | tr '\\0' x; exec sleep 987150
flood	nobody	$tmp/flood 5 /dev/null"
printf '%s\nmemtrack\troot\t%s -m summary $1\n' "$common" $memtrack > $tmp/stock.conf
printf '%s\nmemtrack\tnobody\t%s -m summary $1\n\n[options memtrack]\ncaps = cap_bpf,cap_perfmon\npidparam = 1\n' \
    "$common" $memtrack > $tmp/ours.conf

leftover_re="sleep 987150$|^$tmp/flood|$memtrack"

rss()
{
    awk '/^VmRSS:/ { print $2 }' /proc/$(pmda_pid)/status
}

avail()
{
    awk '/^MemAvailable:/ { print $2 }' /proc/meminfo
}

used()
{
    pminfo -h local: -f pipe.memory.used 2>/dev/null | sed -n -e 's/^ *value //p'
}

# bytes unread in the stdout pipes of the processes matching $1
unread()
{
    $python - $(pgrep -f "$1") <<'EOP'
import fcntl, os, struct, sys, termios
total = 0
for pid in sys.argv[1:]:
    try:
        fd = os.open("/proc/%s/fd/1" % pid, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        continue
    try:
        total += struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD,
                                                struct.pack("i", 0)))[0]
    finally:
        os.close(fd)
print(total)
EOP
}

# hold N ARGS...: the client as $user, N contexts each running ARGS, then
# holding them; waits until it paused
hold()
{
    local n=$1 i=0 args=()
    shift
    while [ $i -lt $n ]; do
	args+=(ctx c$i "$@")
	i=$((i + 1))
    done
    : > $tmp/holder
    setpriv --reuid=$user --regid=$(id -g $user) --init-groups \
	$python $client "${args[@]}" pause >> $tmp/holder 2>&1 &
    holder=$!
    holders="$holders $holder"
    wait_for "grep -q '^paused' $tmp/holder || ! kill -0 $holder 2>/dev/null" 120
    grep -q '^paused' $tmp/holder || {
	echo "$0: $pmda: the client did not get through its stores:" >&2
	tail -5 $tmp/holder >&2
	exit 1
    }
    started=$(grep -c ': ok$' $tmp/holder)
}

release()
{
    kill -USR1 $holder 2>/dev/null
    wait $holder 2>/dev/null
}

# the lowest RSS within 10 s once the commands are gone
settle()
{
    local low i=0 r
    wait_for '[ $(leftover) -eq 0 ]' 30
    low=$(rss)
    while [ $i -lt 20 ]; do
	sleep 0.5
	r=$(rss)
	[ $r -lt $low ] && low=$r
	i=$((i + 1))
    done
    echo $low
}

results=$tmp/results
: > $results
for pmda in $pmdas; do
    install_$pmda $tmp/$pmda.conf
    hold 20 store quick x
    release
    idle=$(settle)

    hold $nclients store part x
    pstarted=$started
    wait_for "[ \$(pgrep -f 'sleep 987150$' | wc -l) -ge $pstarted ] && \
	      [ \$(unread 'sleep 987150$') -eq 0 ]" 60 ||
	echo "$0: $pmda: the PMDA left lines of 1 MiB unread for 60 s" >&2
    partial=$(rss)
    pused=$(used)
    release
    after=$(settle)

    hold $nclients store flood x
    fstarted=$started
    sleep 5
    flood=$(rss)
    fused=$(used)
    release
    fafter=$(settle)

    # the user's own process to track
    setpriv --reuid=$user --regid=$(id -g $user) --init-groups sleep 600 &
    target=$!
    holders="$holders $target"
    a0=$(avail)
    r0=$(rss)
    hold $nruns store memtrack $target
    ok=$started
    refused=$(grep -c 'Resource temporarily unavailable' $tmp/holder)
    sleep 5		# the memtrackers load and size their maps
    mused=$(( ($a0 - $(avail)) / 1024 ))
    mrss=$(( ($(rss) - $r0) / 1024 ))
    release
    kill $target 2>/dev/null
    wait $target 2>/dev/null
    wait_for '[ $(leftover) -eq 0 ]' 30
    stop_leftovers
    echo "$pmda|$idle|$pstarted|$partial|${pused:--}|$after|$fstarted|$flood|${fused:--}|$fafter|$ok|$refused|$mused|$mrss" >> $results
done

row()
{
    printf "%-5s %8s %5s %10s %10s %8s %5s %9s %10s %8s %5s %7s %7s %7s\n" "$@"
}
echo
echo "PMDA memory, one user ($nclients contexts; $nruns memtracker runs; $(nproc) cores;" \
    "load before: $(cut -d' ' -f1-3 /proc/loadavg))"
row pmda "idle kB" runs "partial kB" "charged" "after kB" runs "flood kB" "charged" "after kB" \
    "mt ok" refused "mt MiB" "rss MiB"
IFS='|'
while read -r p i ps pa pu a fs f fu fa ok rf mu mr; do
    row "$p" "$i" "$ps" "$pa" "$pu" "$a" "$fs" "$f" "$fu" "$fa" "$ok" "$rf" "$mu" "$mr"
done < $results
unset IFS
echo
echo "partial: RSS with the started runs' lines of 1 MiB held (runs: of $nclients stores);"
echo "flood: after 5 s of the started floods; charged: pipe.memory.used then (ours);"
echo "after: lowest RSS within 10 s of the clients leaving; mt ok/refused: memtracker"
echo "stores that started/were refused; mt MiB: MemAvailable lost while they ran;"
echo "rss MiB: the PMDA's RSS growth then."
