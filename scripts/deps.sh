#!/bin/bash
# scripts/deps.sh - install the Debian packages foliotrace needs, if any
# are missing.  Runs `apt-get update` once, only when something is missing.
set -euo pipefail
pkgs=(build-essential pkg-config libtraceevent-dev libtracefs-dev libtracecmd-dev
      libsqlite3-dev libncurses-dev libseccomp-dev trace-cmd xfsprogs sqlite3 tmux time
      clang libclang-rt-14-dev fiu-utils libfiu-dev
      chromium	# tests/t6001 renders the report headless
      qemu-system-x86 busybox-static)	# tests/t8001 boots a Debian kernel (the lab)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all present (${#pkgs[@]} packages)"
	exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
