#!/bin/bash
# scripts/deps.sh - install the Debian packages foliotrace needs, if any
# are missing.  Runs `apt-get update` once, only when something is missing.
#
#   scripts/deps.sh [build]   what building and running foliotrace need
#                             (make deps, make demo)
#   scripts/deps.sh test      that, and the tools of the test suite
#                             (make deps-test, run by make check)
set -euo pipefail
build=(build-essential pkg-config libtraceevent-dev libtracefs-dev libtracecmd-dev
       libsqlite3-dev libncurses-dev libseccomp-dev libzstd-dev)
test=(trace-cmd xfsprogs sqlite3 tmux time bc python3 man-db	# the shell tests
      fiu-utils libfiu-dev		# t9004: EIO injection
      clang libclang-rt-14-dev	# make fuzz (libFuzzer)
      chromium				# t6001 renders the report headless
      qemu-system-x86 busybox-static)	# t8001 boots a Debian kernel (the lab)
case "${1:-build}" in
build)	pkgs=("${build[@]}") ;;
test)	pkgs=("${build[@]}" "${test[@]}") ;;
*)	echo "usage: scripts/deps.sh [build|test]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all present (${#pkgs[@]} packages, ${1:-build})"
	exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
