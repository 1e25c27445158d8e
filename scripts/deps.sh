#!/bin/sh
# deps.sh - makes sure the Debian packages celltwin needs are installed.
# As root it installs what is missing with apt-get; otherwise it prints the
# apt-get line to run and fails. Used by `make run`, `make test` and CI.
set -eu
PKGS="cmake ninja-build pkg-config gcc make libfyaml-dev libjansson-dev libsqlite3-dev libcmocka-dev librandom123-dev python3-simpy3 python3-yaml openmpi-bin libopenmpi-dev"
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || apt-get update
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "deps: missing Debian packages. Run:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
