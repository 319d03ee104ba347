#!/bin/sh
# Install the Debian 12 packages pmdapipe needs to build, run and test.
# pcp's postinst calls systemctl (apt resets PATH for dpkg: DPkg::Path), which fails on hosts without systemd as
# PID 1: a temporary systemctl stub and a policy-rc.d that forbids service
# starts make the install succeed; both are removed again afterwards.
set -e

PKGS="build-essential pkg-config pcp libpcp3-dev libpcp-pmda3-dev \
libcap-dev libcmocka-dev python3-pcp procps psmisc passwd util-linux \
clang clang-tools llvm libclang-rt-14-dev libelf-dev zlib1g-dev valgrind \
qemu-system-x86 busybox-static cpio"
# libbpf >= 1.3 (uprobe_multi links) and a bpftool that generates skeletons
# for it come from Debian's bookworm-backports suite
BPO_PKGS="libbpf-dev bpftool"
BPO_SOURCES=/etc/apt/sources.list.d/bookworm-backports.sources

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

if ! grep -rqs '^Suites:.*bookworm-backports' /etc/apt/sources.list.d/ &&
   ! grep -qs 'bookworm-backports' /etc/apt/sources.list; then
    cat > "$BPO_SOURCES" <<'EOS'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
    updated=no
fi

missing=""
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
bpo_missing=""
for p in $BPO_PKGS; do
    # the bookworm versions are too old: require the backported ones
    case "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)" in
    *bpo12*) ;;
    *) bpo_missing="$bpo_missing $p" ;;
    esac
done
if [ -n "$missing$bpo_missing" ] || [ "${updated:-}" = no ]; then
    # unreachable third-party sources must not stop us
    apt-get update -q || true
fi
if [ -n "$missing" ]; then
    apt-get install -y -q --no-install-recommends \
	-o DPkg::Path="$PATH" $missing
fi
if [ -n "$bpo_missing" ]; then
    apt-get install -y -q --no-install-recommends -t bookworm-backports \
	-o DPkg::Path="$PATH" $bpo_missing
fi
dpkg --configure -a
