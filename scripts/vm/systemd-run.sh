#!/bin/sh
# make check-vm-systemd: boot the cached Debian 12 image (systemd as PID
# 1, pcp; scripts/vm/systemd-image.sh) under qemu with this tree's .deb
# and the checks (scripts/vm/systemd-guest.sh) on a second disk, print the
# serial console, and fail on any FAIL line, a missing summary or a
# timeout.  The root image is attached with snapshot=on: every run starts
# from the same, unchanged base image.  The .deb is the one make deb left
# in build/ (the GNUmakefile builds it first).  TCG by default, VM_ACCEL=kvm
# for /dev/kvm; VM_TIMEOUT (default 480 s) bounds the boot and the checks.
set -e

VM=build/vm-systemd
TIMEOUT=${VM_TIMEOUT:-480}
ACCEL=${VM_ACCEL:-tcg}
LOG=$VM/console.log

start=$(date +%s)
img=$(./scripts/vm/systemd-image.sh)
deb=$(./scripts/deb.sh --file)
if [ ! -f "$deb" ]; then
    echo "check-vm-systemd: FAIL: no $deb (make deb)" >&2
    exit 1
fi

# the per-run disk: a tar archive the guest unpacks into /run/vmtest
rm -rf "$VM/payload"
mkdir -p "$VM/payload"
cp "$deb" "$VM/payload/pmdapipe.deb"
cp scripts/vm/systemd-guest.sh "$VM/payload/guest.sh"
cp scripts/vm/systemd-pipe.conf "$VM/payload/pipe.conf"
cp scripts/vm/systemd-fork.py "$VM/payload/fork.py"
cp scripts/vm/systemd-spin.py "$VM/payload/spin.py"
chmod 755 "$VM/payload/guest.sh"
tar -cf "$VM/payload.tar" -C "$VM/payload" .
rm -rf "$VM/payload"

rm -f "$LOG" "$VM/qemu.status"
booted=$(date +%s)
{
    sts=0
    timeout "$TIMEOUT" qemu-system-x86_64 -accel "$ACCEL" -nographic -no-reboot \
	-m 1536 -smp 2 -nic none \
	-kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
	-drive file="$img/root.img",format=raw,if=virtio,snapshot=on \
	-drive file="$VM/payload.tar",format=raw,if=virtio,readonly=on \
	-append "console=ttyS0 root=/dev/vda rw quiet panic=-1 loglevel=3 systemd.show_status=0 net.ifnames=0" \
	</dev/null 2>&1 || sts=$?
    echo $sts > "$VM/qemu.status"
} | sed -u -e 's/\r//g' -e 's/\x1b[^a-zA-Z]*[a-zA-Z]//g' | tee "$LOG"
qemu_sts=$(cat "$VM/qemu.status")
end=$(date +%s)
secs="$((end - start)) s, boot and checks $((end - booted)) s"

summary=$(grep -E '^check-vm-systemd: [0-9]+ passed, [0-9]+ failed$' "$LOG" | tail -1)
if grep -q '^FAIL:' "$LOG"; then
    echo "check-vm-systemd: FAIL: $(grep -c '^FAIL:' "$LOG") check(s) failed ($secs):"
    grep '^FAIL:' "$LOG"
    exit 1
fi
if [ "$qemu_sts" = 124 ]; then
    echo "check-vm-systemd: FAIL: the VM did not finish within $TIMEOUT s"
    exit 1
fi
case "$summary" in
"")
    echo "check-vm-systemd: FAIL: no summary line from the VM (qemu exit $qemu_sts, $secs)"
    exit 1 ;;
*": 0 passed, "*)
    echo "check-vm-systemd: FAIL: no check passed ($secs)"
    exit 1 ;;
*" 0 failed")
    echo "${summary} ($(basename "$img"), $ACCEL, $secs)" ;;
*)
    echo "check-vm-systemd: FAIL: $summary ($secs)"
    exit 1 ;;
esac
