#!/bin/bash
#
# pkg-install.sh - make sure this tree's pmdapipe package is installed
# (scripts/setup.sh, scripts/qa-run.sh):
#
#	scripts/pkg-install.sh		install it when needed
#	scripts/pkg-install.sh --build	only build it when it would be needed
#	scripts/pkg-install.sh --force	build it and install it, needed or not
#
# "Needed": pmdapipe is not installed, its version is not this tree's
# (scripts/deb.sh --version), or its diversions of pcp's files are not in
# place.  The package is built (make deb) unless build/ has it already,
# and installed with apt (scripts/no-systemd.sh), so that its dependencies
# resolve.  Files an older "make install" of this project left outside
# the package's paths (pages in /usr/local/share/man, README.md in the
# agent's directory) are removed: they would shadow the package's.
#
set -e
cd "$(dirname "$0")/.."
. /etc/pcp.conf

ver=$(./scripts/deb.sh --version)
deb=$(./scripts/deb.sh --file)

needed()
{
    local f

    [ "$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' pmdapipe 2>/dev/null)" = "ii $ver" ] ||
	return 0
    [ "$(dpkg-divert --listpackage "$PCP_PMDASADM_DIR/pipe/pmdapipe")" = pmdapipe ] ||
	return 0
    # pcp's links to the kit, replaced by copies (an older make install):
    # the package's preinst puts them back
    for f in Install Remove pmdapipe help pmns; do
	[ -L "$PCP_PMDAS_DIR/pipe/$f" ] || return 0
    done
    return 1
}

# what an older "make install" of this project left outside the package's
# paths, shadowing its files
legacy()
{
    local f

    for f in /usr/local/share/man/man1/pmdapipe.1 /usr/local/share/man/man1/pmpipe.1 \
	     "$PCP_PMDAS_DIR/pipe/README.md"; do
	if [ -f "$f" ] && ! dpkg -S "$f" >/dev/null 2>&1; then
	    rm -f "$f"
	    echo "$0: removed $f (left by an older make install)"
	fi
    done
}

case "$1" in
--build)
    needed && [ ! -f "$deb" ] && ./scripts/deb.sh
    exit 0 ;;
--force)
    legacy
    ./scripts/deb.sh ;;
*)
    legacy
    needed || exit 0
    [ -f "$deb" ] || ./scripts/deb.sh ;;
esac
./scripts/no-systemd.sh apt-get install -y --no-install-recommends \
    --reinstall --allow-downgrades "./$deb"
