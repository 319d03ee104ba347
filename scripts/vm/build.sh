#!/bin/sh
# Build what `make check-vm` boots, under build/vm (git-ignored):
#
#   scripts/vm/build.sh kernel       build/vm/vmlinuz: the kernel of Debian's
#                                    linux-image-amd64, downloaded (not
#                                    installed) and extracted once
#   scripts/vm/build.sh initramfs    build/vm/initramfs.gz: busybox-static,
#                                    scripts/vm/init and build/vm/cgtest
#
# Run from the top of the tree (the GNUmakefile does).
set -e

VM=build/vm
mkdir -p "$VM"

# apt-get download writes as root when _apt cannot write to the directory:
# say so up front instead of warning
APT_DL="apt-get download -q -o APT::Sandbox::User=root"

# linux-image-amd64 is a metapackage: the kernel is in the versioned
# package it depends on (linux-image-6.1.0-N-amd64)
kernel_package()
{
    apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1
}

kernel()
{
    pkg=$(kernel_package)
    if [ -z "$pkg" ]; then
	# no package lists yet (fresh machine)
	apt-get update -q >/dev/null || true
	pkg=$(kernel_package)
    fi
    if [ -z "$pkg" ]; then
	echo "build.sh: apt-cache knows no linux-image-amd64" >&2
	exit 1
    fi
    deb=$(ls "$VM"/"$pkg"_*.deb 2>/dev/null | head -1)
    if [ -z "$deb" ]; then
	echo "downloading $pkg"
	# stale package lists name a version the mirror no longer has:
	# refresh them once and ask again
	if ! (cd "$VM" && $APT_DL "$pkg"); then
	    apt-get update -q >/dev/null || true
	    pkg=$(kernel_package)
	    (cd "$VM" && $APT_DL "$pkg")
	fi
	deb=$(ls "$VM"/"$pkg"_*.deb | head -1)
    fi
    # the controllers and everything the guest needs are built in, so no
    # module is taken from the tree: keep the kernel and its config only
    rm -rf "$VM/linux"
    dpkg-deb -x "$deb" "$VM/linux"
    cp "$VM"/linux/boot/config-* "$VM/config"
    for opt in MEMCG CGROUP_PIDS CFS_BANDWIDTH SERIAL_8250_CONSOLE RD_GZIP; do
	if ! grep -q "^CONFIG_$opt=y" "$VM/config"; then
	    echo "build.sh: $pkg lacks built-in CONFIG_$opt" >&2
	    exit 1
	fi
    done
    cp "$VM"/linux/boot/vmlinuz-* "$VM/vmlinuz.tmp"
    rm -rf "$VM/linux"
    echo "$pkg" > "$VM/kernel-package"
    mv "$VM/vmlinuz.tmp" "$VM/vmlinuz"
    echo "kernel: $pkg ($(basename "$deb"))"
}

# a statically linked busybox: the installed busybox-static, or the
# package's binary extracted under build/vm
busybox_static()
{
    if [ -x /bin/busybox ] && ! readelf -l /bin/busybox | grep -q INTERP; then
	echo /bin/busybox
	return
    fi
    if [ ! -x "$VM/busybox-static/bin/busybox" ]; then
	rm -rf "$VM/busybox-static"
	(cd "$VM" && rm -f busybox-static_*.deb && $APT_DL busybox-static) >&2
	dpkg-deb -x "$VM"/busybox-static_*.deb "$VM/busybox-static"
    fi
    echo "$VM/busybox-static/bin/busybox"
}

initramfs()
{
    busybox=$(busybox_static)
    if readelf -l "$VM/cgtest" | grep -q INTERP; then
	echo "build.sh: $VM/cgtest is not statically linked" >&2
	exit 1
    fi
    root="$VM/initramfs"
    rm -rf "$root"
    mkdir -p "$root/bin" "$root/dev" "$root/etc" "$root/proc" "$root/sys" \
	"$root/tmp"
    cp "$busybox" "$root/bin/busybox"
    strip -o "$root/bin/cgtest" "$VM/cgtest"
    cp scripts/vm/init "$root/init"
    chmod 755 "$root/init" "$root/bin/busybox" "$root/bin/cgtest"
    ln -s busybox "$root/bin/sh"
    # for getpwnam/getgrouplist in the static test program (glibc's
    # built-in files backend; no nsswitch.conf needed)
    cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
    cat > "$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
    # the kernel's built-in initramfs already holds /dev/console
    (cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -9 > "$VM/initramfs.gz.tmp"
    mv "$VM/initramfs.gz.tmp" "$VM/initramfs.gz"
    rm -rf "$root"
    echo "initramfs: $(wc -c < "$VM/initramfs.gz") bytes"
}

case "$1" in
kernel)		kernel ;;
initramfs)	initramfs ;;
*)		echo "usage: $0 kernel|initramfs" >&2; exit 2 ;;
esac
