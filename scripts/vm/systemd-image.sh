#!/bin/sh
# The base image `make check-vm-systemd` boots: Debian 12 with systemd as
# PID 1, Debian's pcp (pmcd.service enabled) and what this project's .deb
# needs, built with mmdebstrap from the Debian archive and cached OUTSIDE
# the tree, in $VM_CACHE (default /var/cache/pmdapipe-vm), under a key of
# this script's contents (the package list, the hooks, the guest's unit),
# so that repeated runs and other clones reuse it (a build removes those
# no run used for 14 days):
#
#   $VM_CACHE/debian12-KEY/root.img   ext4 root filesystem (raw; booted
#                                     with snapshot=on, so never written)
#   $VM_CACHE/debian12-KEY/vmlinuz    the image's kernel and initrd, for
#   $VM_CACHE/debian12-KEY/initrd.img qemu's direct -kernel boot
#
# Prints the directory.  The project's .deb and the checks are not in the
# image: scripts/vm/systemd-run.sh hands them in per run on a second disk
# (a tar archive the guest's pmdapipe-vmtest.service unpacks and runs).
set -e

CACHE=${VM_CACHE:-/var/cache/pmdapipe-vm}
MIRROR=http://deb.debian.org/debian
# --variant=minbase plus: systemd as init, a kernel (modules for the
# initrd), pcp, and the backported libbpf1 the project's .deb links with
PKGS="systemd systemd-sysv udev kmod linux-image-amd64 initramfs-tools
procps pcp libbpf1/bookworm-backports libcap2 libelf1 zlib1g"
# (pcp's postinst runs systemctl, which fails in a chroot: a stub that
# does nothing is first on dpkg's PATH while packages are installed)
# units of the base image that only cost boot time in a test guest
MASK="pmlogger.service pmie.service pmproxy.service pmfind.service
pmlogger_check.timer pmlogger_daily.timer pmlogger_farm_check.timer
pmie_check.timer pmie_daily.timer pmie_farm_check.timer pmfind.timer
apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer
serial-getty@ttyS0.service getty@tty1.service systemd-timesyncd.service
logrotate.timer dpkg-db-backup.timer"

key=$(grep -v '^ *#' "$0" | sha256sum | cut -c1-16)
dir=$CACHE/debian12-$key
if [ -f "$dir/done" ]; then
    touch "$dir/done"		# in use: see the pruning below
    echo "$dir"
    exit 0
fi
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9
if [ -f "$dir/done" ]; then		# another run built it meanwhile
    echo "$dir"
    exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
start=$(date +%s)
echo "systemd-image: building $dir (mmdebstrap; log: $dir/build.log)" >&2

# the guest's test runner: unpack the per-run tar archive of /dev/vdb and
# run its guest.sh (with sh: /run is noexec), its output on the serial
# console; power off after
cat > "$dir/pmdapipe-vmtest.service" <<'EOU'
[Unit]
Description=pmdapipe check-vm-systemd checks
After=pmcd.service multi-user.target
Wants=pmcd.service
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'mkdir -p /run/vmtest && tar -xf /dev/vdb -C /run/vmtest && exec /bin/sh /run/vmtest/guest.sh'
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOU

if ! mmdebstrap --variant=minbase --mode=root \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--aptopt='APT::Install-Recommends "false"' \
	--aptopt='DPkg::Path "/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"' \
	--include="$(echo $PKGS | tr ' ' ',')" \
	--essential-hook='printf "#!/bin/sh\nexit 0\n" > "$1/usr/local/sbin/systemctl"' \
	--essential-hook='chmod 755 "$1/usr/local/sbin/systemctl"' \
	--customize-hook='rm -f "$1/usr/local/sbin/systemctl"' \
	--customize-hook='echo pmdapipe-vm > "$1/etc/hostname"' \
	--customize-hook=': > "$1/etc/fstab"' \
	--customize-hook="systemctl --root=\"\$1\" mask $(echo $MASK)" \
	--customize-hook="cp '$dir/pmdapipe-vmtest.service' \"\$1/etc/systemd/system/\"" \
	--customize-hook='systemctl --root="$1" enable pmcd.service pmdapipe-vmtest.service' \
	--customize-hook="cp -L \"\$1/vmlinuz\" '$dir/vmlinuz'" \
	--customize-hook="cp -L \"\$1/initrd.img\" '$dir/initrd.img'" \
	--customize-hook='rm -rf "$1/var/cache/apt/archives/"*.deb "$1/var/lib/apt/lists/"*' \
	bookworm "$dir/root" \
	"deb $MIRROR bookworm main" \
	"deb $MIRROR bookworm-updates main" \
	"deb http://deb.debian.org/debian-security bookworm-security main" \
	"deb $MIRROR bookworm-backports main" >"$dir/build.log" 2>&1; then
    tail -30 "$dir/build.log" >&2
    echo "systemd-image: mmdebstrap failed (log: $dir/build.log)" >&2
    exit 1
fi
# a sparse raw ext4 image of the tree, no loop mount needed (its
# "Creating regular file" must not reach stdout: that is our answer)
mkfs.ext4 -q -F -L root -d "$dir/root" "$dir/root.img" 3G >>"$dir/build.log" 2>&1
rm -rf "$dir/root"
touch "$dir/done"
# images of other versions of this script (other branches, clones) that
# no run used for 14 days
find "$CACHE" -mindepth 2 -maxdepth 2 -path "$CACHE/debian12-*/done" \
    -mtime +14 -printf '%h\n' | xargs -r rm -rf
echo "systemd-image: built in $(($(date +%s) - start)) s" >&2
echo "$dir"
