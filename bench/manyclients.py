#!/usr/bin/python3
#
# manyclients.py - many concurrent pmdapipe clients, for bench/scale.sh.
#
#   manyclients.py -n CLIENTS -k COMMANDS -t SECS [-w PER_WORKER]
#                  [-p PMDAPID] [-P PMCDPID] [-i INST1,INST2] [-c SCRIPT]
#                  [-s STOPSECS]
#
# Forks worker processes holding up to PER_WORKER (default 100) PCP
# contexts each: libpcp waits on a connection with select(), so one process
# must keep its descriptors below FD_SETSIZE.  Every context is one client
# of pmcd.  The workers run these phases together, the parent measures in
# between:
#
#   connect  open the contexts, one fetch of pipe.firehose each (the PMDA
#            then knows the client)
#   start    each context stores its client id into the first COMMANDS
#            instances (tick1, tick2): their command prints "ID SEQ" once
#            a second
#   stream   each context fetches pipe.firehose about once a second for
#            SECS seconds and checks every record, judging two things
#            apart:
#              lines  its own id only, sequence numbers 0, 1, 2, ...
#                     without a gap, no missed records, no stderr, and at
#                     least one line per 2 s (the command kept running)
#              flags  START on the first record only, no END while the
#                     command runs
#            (the stock pipe PMDA delivers lines but sets other flags;
#            the verdicts tell "lines lost" from "flags wrong")
#   close    the contexts are destroyed (the PMDA stops the commands);
#            waits up to STOPSECS (default 60) for them to be gone
#
# The parent prints key=value lines: PMDA RSS and fds before, with idle
# clients, while streaming and after; commands running (processes whose
# argv[1] is SCRIPT, -c, and pipe.command.running where the PMDA has it);
# pmcd's and the PMDA's client counts; per-client verdicts (clients_ok:
# both right, clients_lines_ok, clients_flags_ok) and the flag values
# seen; fetch latency; and whether pmcd and the PMDA survived (pmcd=died,
# pmda=died with the phase and how far it got).  Metrics the PMDA does
# not have (the stock one has no pipe.command.*, pipe.stderr,
# pipe.queue.dropped) are left out.
#
# Uses the ctypes bindings of qa/src/pipeclient (no python3-pcp needed).
#
import argparse
import ctypes
import importlib.machinery
import importlib.util
import json
import os
import select
import signal
import sys
import threading
import time
from ctypes import POINTER, byref, c_char_p, c_int, c_uint, cast

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_loader(
    "pipeclient", importlib.machinery.SourceFileLoader(
        "pipeclient", os.path.join(HERE, "..", "qa", "src", "pipeclient")))
pc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pc)
libpcp = pc.libpcp

PR_SET_PDEATHSIG = 1
FLAG_START, FLAG_END, FLAG_MISSED = 0x2, 0x4, 0x80000000


def die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


# ---- the worker side ----

class Stream:
    """what one context has seen of one instance: its lines and its
    records' flags are judged apart"""

    def __init__(self, cid):
        self.cid = cid.encode()
        self.t0 = None
        self.n = 0              # records
        self.lines = 0          # pipe.line values
        self.next = 0
        self.missed = 0
        self.line_error = None
        self.flag_error = None
        self.flags = {}         # flags value -> records
        self.late = None        # sequence number of the first line, if not 0
        self.gap = False        # a line out of order after the first

    def bad_line(self, why):
        if self.line_error is None:
            self.line_error = why

    def bad_flags(self, why):
        if self.flag_error is None:
            self.flag_error = why

    def record(self, flags, params):
        self.flags[flags] = self.flags.get(flags, 0) + 1
        if flags & FLAG_MISSED:
            self.missed += 1
            self.bad_line("missed records")
            return
        if self.n == 0 and not flags & FLAG_START:
            self.bad_flags("first record has flags %#x, no START" % flags)
        elif self.n > 0 and flags & FLAG_START:
            self.bad_flags("record %d has START again (flags %#x)" %
                           (self.n, flags))
        if flags & FLAG_END:
            # the lines say whether the command really ended (too few)
            self.bad_flags("END (flags %#x) at record %d while the command"
                           " runs" % (flags, self.n))
        for name, value in params:
            if name == "pipe.stderr":
                self.bad_line("stderr %r" % value)
            elif name == "pipe.line":
                self.lines += 1
                parts = value.split()
                if len(parts) != 2 or parts[0] != self.cid:
                    self.bad_line("foreign line %r" % value)
                elif int(parts[1]) != self.next:
                    if self.lines == 1:
                        self.late = int(parts[1])
                        self.bad_line("first line is %d: line%s lost" % (
                            self.late, " 0" if self.late == 1 else
                            "s 0-%d" % (self.late - 1)))
                    else:
                        self.gap = True
                        self.bad_line("line %s after %d" %
                                      (parts[1].decode(), self.next - 1))
                    self.next = int(parts[1]) + 1
                else:
                    self.next += 1
        self.n += 1


class Worker:
    def __init__(self, wid, nctx, insts, report):
        self.wid = wid
        self.nctx = nctx
        self.insts = insts
        self.report = report
        self.cl = pc.Client("local:")
        self.ctxs = []          # (name, client id)
        self.streams = {}       # (ctx name, inst number) -> Stream
        self.lat = []

    def say(self, **kw):
        os.write(self.report, (json.dumps(kw) + "\n").encode())

    def fetch_all(self, name):
        """one fetch for context name: {inst: [records]}"""
        self.cl.use(name)
        pmids = (c_uint * 1)(self.cl.pmid("pipe.firehose"))
        rp = POINTER(pc.pmResult)()
        t = time.monotonic()
        pc.check(libpcp.pmFetch(1, pmids, byref(rp)), "pmFetch")
        self.lat.append(time.monotonic() - t)
        out = {}
        try:
            vs = rp.contents.vset[0]
            if vs.contents.numval < 0:
                raise pc.Error("pmFetch: %s" % pc.errstr(vs.contents.numval))
            vlist = cast(ctypes.addressof(vs.contents.vlist),
                         POINTER(pc.pmValue))
            for j in range(vs.contents.numval):
                out[vlist[j].inst] = self.cl.unpack(vs, j)
        finally:
            libpcp.pmFreeResult(rp)
        return out

    def connect(self, deadline):
        err = None
        for i in range(self.nctx):
            name = "c%d" % i
            cid = "w%dc%d" % (self.wid, i)
            try:
                self.cl.use(name)
                if i == 0:
                    for n in ("pipe.line", "event.flags", "event.missed"):
                        self.cl.pmid(n)
                    # ours only: the stock PMDA has neither
                    for n in ("pipe.stderr", "pipe.exitstatus"):
                        try:
                            self.cl.pmid(n)
                        except pc.Error:
                            pass
                    self.cl.load_indom()
                self.fetch_all(name)
            except pc.Error as e:
                err = str(e)
                self.cl.ctxs.pop(name, None)
                break
            self.ctxs.append((name, cid))
            if time.monotonic() > deadline:
                err = "connect phase deadline"
                break
        self.say(phase="connect", connected=len(self.ctxs), error=err)

    def start(self, ncmds, deadline):
        ok = fail = 0
        err = None
        ok_times = []           # when each successful store returned
        for name, cid in self.ctxs:
            for inst in self.insts[:ncmds]:
                try:
                    self.cl.use(name)
                    r = self.cl.store(inst, cid)
                except pc.Error as e:
                    r = str(e)
                if r == "ok":
                    s = self.streams[(name, self.cl.inst(inst))] = Stream(cid)
                    s.t0 = time.monotonic()
                    ok_times.append(round(s.t0, 4))
                    ok += 1
                else:
                    fail += 1
                    err = err or r
            if time.monotonic() > deadline:
                err = err or "start phase deadline"
                break
        self.say(phase="start", ok=ok, fail=fail, error=err,
                 ok_times=ok_times)

    def stream(self, secs):
        end = time.monotonic() + secs
        ferr = 0
        err = None
        self.lat = []
        while True:
            rs = time.monotonic()
            last = rs >= end
            for name, cid in self.ctxs:
                try:
                    got = self.fetch_all(name)
                except pc.Error as e:
                    ferr += 1
                    err = err or str(e)
                    continue
                for inst, recs in got.items():
                    s = self.streams.get((name, inst))
                    if s is None:
                        continue
                    for flags, params in recs:
                        s.record(flags, params)
            if last:
                break
            time.sleep(max(0.0, min(end, rs + 1.0) - time.monotonic()))
        now = time.monotonic()
        # a client got all its lines when every command of it delivered
        # its lines in order from the first and kept up (at least one
        # line per 2 s); its flags are right when every command delivered
        # records, the first with START, no other with START or END
        lines_ok = {}
        flags_ok = {}
        lines = 0
        short = errors = flag_errors = late = gaps = 0
        example = flag_example = None
        nmin = None
        flags_seen = {}
        for (name, inst), s in self.streams.items():
            want = max(1, int((now - s.t0) / 2))
            good = s.line_error is None and s.lines >= want
            late += s.late is not None
            gaps += s.gap
            if s.line_error is not None:
                errors += 1
                example = example or "%s: %s" % (s.cid.decode(), s.line_error)
            elif s.lines < want:
                short += 1
                example = example or "%s: %d lines in %.0f s" % (
                    s.cid.decode(), s.lines, now - s.t0)
            if s.flag_error is not None:
                flag_errors += 1
                flag_example = flag_example or "%s: %s" % (s.cid.decode(),
                                                           s.flag_error)
            lines_ok[name] = lines_ok.get(name, True) and good
            flags_ok[name] = (flags_ok.get(name, True) and s.n > 0 and
                              s.flag_error is None)
            lines += s.lines
            nmin = s.lines if nmin is None else min(nmin, s.lines)
            for f, c in s.flags.items():
                flags_seen["%#x" % f] = flags_seen.get("%#x" % f, 0) + c
        secs_total = sum(now - s.t0 for s in self.streams.values())
        self.lat.sort()
        self.say(phase="stream",
                 clients_ok=sum(1 for c in lines_ok
                                if lines_ok[c] and flags_ok[c]),
                 clients_lines_ok=sum(1 for v in lines_ok.values() if v),
                 clients_flags_ok=sum(1 for v in flags_ok.values() if v),
                 clients=len(lines_ok), lines=lines, secs=secs_total,
                 streams=len(self.streams),
                 streams_with_lines=sum(1 for s in self.streams.values()
                                        if s.lines),
                 min_lines=nmin or 0, short=short, errors=errors,
                 late=late, gaps=gaps,
                 flag_errors=flag_errors, flag_error=flag_example,
                 flags_seen=flags_seen,
                 fetch_errors=ferr, error=err or example,
                 lat=self.lat[-max(1, len(self.lat) // 100):][0] if self.lat else 0,
                 latmax=self.lat[-1] if self.lat else 0)

    def close(self):
        for name, cid in self.ctxs:
            self.cl.use(name)
            self.cl.close()
        self.ctxs = []
        self.say(phase="close")


def worker_main(wid, nctx, insts, cmd_fd, report_fd):
    die_with_parent()
    w = Worker(wid, nctx, insts, report_fd)
    f = os.fdopen(cmd_fd)
    for line in f:
        words = line.split()
        if not words:
            continue
        if words[0] == "connect":
            w.connect(time.monotonic() + float(words[1]))
        elif words[0] == "start":
            w.start(int(words[1]), time.monotonic() + float(words[2]))
        elif words[0] == "stream":
            w.stream(float(words[1]))
        elif words[0] == "close":
            w.close()
        elif words[0] == "quit":
            break
    os._exit(0)


# ---- the parent side ----

def pid_alive(pid):
    if not pid:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def cpu_secs(pid):
    """user + system CPU seconds of pid"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def nfds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def count_procs(script):
    """processes running script (argv[1]): the commands, whichever PMDA
    started them and however (the stock one through sh -c)"""
    if not script:
        return None
    want = script.encode()
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if len(args) > 1 and args[1] == want:
            n += 1
    return n


class Monitor:
    """one context of the parent's for the PMDA's and pmcd's counters"""

    NAMES = ("pipe.command.running", "pipe.numclients", "pmcd.numclients",
             "pipe.queue.count", "pipe.queue.dropped")

    def __init__(self):
        self.ctx = None
        self.pmids = None
        self.names = []

    def values(self):
        if self.ctx is None:
            ctx = libpcp.pmNewContext(pc.PM_CONTEXT_HOST, b"local:")
            if ctx < 0:
                return None
            self.ctx = ctx
            # one at a time: the stock PMDA lacks some of them
            found = []
            for n in self.NAMES:
                name = c_char_p(n.encode())
                pmid = c_uint()
                if libpcp.pmLookupName(1, byref(name), byref(pmid)) == 1:
                    found.append((n, pmid.value))
            if not found:
                self.drop()
                return None
            self.names = [n for n, _ in found]
            self.pmids = (c_uint * len(found))(*[p for _, p in found])
        libpcp.pmUseContext(self.ctx)
        rp = POINTER(pc.pmResult)()
        if libpcp.pmFetch(len(self.names), self.pmids, byref(rp)) < 0:
            self.drop()
            return None
        out = {}
        try:
            vsets = cast(ctypes.addressof(rp.contents.vset),
                         POINTER(POINTER(pc.pmValueSet)))
            for k, name in enumerate(self.names):
                vs = vsets[k].contents
                total = 0
                vlist = cast(ctypes.addressof(vs.vlist), POINTER(pc.pmValue))
                for j in range(max(0, vs.numval)):
                    if vs.valfmt == pc.PM_VAL_INSITU:
                        total += vlist[j].value.lval & 0xffffffff
                    else:
                        blk = vlist[j].value.pval
                        raw = ctypes.string_at(ctypes.addressof(blk.contents) +
                                               pc.PM_VAL_HDR_SIZE, 8)
                        total += int.from_bytes(raw, "little")
                out[name] = total if vs.numval >= 0 else None
        finally:
            libpcp.pmFreeResult(rp)
        return out

    def drop(self):
        if self.ctx is not None:
            libpcp.pmDestroyContext(self.ctx)
        self.ctx = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, required=True, help="clients (contexts)")
    ap.add_argument("-k", type=int, default=1, help="commands per client")
    ap.add_argument("-t", type=float, default=10, help="seconds of streaming")
    ap.add_argument("-w", type=int, default=100, help="contexts per worker")
    ap.add_argument("-p", type=int, default=0, help="pmdapipe pid")
    ap.add_argument("-P", type=int, default=0, help="pmcd pid")
    ap.add_argument("-i", default="tick1,tick2", help="instances")
    ap.add_argument("-c", default="", help="the commands' script (argv[1]),"
                    " to count them as processes")
    ap.add_argument("-s", type=float, default=60,
                    help="seconds to wait for the commands to stop")
    a = ap.parse_args()
    insts = a.i.split(",")
    res = {"clients": a.n, "commands_per_client": a.k, "pmcd": "ok",
           "pmda": "ok"}

    def emit():
        for k in sorted(res):
            print("%s=%s" % (k, res[k]))
        sys.stdout.flush()

    workers = []        # (pid, cmd fd, report fd, nctx)
    left = a.n
    wid = 0
    while left > 0:
        n = min(a.w, left)
        cr, cw = os.pipe()
        rr, rw = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(cw)
            os.close(rr)
            for _, c, r, _ in workers:
                os.close(c)
                os.close(r)
            worker_main(wid, n, insts, cr, rw)
        os.close(cr)
        os.close(rw)
        workers.append((pid, cw, rr, n))
        left -= n
        wid += 1
    bufs = {r: b"" for _, _, r, _ in workers}
    mon = Monitor()
    state = {"maxclients": 0, "phase": "connect"}

    def pmcd_dead():
        return not pid_alive(a.P)

    def pmda_watch():
        """when the PMDA died, to 10 ms (pmcd may restart it at once, as
        PMCD_RESTART_AGENTS=1 makes it do); not when pmcd died (it takes
        its agents with it)"""
        while a.p and "pmda_gone" not in state:
            if not pid_alive(a.p):
                if not pmcd_dead():
                    state["pmda_gone"] = time.monotonic()
                    state["pmda_gone_phase"] = state["phase"]
                else:
                    state["pmda_gone"] = None
                return
            time.sleep(0.01)

    threading.Thread(target=pmda_watch, daemon=True).start()

    def pmda_check():
        """note the phase in which the PMDA died, once"""
        if res["pmda"] == "ok" and state.get("pmda_gone"):
            res["pmda"] = "died"
            res["pmda_died_phase"] = state["pmda_gone_phase"]

    def watch():
        v = mon.values()
        if v and v.get("pmcd.numclients") is not None:
            state["maxclients"] = max(state["maxclients"], v["pmcd.numclients"])
        return v

    def send(cmd):
        for _, c, _, _ in workers:
            try:
                os.write(c, (cmd + "\n").encode())
            except OSError:
                pass

    def collect(limit, poll=None):
        """one report from every worker, within limit seconds"""
        got = {}
        deadline = time.monotonic() + limit
        last = 0
        while len(got) < len(workers) and time.monotonic() < deadline:
            fds = [r for _, _, r, _ in workers if r not in got]
            ready, _, _ = select.select(fds, [], [], 0.5)
            for r in ready:
                data = os.read(r, 65536)
                if not data:
                    got[r] = {"error": "worker exited"}
                    continue
                bufs[r] += data
                if b"\n" in bufs[r]:
                    line, bufs[r] = bufs[r].split(b"\n", 1)
                    got[r] = json.loads(line)
            if pmcd_dead():
                res["pmcd"] = "died"
            pmda_check()
            if poll and time.monotonic() - last >= 0.5:
                last = time.monotonic()
                poll()
        return list(got.values()), len(got) == len(workers)

    def finish(rc):
        pmda_check()
        send("quit")
        for pid, c, r, _ in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(pid, 0)
        mon.drop()
        res["maxclients_seen"] = state["maxclients"]
        emit()
        sys.exit(rc)

    signal.signal(signal.SIGTERM, lambda s, f: finish(2))
    v = watch() or {}
    res["rss_base_kb"] = rss_kb(a.p)
    res["fds_base"] = nfds(a.p)
    res["pipe_numclients_base"] = v.get("pipe.numclients")
    lines0 = v.get("pipe.queue.count", 0)
    dropped0 = v.get("pipe.queue.dropped", 0)

    # connect
    t = time.monotonic()
    send("connect 300")
    reps, complete = collect(330, watch)
    res["connected"] = sum(r.get("connected", 0) for r in reps)
    res["connect_secs"] = "%.1f" % (time.monotonic() - t)
    errs = [r["error"] for r in reps if r.get("error")]
    if errs:
        res["connect_error"] = '"%s"' % errs[0]
    if res["pmcd"] == "died" or pmcd_dead():
        res["pmcd"] = "died"
        finish(1)
    if not complete or res["connected"] < a.n:
        finish(1)
    time.sleep(1)
    v = watch() or {}
    res["rss_idle_kb"] = rss_kb(a.p)
    res["fds_idle"] = nfds(a.p)
    res["pipe_numclients_idle"] = v.get("pipe.numclients")
    res["pmcd_numclients_idle"] = v.get("pmcd.numclients")

    # start
    t = time.monotonic()
    state["phase"] = "start"
    send("start %d 300" % a.k)
    reps, complete = collect(330, watch)
    res["started"] = sum(r.get("ok", 0) for r in reps)
    pmda_check()
    if res["pmda"] == "died" and res["pmda_died_phase"] == "start":
        # commands it had started: stores that returned before it died
        res["pmda_died_started"] = sum(
            1 for r in reps for t in r.get("ok_times", ())
            if t < state["pmda_gone"])
    res["start_failed"] = sum(r.get("fail", 0) for r in reps)
    res["start_secs"] = "%.1f" % (time.monotonic() - t)
    errs = [r["error"] for r in reps if r.get("error")]
    if errs:
        res["start_error"] = '"%s"' % errs[0]
    res["procs_started"] = count_procs(a.c)
    if not complete or pmcd_dead():
        res["pmcd"] = "died" if pmcd_dead() else res["pmcd"]
        finish(1)

    # stream; measure in the middle
    mid = {}

    def measure():
        if "running" in mid or time.monotonic() < t + a.t / 2:
            return
        v = watch() or {}
        mid["running"] = v.get("pipe.command.running")
        mid["procs"] = count_procs(a.c)
        mid["rss"] = rss_kb(a.p)
        mid["fds"] = nfds(a.p)

    t = time.monotonic()
    state["phase"] = "stream"
    cpu0 = cpu_secs(a.p)
    pcpu0 = cpu_secs(a.P)
    send("stream %g" % a.t)
    reps, complete = collect(a.t + 300, lambda: (watch(), measure()))
    res["running"] = mid.get("running")
    res["procs_run"] = mid.get("procs")
    res["rss_run_kb"] = mid.get("rss")
    res["fds_run"] = mid.get("fds")
    res["clients_ok"] = sum(r.get("clients_ok", 0) for r in reps)
    res["clients_lines_ok"] = sum(r.get("clients_lines_ok", 0) for r in reps)
    res["clients_flags_ok"] = sum(r.get("clients_flags_ok", 0) for r in reps)
    seen = {}
    for r in reps:
        for f, c in r.get("flags_seen", {}).items():
            seen[f] = seen.get(f, 0) + c
    res["flags_seen"] = '"%s"' % " ".join(
        "%s:%d" % (f, seen[f]) for f in sorted(seen, key=lambda x: int(x, 16)))
    res["lines"] = sum(r.get("lines", 0) for r in reps)
    secs = sum(r.get("secs", 0) for r in reps)
    # the first line comes at once, then one a second
    nstreams = sum(r.get("streams_with_lines", 0) for r in reps)
    res["lines_per_cmd_sec"] = "%.2f" % ((res["lines"] - nstreams) / secs
                                         if secs else 0)
    res["pmda_cpu_pct"] = "%.0f" % (100 * (cpu_secs(a.p) - cpu0) / (time.monotonic() - t))
    res["pmcd_cpu_pct"] = "%.0f" % (100 * (cpu_secs(a.P) - pcpu0) / (time.monotonic() - t))
    res["min_lines"] = min((r.get("min_lines", 0) for r in reps), default=0)
    res["short"] = sum(r.get("short", 0) for r in reps)
    res["bad"] = sum(r.get("errors", 0) for r in reps)
    res["late"] = sum(r.get("late", 0) for r in reps)
    res["gaps"] = sum(r.get("gaps", 0) for r in reps)
    res["bad_flags"] = sum(r.get("flag_errors", 0) for r in reps)
    res["fetch_errors"] = sum(r.get("fetch_errors", 0) for r in reps)
    res["fetch_p99_ms"] = "%.0f" % (1000 * max((r.get("lat", 0) for r in reps), default=0))
    res["fetch_max_ms"] = "%.0f" % (1000 * max((r.get("latmax", 0) for r in reps), default=0))
    errs = [r["error"] for r in reps if r.get("error")]
    if errs:
        res["stream_error"] = '"%s"' % errs[0]
    errs = [r["flag_error"] for r in reps if r.get("flag_error")]
    if errs:
        res["flag_error"] = '"%s"' % errs[0]
    v = watch() or {}
    if v.get("pipe.queue.dropped") is not None:
        res["dropped"] = v["pipe.queue.dropped"] - dropped0
    if not complete or pmcd_dead():
        res["pmcd"] = "died" if pmcd_dead() else res["pmcd"]
        finish(1)

    # close, then the PMDA stops every command: no process left and
    # (ours) pipe.command.running 0
    t = time.monotonic()
    state["phase"] = "close"
    send("close")
    reps, complete = collect(120)
    deadline = time.monotonic() + a.s
    while time.monotonic() < deadline:
        v = watch() or {}
        procs = count_procs(a.c)
        if v.get("pipe.command.running") in (0, None) and not procs:
            break
        time.sleep(0.2)
    res["running_after"] = v.get("pipe.command.running")
    res["procs_after"] = procs
    res["stop_secs"] = "%.1f" % (time.monotonic() - t)
    res["rss_after_kb"] = rss_kb(a.p)
    res["fds_after"] = nfds(a.p)
    res["pipe_numclients_after"] = v.get("pipe.numclients")
    if pmcd_dead():
        res["pmcd"] = "died"
    pmda_check()
    finish(0 if res["pmcd"] == "ok" and res["pmda"] == "ok" else 1)


if __name__ == "__main__":
    main()
