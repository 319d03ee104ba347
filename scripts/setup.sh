#!/bin/sh
# One command from a fresh Debian 12 machine (as root) to a working
# pmdapipe: install dependencies, build this tree's Debian package and
# install it (apt: the stock pipe agent of pcp is diverted into
# /usr/lib/pcp/pmdas/pipe.stock, so pcp's upgrades keep ours), start pmcd,
# install the agent into pmcd with sample.conf (an existing pipe.conf is
# saved as pipe.conf.bak) and show it working.
set -e
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/pkg-install.sh --force
./scripts/start-pmcd.sh
. /etc/pcp.env
cd "$PCP_PMDAS_DIR/pipe"
if [ -f pipe.conf ] && ! cmp -s sample.conf pipe.conf; then
    cp pipe.conf pipe.conf.bak
    echo "saved the existing pipe.conf as $PCP_PMDAS_DIR/pipe/pipe.conf.bak"
fi
cp sample.conf pipe.conf
echo "installed sample.conf as $PCP_PMDAS_DIR/pipe/pipe.conf"
./Install </dev/null
echo
echo '$ pmevent -h local: -s 2 -t 0.5 -i hello -x world pipe.firehose'
pmevent -h local: -s 2 -t 0.5 -i hello -x world pipe.firehose
