#!/bin/sh
#
# no-systemd.sh - run a package command (apt-get, apt, dpkg) so that pcp's
# maintainer scripts work on hosts with or without systemd as PID 1:
#
#	scripts/no-systemd.sh apt-get install -y pcp
#	scripts/no-systemd.sh apt-get install -y --reinstall pcp
#	scripts/no-systemd.sh dpkg --configure -a
#
# pcp's maintainer scripts call systemctl, which fails without systemd as
# PID 1.  A systemctl stub that does nothing, first on PATH (for apt-get
# and apt also on DPkg::Path, which apt sets for dpkg), and a policy-rc.d
# that forbids service starts and stops (exit 101) make them succeed and
# leave running daemons alone: pmcd keeps running through a reinstall of
# pcp.  Both are removed again afterwards; an existing policy-rc.d is left
# as it is.  Non-interactive (DEBIAN_FRONTEND=noninteractive).
#
set -e

[ $# -gt 0 ] || { echo "Usage: $0 apt-get|apt|dpkg ARGS..." >&2; exit 1; }

stubdir=$(mktemp -d)
cleanup()
{
    rm -rf "$stubdir"
    if [ -f /usr/sbin/policy-rc.d.pmdapipe ]; then
	rm -f /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.pmdapipe
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

printf '#!/bin/sh\nexit 0\n' > "$stubdir/systemctl"
chmod 755 "$stubdir/systemctl"
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    touch /usr/sbin/policy-rc.d.pmdapipe
fi

export DEBIAN_FRONTEND=noninteractive
export PATH="$stubdir:$PATH"
case "$1" in
apt-get|apt)
    cmd=$1
    shift
    set -- "$cmd" -q -o DPkg::Path="$PATH" "$@"
    ;;
esac
"$@"
