#!/bin/sh
# Install the Debian 12 packages pmdapipe needs to build (also its Debian
# package: debhelper), run and test.  pcp's postinst calls systemctl, which
# fails on hosts without systemd as PID 1: scripts/no-systemd.sh runs apt
# with the work-around.
set -e
cd "$(dirname "$0")/.."

# qemu-system-x86, busybox-static, cpio: make check-vm; with mmdebstrap and
# e2fsprogs (mkfs.ext4 -d) also make check-vm-systemd's Debian image;
# sasl2-bin (saslpasswd2, saslauthd) and the SASL plugins: the qa tests of
# remote users authenticated by pmcd (scram-sha-256 from a sasldb, PAM
# through saslauthd); strace: qa/179 records the signals a supervisor
# sends; sudo: pmlogctl runs pmlogger_check through it (the pmlogger farm
# test)
PKGS="build-essential pkg-config pcp libpcp3-dev libpcp-pmda3-dev \
libcap-dev libcmocka-dev python3-pcp procps psmisc passwd util-linux \
clang clang-tools llvm libclang-rt-14-dev libelf-dev zlib1g-dev valgrind \
qemu-system-x86 busybox-static cpio mmdebstrap e2fsprogs debhelper dpkg-dev man-db \
sasl2-bin libsasl2-modules libsasl2-modules-db sudo strace"
# libbpf >= 1.3 (uprobe_multi links) and a bpftool that generates skeletons
# for it come from Debian's bookworm-backports suite
BPO_PKGS="libbpf-dev bpftool"
BPO_SOURCES=/etc/apt/sources.list.d/bookworm-backports.sources

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
    ./scripts/no-systemd.sh apt-get install -y --no-install-recommends $missing
fi
if [ -n "$bpo_missing" ]; then
    ./scripts/no-systemd.sh apt-get install -y --no-install-recommends \
	-t bookworm-backports $bpo_missing
fi
./scripts/no-systemd.sh dpkg --configure -a
