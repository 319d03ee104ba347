#!/bin/bash
#
# deb.sh - build the Debian package of this tree (make deb) with
# dpkg-buildpackage and debhelper (debian/), from a copy of the tree's
# files under build/deb, so that the package build's "make clean" never
# touches this tree's build (scripts/copy-tree.sh: the files git knows or
# would add, as they are in the working tree).
#
#	scripts/deb.sh			build build/pmdapipe_VERSION_ARCH.deb
#	scripts/deb.sh --version	print VERSION
#	scripts/deb.sh --file		print the path of that .deb
#
# VERSION is debian/changelog's, plus "+gitN.gSHA" (N commits, SHA the
# abbreviated commit id, ".dirty" when tracked files are modified) in a
# git checkout.  The build log is build/deb/build.log.
#
set -e
cd "$(dirname "$0")/.."
top=$(pwd)

version()
{
    local base sha dirty=""

    base=$(dpkg-parsechangelog -l debian/changelog -S Version)
    if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
	sha=$(git rev-parse --short=7 HEAD)
	git update-index -q --refresh >/dev/null 2>&1 || true
	git diff-index --quiet HEAD -- || dirty=.dirty
	echo "$base+git$(git rev-list --count HEAD).g$sha$dirty"
    else
	echo "$base"
    fi
}

ver=$(version)
arch=$(dpkg --print-architecture)
deb=build/pmdapipe_${ver}_$arch.deb
case "$1" in
--version) echo "$ver"; exit 0 ;;
--file) echo "$deb"; exit 0 ;;
"") ;;
*) echo "Usage: $0 [--version|--file]" >&2; exit 1 ;;
esac

work=$top/build/deb
src=$work/pmdapipe-$ver
rm -rf "$work"
./scripts/copy-tree.sh "$src"
sed -i -e "1s/(\([^)]*\))/($ver)/" "$src/debian/changelog"

echo "make deb: building pmdapipe $ver (log: build/deb/build.log) ..."
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -b -uc -us) >"$work/build.log" 2>&1; then
    tail -40 "$work/build.log"
    echo "$0: dpkg-buildpackage failed; the whole log is build/deb/build.log" >&2
    exit 1
fi
rm -f build/pmdapipe_*.deb build/pmdapipe-dbgsym_*.deb
mv "$work"/pmdapipe_"${ver}"_*.deb build/
mv "$work"/pmdapipe-dbgsym_*.deb build/ 2>/dev/null || true
echo "$deb"
