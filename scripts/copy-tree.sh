#!/bin/bash
#
# copy-tree.sh DEST - copy this tree's source files into DEST (made if
# need be): in a git checkout the files git knows or would add (tracked,
# and untracked but not ignored) as they are in the working tree, else
# everything but build/ and .git.  For builds that must not touch this
# tree's build/ (scripts/deb.sh, qa/182).
#
set -e
[ $# -eq 1 ] || { echo "Usage: $0 DEST" >&2; exit 1; }
mkdir -p "$1"
dest=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
	# not the files deleted in the working tree
	if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
    done | tar --null -T - -cf - | tar -xf - -C "$dest"
else
    tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$dest"
fi
