#!/usr/bin/python3
"""
depcheck.py - the agent's module graph from its #include "x.h" lines:
print it in dependency order and fail (exit 1) when modules include each
other in a cycle.  A module is a .c file with its .h; headers without a .c
of their own (sink.h, timeutil.h, domain.h) are interfaces and count as
modules too.  Usage: scripts/depcheck.py [DIR]
"""
import os
import re
import sys

here = sys.argv[1] if len(sys.argv) > 1 else "."
incl = re.compile(r'^\s*#\s*include\s+"([^"/]+)\.h"', re.M)
programs = {"pmpipe", "fanout", "hostrun", "evwalk", "firehose"}	# the client, not the agent

deps = {}
for f in sorted(os.listdir(here)):
    base, ext = os.path.splitext(f)
    if ext not in (".c", ".h") or base in programs:
        continue
    with open(os.path.join(here, f)) as fp:
        found = set(incl.findall(fp.read())) - {base} - programs
    deps.setdefault(base, set()).update(found)

# depth-first search for a cycle, then a topological order
state, order, cycle = {}, [], []

def visit(m, path):
    if state.get(m) == 1:
        cycle.extend(path[path.index(m):] + [m])
        return
    if state.get(m) == 2 or cycle:
        return
    state[m] = 1
    for d in sorted(deps.get(m, ())):
        visit(d, path + [m])
        if cycle:
            return
    state[m] = 2
    order.append(m)

for m in sorted(deps):
    visit(m, [])
    if cycle:
        print("depcheck: a cycle: " + " -> ".join(cycle))
        sys.exit(1)
for m in order:
    print("%-10s <- %s" % (m, " ".join(sorted(deps[m])) or "-"))
print("depcheck: %d modules, no cycle" % len(order))
