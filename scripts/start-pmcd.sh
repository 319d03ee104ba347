#!/bin/sh
# Start pmcd if it is not answering, and wait (bounded) until it does.
# Hosts without systemd as PID 1 use the SysV script.
. /etc/pcp.env

answering()
{
    pminfo -h local: -f pmcd.version >/dev/null 2>&1
}

answering && exit 0
"$PCP_RC_DIR/pmcd" start >/dev/null 2>&1 || true
i=0
while [ $i -lt 300 ]; do
    answering && exit 0
    i=$((i + 1))
    sleep 0.1
done
echo "$0: pmcd did not start; see $PCP_LOG_DIR/pmcd/pmcd.log" >&2
exit 1
