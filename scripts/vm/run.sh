#!/bin/sh
# Boot build/vm/vmlinuz with build/vm/initramfs.gz under qemu, print the
# serial console, and fail unless it ends with "N passed, 0 failed".
# Software emulation (TCG) by default: VM_ACCEL=kvm uses /dev/kvm, which
# need not work where it exists (a nested, paravirtual KVM hangs the guest
# before the kernel prints anything).  VM_TIMEOUT (default 300 s) bounds
# the whole run.
set -e

VM=build/vm
LOG="$VM/console.log"
TIMEOUT=${VM_TIMEOUT:-300}
ACCEL=${VM_ACCEL:-tcg}

start=$(date +%s)
rm -f "$LOG" "$VM/qemu.status"
# -nic none: no network device (and no option ROM to load)
# (the console's \r and SeaBIOS's terminal resets are dropped)
{
    sts=0
    timeout "$TIMEOUT" qemu-system-x86_64 -accel "$ACCEL" -nographic -no-reboot \
	-m 512 -smp 2 -nic none \
	-kernel "$VM/vmlinuz" -initrd "$VM/initramfs.gz" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null 2>&1 || sts=$?
    echo $sts > "$VM/qemu.status"
} | sed -u -e 's/\r//g' -e 's/\x1b[^a-zA-Z]*[a-zA-Z]//g' | tee "$LOG"
qemu_sts=$(cat "$VM/qemu.status")
secs=$(($(date +%s) - start))

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOG" | tail -1)
if [ "$qemu_sts" = 124 ]; then
    echo "check-vm: FAIL: the VM did not finish within $TIMEOUT s"
    exit 1
fi
if [ -z "$summary" ]; then
    echo "check-vm: FAIL: no summary line from the VM (qemu exit $qemu_sts, $secs s)"
    exit 1
fi
case "$summary" in
"0 passed, "*)
    echo "check-vm: FAIL: no test passed ($secs s)"
    exit 1 ;;
*" 0 failed")
    echo "check-vm: $summary ($(cat "$VM/kernel-package" 2>/dev/null), $ACCEL, $secs s)" ;;
*)
    echo "check-vm: FAIL: $summary ($secs s)"
    exit 1 ;;
esac
