#!/bin/sh
# Builds a local stand-in for the official node:20 image where no image registry is
# reachable: a Debian bookworm root (debootstrap --variant=minbase, from the Debian mirror
# apt already uses) plus this host's Node.js 20 (node and npm), with a `node` user of uid
# 1000 like the official image, imported with `docker import`. Needs root, debootstrap and
# a running Docker engine; takes about 80 s. Does nothing if the image already exists.
#
#   devnet/containers/base-image.sh [TAG]        (default cairn-base:node20-bookworm)
#
# Environment: DOCKER (client binary, default docker), DEBIAN_MIRROR (default: the first
# bookworm mirror in /etc/apt/sources.list{,.d}, else http://deb.debian.org/debian).
set -eu
TAG=${1:-cairn-base:node20-bookworm}
DOCKER=${DOCKER:-docker}

if $DOCKER image inspect "$TAG" >/dev/null 2>&1; then
  echo "base image $TAG exists"
  exit 0
fi
die() { echo "base-image.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
NODE=$(command -v node) || die "no node on PATH"
case "$("$NODE" -v)" in v20.*) ;; *) die "the host's node is $("$NODE" -v), Node 20 is needed" ;; esac
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # …/node_modules/npm
[ -f "$NPM_DIR/bin/npm-cli.js" ] || die "cannot find npm next to $NODE"

if [ -z "${DEBIAN_MIRROR:-}" ]; then
  DEBIAN_MIRROR=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^deb / && /bookworm/ && !/security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }
         /^URIs:/ && $2 ~ /debian\/?$/ { print $2; exit }' | head -n 1)
  DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
fi

ROOT=$(mktemp -d /tmp/cairn-base.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT INT TERM
echo "debootstrap bookworm from $DEBIAN_MIRROR into $ROOT"
debootstrap --variant=minbase --include=libstdc++6 bookworm "$ROOT" "$DEBIAN_MIRROR" >"$ROOT.log" 2>&1 ||
  { tail -n 30 "$ROOT.log" >&2; rm -f "$ROOT.log"; die "debootstrap failed"; }
rm -f "$ROOT.log"

install -m 0755 "$NODE" "$ROOT/usr/local/bin/node"
mkdir -p "$ROOT/usr/local/lib/node_modules"
cp -a "$NPM_DIR" "$ROOT/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"
chroot "$ROOT" groupadd --gid 1000 node
chroot "$ROOT" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/*

tar -C "$ROOT" -c . | $DOCKER import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["node"]' \
  -m "debootstrap bookworm (minbase) + host Node $("$NODE" -v)" - "$TAG" >/dev/null
echo "built base image $TAG (Node $("$NODE" -v))"
