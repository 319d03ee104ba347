#!/bin/bash
#
# qa-run.sh - install this tree's build and run the qa/ suite against it,
# holding the QA lock throughout so a benchmark or another run cannot
# swap the PMDA in between (make qa, make qa-asan).
#
#	scripts/qa-run.sh [--asan] [NNN ...]
#
# The agent is installed by this tree's Debian package (debian/): when it
# is not installed, or not at this tree's version, scripts/pkg-install.sh
# builds it (before the lock is taken) and installs it; then "make
# install" puts this tree's build over the package's files, so that
# uncommitted changes are tested too.
#
# --asan checks that build/asan/sanitizer_selftest's findings reach the
# report directory, installs build/asan/pmdapipe (ASan+UBSan, clang: its
# one runtime honours log_path for both) for the run, puts the
# plain build back afterwards and fails when the sanitizers reported
# anything.  The lock is held by a flock(1) parent process (-o): neither
# the tests nor a pmcd they restart inherit its descriptor.
#
here=$(cd "$(dirname "$0")/.." && pwd)
lock=/run/lock/pmdapipe-qa.lock
[ -d /run/lock ] && [ -w /run/lock ] || lock=/tmp/pmdapipe-qa.lock

if [ -z "$PIPEQA_LOCKED" ]; then
    # the package build needs no lock: do it before waiting for one
    "$here/scripts/pkg-install.sh" --build || exit 1
    export PIPEQA_LOCKED=1
    flock -n -o -E 75 "$lock" "$0" "$@"
    sts=$?
    [ $sts -ne 75 ] && exit $sts
    echo "$0: waiting for another QA run or benchmark to finish ..." >&2
    exec flock -o "$lock" "$0" "$@"
fi

asan=false
if [ "$1" = --asan ]; then
    asan=true
    shift
fi
. /etc/pcp.env
# under the lock: a run that restarts pmcd (qa/180, 190) must not meet a
# second pmcd started by another run's start-up
"$here/scripts/start-pmcd.sh" || exit 1
pmdadir=$PCP_PMDAS_DIR/pipe
kitdir=$PCP_PMDASADM_DIR/pipe
reports=/var/tmp/pmdapipe-asan

# the running agent must be the one installed: ./Install restarts it
reinstall()
{
    (cd $pmdadir && ./Install </dev/null >/dev/null 2>&1) ||
	{ echo "$0: ./Install in $pmdadir failed" >&2; return 1; }
}

cd "$here" || exit 1
mkdir -p build
./scripts/pkg-install.sh >build/pkg-install.log 2>&1 ||
    { cat build/pkg-install.log; echo "$0: installing the package failed" >&2; exit 1; }
make -s install || exit 1
if $asan; then
    for f in pmdapipe sanitizer_selftest; do
	[ -x build/asan/$f ] || { echo "$0: build build/asan/$f first" >&2; exit 1; }
    done
    # both kinds of finding must reach $reports, or the check below is blind
    for kind in ub asan; do
	rm -rf $reports && mkdir -p $reports
	build/asan/sanitizer_selftest $kind 2>/dev/null
	grep -qs -e 'runtime error:' -e 'ERROR: AddressSanitizer' $reports/* ||
	    { echo "$0: a $kind finding left no report in $reports" >&2; exit 1; }
    done
    rm -rf $reports && mkdir -p $reports
    rm -f $kitdir/pmdapipe
    install -m 755 build/asan/pmdapipe $kitdir/pmdapipe
    reinstall || exit 1
    (cd qa && PIPEQA_SANITIZER=asan ./check "$@")
    sts=$?
    rm -f $kitdir/pmdapipe
    install -m 755 "$here/pmdapipe" $kitdir/pmdapipe
    reinstall
    if ls $reports/* >/dev/null 2>&1; then
	echo "sanitizer reports:"
	cat $reports/*
	exit 1
    fi
    echo "sanitizers: no reports"
    exit $sts
fi
reinstall || exit 1
cd qa && exec ./check "$@"
