#
# hosts.sh - simulated PCP hosts on this machine, for the qa tests of
# many hosts (qa/19x) and bench/fanout.sh.  Source it from bash.
#
# A simulated host is a pmcd of its own, on localhost:PORT, with its own
# unix socket, pmcd.conf, PMNS (pmcd's and pipe's names only), pmcd.log and
# run directory, and pmcd -H NAME, so pmcd.hostname and the labels of
# archives made from it say NAME.  Its agents are pmcd's own DSO and a
# pmdapipe that this pmcd starts itself (not through the machine's
# pmdaroot: PMCD_ROOT_AGENT=0) with the host's own -c pipe.conf and
# -l pipe.log.  Nothing of the machine's own pmcd is used or changed.
#
#	hosts_init DIR [PMDA]	the hosts live under DIR (created, must not
#				exist); PMDA is the agent binary (default:
#				this tree's ./pmdapipe); $HOSTS_PMDA_ARGS are
#				more agent options, $HOSTS_PORT the first
#				port tried (44600), $HOSTS_PMCD_ENV more
#				VAR=value words for pmcd's environment (e.g.
#				PCP_SASL2_CONFIG_PATH=DIR: its SASL config)
#	hosts_add NAME [CONF]	a host NAME whose pipe.conf is the text CONF
#				(may be written later: hosts_dir NAME)
#	hosts_start		start every added host that is not running,
#				all at once; wait until each one's pipe
#				agent answers (1 and a message if one fails)
#	hosts_names		the names, in the order added
#	hosts_spec NAME		its host spec, localhost:PORT
#	hosts_dir NAME		its directory (pipe.conf, pipe.log, pmcd.log)
#	hosts_pmcd_pid NAME / hosts_pmda_pid NAME
#	hosts_stop [NAME...]	stop those (default: all) hosts: SIGTERM to
#				pmcd, whose agent then stops its commands;
#				waits until pmcd, agent and commands are gone
#	hosts_left		"pid args" of whatever of the hosts is still
#				alive: a pmcd, an agent, a process that ran
#				under one of them or in an agent's cgroup, or
#				one whose arguments name DIR
#	hosts_cleanup		hosts_stop, then kill (SIGKILL) and report
#				anything left; returns 1 when something was
#				left.  DIR is removed.
#
# The agent's processes show as DIR/pmdapipe (a symbolic link to PMDA),
# so they are never taken for the machine's own pipe agent.  A pmcd
# started here gets no open descriptor but its standard ones (the QA lock
# must not be inherited).
#

_hosts_here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HOSTS_DIR=
HOSTS_PMDA=
HOSTS_PMDA_ARGS=${HOSTS_PMDA_ARGS:-}
HOSTS_PORT=${HOSTS_PORT:-44600}
HOSTS_PMCD_ENV=${HOSTS_PMCD_ENV:-}
_hosts_names=()

_hosts_msg()
{
    echo "hosts: $*" >&2
}

hosts_init()
{
    local pcpenv=/etc/pcp.env

    [ -z "${PCP_PMDAS_DIR:-}" ] && . $pcpenv
    HOSTS_DIR=$1
    HOSTS_PMDA=${2:-$_hosts_here/pmdapipe}
    _hosts_names=()
    [ -e "$HOSTS_DIR" ] && { _hosts_msg "$HOSTS_DIR exists"; return 1; }
    [ -x "$HOSTS_PMDA" ] || { _hosts_msg "no agent $HOSTS_PMDA"; return 1; }
    mkdir -p "$HOSTS_DIR" || return 1
    # pmcd reads the agent's configuration files after it stopped being root
    chmod 755 "$HOSTS_DIR"
    ln -s "$HOSTS_PMDA" "$HOSTS_DIR/pmdapipe"
    # pmcd's own names and pipe's, nothing else
    {
	echo "#define PIPE 128"
	echo "root { pmcd pipe }"
	sed -e '/^root {/,/^}/d' "$PCP_VAR_DIR/pmns/root_pmcd"
	cat "$_hosts_here/pmns"
    } >"$HOSTS_DIR/pmns"
    : >"$HOSTS_DIR/ports"
}

# listening TCP ports (decimal), from /proc/net/tcp and tcp6
_hosts_listening()
{
    local sl addr rem st rest
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | \
    while read -r sl addr rem st rest; do
	[ "$st" = 0A ] && echo $((16#${addr##*:}))
    done
}

_hosts_free_port()
{
    local p=$HOSTS_PORT used

    used=" $(_hosts_listening | tr '\n' ' ') $(tr '\n' ' ' <"$HOSTS_DIR/ports") "
    while [ "${used#* $p }" != "$used" ]; do
	p=$((p + 1))
    done
    echo $p
}

hosts_add()
{
    local name=$1 conf=${2:-} d port

    case $name in
	*[!A-Za-z0-9_.-]*|'') _hosts_msg "bad host name \"$name\""; return 1 ;;
    esac
    d=$HOSTS_DIR/$name
    mkdir "$d" || return 1
    chmod 755 "$d"
    port=$(_hosts_free_port)
    echo $port >>"$HOSTS_DIR/ports"
    echo $port >"$d/port"
    printf '%s\n' "$conf" >"$d/pipe.conf"
    cat >"$d/pmcd.conf" <<EOF
# simulated host $name: pmcd's own agent and this tree's pmdapipe
pmcd	2	dso	pmcd_init	$PCP_PMDAS_DIR/pmcd/pmda_pmcd.so
pipe	128	pipe	binary		$HOSTS_DIR/pmdapipe -d 128 -c $d/pipe.conf -l $d/pipe.log $HOSTS_PMDA_ARGS

[access]
# it stands for a remote host whose pmcd lets the client network store
allow hosts * : all;
EOF
    _hosts_names+=("$name")
}

hosts_names()
{
    local n
    for n in "${_hosts_names[@]}"; do
	echo "$n"
    done
}

hosts_dir()
{
    echo "$HOSTS_DIR/$1"
}

hosts_spec()
{
    echo "localhost:$(cat "$HOSTS_DIR/$1/port")"
}

hosts_pmcd_pid()
{
    cat "$HOSTS_DIR/$1/pmcd.pid" 2>/dev/null
}

# the agent pmcd runs for it now
hosts_pmda_pid()
{
    local p
    p=$(hosts_pmcd_pid "$1")
    [ -n "$p" ] && ps -o pid= -o args= --ppid "$p" 2>/dev/null | \
	awk -v exe="$HOSTS_DIR/pmdapipe" '$2 == exe { print $1; exit }'
}

_hosts_alive()
{
    local st
    [ -n "$1" ] || return 1
    st=$(ps -o stat= -p "$1" 2>/dev/null)
    [ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

_hosts_answers()
{
    pminfo -h "$(hosts_spec "$1")" -f pipe.numclients 2>/dev/null | grep -q 'value [0-9]'
}

hosts_start()
{
    local n d i waiting failed=0

    for n in "${_hosts_names[@]}"; do
	d=$HOSTS_DIR/$n
	_hosts_alive "$(hosts_pmcd_pid "$n")" && continue
	rm -f "$d/pmcd.log" "$d/pipe.log"
	# -f: pmcd stays our child, so its pid is $!
	( cd "$d" && exec env PCP_RUN_DIR="$d" PMCD_ROOT_AGENT=0 \
		PCP_PMCDCONF_PATH="$d/pmcd.conf" $HOSTS_PMCD_ENV \
		"$PCP_BINADM_DIR/pmcd" -f -A -p "$(cat "$d/port")" \
		-s "$d/pmcd.socket" -c "$d/pmcd.conf" -l "$d/pmcd.log" \
		-n "$HOSTS_DIR/pmns" -H "$n" -x "$d/pmcd.err" ) \
	    </dev/null >"$d/pmcd.out" 2>&1 9>&- &
	echo $! >"$d/pmcd.pid"
    done
    # all start at once; wait for each in turn (60 s in all)
    for ((i = 0; i < 600; i++)); do
	waiting=""
	for n in "${_hosts_names[@]}"; do
	    [ -f "$HOSTS_DIR/$n/up" ] && continue
	    if ! _hosts_alive "$(hosts_pmcd_pid "$n")"; then
		_hosts_msg "$n: pmcd exited; its log:"
		cat "$HOSTS_DIR/$n/pmcd.log" "$HOSTS_DIR/$n/pmcd.err" >&2 2>/dev/null
		failed=1
		touch "$HOSTS_DIR/$n/up"
	    elif _hosts_answers "$n"; then
		touch "$HOSTS_DIR/$n/up"
	    else
		waiting="$waiting $n"
	    fi
	done
	[ -z "$waiting" ] && break
	sleep 0.1
    done
    if [ -n "$waiting" ]; then
	_hosts_msg "no answer from the pipe agent of:$waiting"
	return 1
    fi
    return $failed
}

# pid and start time of every process below the hosts' pmcds (agents and
# their commands, which run in their own sessions but stay the agent's
# children) and of every process in the agents' cgroups
_hosts_snapshot()
{
    local n p pids=""

    for n in "${_hosts_names[@]}"; do
	p=$(hosts_pmcd_pid "$n")
	_hosts_alive "$p" && pids="$pids $p"
	p=$(hosts_pmda_pid "$n")
	[ -n "$p" ] && echo "$p" >>"$HOSTS_DIR/$n/pmda.pids"
    done
    ps -e -o pid= -o ppid= | awk -v roots="$pids" '
	BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
	{ parent[$1] = $2 }
	END {
	    do {
		more = 0
		for (p in parent)
		    if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; more = 1 }
	    } while (more)
	    for (p in keep) print p
	}'
    _hosts_cgprocs
}

# the processes in the cgroups of every agent the hosts have had
_hosts_cgprocs()
{
    local n p cgbase

    for n in "${_hosts_names[@]}"; do
	cgbase=$(_hosts_cgbase "$n")
	[ -n "$cgbase" ] || continue
	for p in $(sort -u "$HOSTS_DIR/$n/pmda.pids" 2>/dev/null); do
	    cat "$cgbase"/*."$p"/cgroup.procs 2>/dev/null
	done
    done
}

# where the host's agent puts its commands' cgroups (from its log)
_hosts_cgbase()
{
    sed -n -e 's/.*containment: [^ ]*: commands run under \([^ ,]*\).*/\1/p' \
	"$HOSTS_DIR/$1/pipe.log" 2>/dev/null | tail -1
}

hosts_stop()
{
    local n p i all=() left

    [ $# -gt 0 ] && all=("$@") || all=("${_hosts_names[@]}")
    _hosts_snapshot | sort -u | while read -r p; do
	[ -n "$p" ] && echo "$p $(awk '{ print $22 }' /proc/$p/stat 2>/dev/null)"
    done >>"$HOSTS_DIR/procs"
    for n in "${all[@]}"; do
	p=$(hosts_pmcd_pid "$n")
	_hosts_alive "$p" && kill -TERM "$p" 2>/dev/null
	rm -f "$HOSTS_DIR/$n/up"
    done
    # an agent gives a command that ignores SIGTERM its grace period (-k)
    for ((i = 0; i < 300; i++)); do
	left=""
	for n in "${all[@]}"; do
	    _hosts_alive "$(hosts_pmcd_pid "$n")" && left="$left $n"
	done
	[ -z "$left" ] && break
	sleep 0.1
    done
    # reap the pmcds (our children)
    for n in "${all[@]}"; do
	wait "$(hosts_pmcd_pid "$n")" 2>/dev/null
    done
    [ -z "$left" ] || _hosts_msg "pmcd still running after 30 s:$left"
    for ((i = 0; i < 300; i++)); do
	[ -z "$(hosts_left)" ] && return 0
	sleep 0.1
    done
    return 1
}

hosts_left()
{
    local p st

    [ -n "$HOSTS_DIR" ] || return 0
    {
	# what ran below the pmcds, if it is still the same process
	[ -f "$HOSTS_DIR/procs" ] && while read -r p st; do
	    [ "$(awk '{ print $22 }' /proc/$p/stat 2>/dev/null)" = "$st" ] && echo $p
	done <"$HOSTS_DIR/procs"
	_hosts_cgprocs
	ps -e -o pid= -o args= | awk -v d="$HOSTS_DIR/" 'index($0, d) && !/awk/ { print $1 }'
    } | sort -u -n | while read -r p; do
	[ "$p" = "$$" ] && continue
	_hosts_alive "$p" && echo "$p $(ps -o args= -p "$p")"
    done
}

hosts_cleanup()
{
    local left sts=0

    [ -n "$HOSTS_DIR" ] && [ -d "$HOSTS_DIR" ] || return 0
    hosts_stop || sts=1
    left=$(hosts_left)
    if [ -n "$left" ]; then
	_hosts_msg "left behind (killed now):"
	echo "$left" | sed -e 's/^/    /' >&2
	echo "$left" | awk '{ print $1 }' | xargs -r kill -KILL 2>/dev/null
	sts=1
    fi
    rm -rf "$HOSTS_DIR"
    HOSTS_DIR=
    _hosts_names=()
    return $sts
}
