#!/bin/sh
# Install the Debian 12 packages pmdapipe needs to build, run and test.
# pcp's postinst calls systemctl (apt resets PATH for dpkg: DPkg::Path), which fails on hosts without systemd as
# PID 1: a temporary systemctl stub and a policy-rc.d that forbids service
# starts make the install succeed; both are removed again afterwards.
set -e

PKGS="build-essential pkg-config pcp libpcp3-dev libpcp-pmda3-dev \
libcap-dev libcmocka-dev python3-pcp procps psmisc passwd util-linux"

stubdir=$(mktemp -d)
cleanup()
{
    rm -rf "$stubdir"
    if [ -f /usr/sbin/policy-rc.d.pmdapipe ]; then
	rm -f /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.pmdapipe
    fi
}
trap cleanup EXIT

printf '#!/bin/sh\nexit 0\n' > "$stubdir/systemctl"
chmod 755 "$stubdir/systemctl"
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    touch /usr/sbin/policy-rc.d.pmdapipe
fi

export DEBIAN_FRONTEND=noninteractive
export PATH="$stubdir:$PATH"

missing=""
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    # unreachable third-party sources must not stop us
    apt-get update -q || true
    apt-get install -y -q --no-install-recommends \
	-o DPkg::Path="$PATH" $missing
fi
dpkg --configure -a
