#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Check for (and, as root, install) the Debian 12 packages imram.cpp needs to build and test.
#
#   scripts/setup.sh           install what is missing when run as root; otherwise explain and exit 1
#   scripts/setup.sh --check   only report, never install (exit 1 when something is missing)
set -euo pipefail

PACKAGES=(
    build-essential
    cmake
    ninja-build
    libeigen3-dev
    catch2
    libbenchmark-dev
    libboost-context-dev
    libcli11-dev
    nlohmann-json3-dev
    libopenblas-dev
    libfaiss-dev
    libdnnl-dev
    libopenmpi-dev
    openmpi-bin
    pkg-config
)

log() { printf 'setup: %s\n' "$*" >&2; }

usage() {
    cat <<USAGE
usage: $(basename "$0") [--check]
  Checks that the Debian packages imram.cpp needs are installed:
    ${PACKAGES[*]}
  As root, installs the missing ones with apt-get (3 tries).
  --check     only report which packages are missing; never install (exit 1 if any)
  -h, --help  this help
USAGE
}

check_only=0
while (($#)); do
    case "$1" in
        --check) check_only=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            log "unknown option: $1"
            usage >&2
            exit 2
            ;;
    esac
    shift
done

if ! command -v dpkg-query >/dev/null 2>&1; then
    log "dpkg-query not found: this is not a Debian-based system; cannot check packages."
    log "make sure the equivalents of these are installed: ${PACKAGES[*]}"
    exit 1
fi

# A package counts as present when dpkg's status is "<want> ok installed" (e.g. "install ok installed",
# "hold ok installed"); "deinstall ok config-files", unknown packages, etc. count as missing.
is_installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    [[ "$status" == *" ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    log "all ${#PACKAGES[@]} required packages present"
    exit 0
fi

log "missing packages (${#missing[@]}): ${missing[*]}"

if ((check_only)); then
    log "to install them: sudo apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
fi

if [[ "$(id -u)" -ne 0 ]]; then
    log "not running as root; cannot install. Run:"
    printf '  sudo apt-get update && sudo apt-get install -y --no-install-recommends %s\n' "${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# retry TRIES CMD...: run CMD up to TRIES times, sleeping a little longer between each attempt.
retry() {
    local tries=$1 n=1
    shift
    while true; do
        log "[$n/$tries] $*"
        if "$@"; then
            return 0
        fi
        if ((n >= tries)); then
            log "giving up after $tries tries: $*"
            return 1
        fi
        log "attempt $n failed; retrying in $((n * 5))s"
        sleep $((n * 5))
        n=$((n + 1))
    done
}

log "running apt-get update"
retry 3 apt-get update -o Dpkg::Use-Pty=0 >&2
log "installing: ${missing[*]}"
retry 3 apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" >&2

still_missing=()
for pkg in "${missing[@]}"; do
    is_installed "$pkg" || still_missing+=("$pkg")
done
if ((${#still_missing[@]})); then
    log "still missing after install: ${still_missing[*]}"
    exit 1
fi
log "installed ${#missing[@]} package(s); all ${#PACKAGES[@]} required packages present"
