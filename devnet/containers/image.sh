#!/bin/sh
# Builds the cairnd image without any network: the base image (made locally by
# base-image.sh when missing) plus this checkout's build (dist/, bin/) and its production
# node_modules/, through the Dockerfile's `prebuilt` target. Run `npm ci && npm run build`
# first (npm run test:containers does).
#
#   devnet/containers/image.sh [TAG]      (default cairn:devnet)
#
# Environment: DOCKER (client, default docker), CAIRN_BASE_IMAGE (default
# cairn-base:node20-bookworm, built here when missing; set it to node:20-bookworm-slim
# where Docker Hub is reachable).
set -eu
TAG=${1:-cairn:devnet}
DOCKER=${DOCKER:-docker}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BASE=${CAIRN_BASE_IMAGE:-cairn-base:node20-bookworm}

for f in dist/src/node/cli.js dist/explorer bin/cairnd.js node_modules/.package-lock.json; do
  [ -e "$REPO/$f" ] || { echo "image.sh: $f is missing: run npm ci && npm run build first" >&2; exit 1; }
done
$DOCKER image inspect "$BASE" >/dev/null 2>&1 || DOCKER=$DOCKER "$HERE/base-image.sh" "$BASE"

CTX=$(mktemp -d /tmp/cairn-image.XXXXXX)
trap 'rm -rf "$CTX"' EXIT INT TERM
mkdir "$CTX/prebuilt"
cp "$REPO/Dockerfile" "$REPO/package.json" "$CTX/"
cp -a "$REPO/package.json" "$REPO/package-lock.json" "$REPO/bin" "$REPO/dist" "$REPO/node_modules" "$CTX/prebuilt/"
rm -rf "$CTX/prebuilt/dist/test"
# production dependencies only, from what is installed (no registry)
(cd "$CTX/prebuilt" && npm prune --omit=dev --offline --no-audit --no-fund --loglevel=error >/dev/null)
$DOCKER build -q --target prebuilt --build-arg "BASE_IMAGE=$BASE" -t "$TAG" "$CTX" >/dev/null
echo "built image $TAG on $BASE"
