# cairnd in a container: the image devnet/docker-compose.yml (Compose) and
# devnet/docker-stack.yml (Swarm) run. See "Containers" in README.md.
#
#   docker build -t cairn:devnet .                               # npm ci + build inside (network)
#   docker build -t cairn:devnet --build-arg CA_BUNDLE="$(cat /etc/ssl/certs/ca-certificates.crt)" .
#   devnet/containers/image.sh                                   # no network: copies the host's build
#
# BASE_IMAGE: any Debian-like image with Node 20, npm and a `node` user (uid 1000); where no
# registry is reachable, devnet/containers/base-image.sh builds one (debootstrap + host Node).
# CA_BUNDLE: PEM certificates npm should trust (NODE_EXTRA_CA_CERTS), for networks that
# re-sign TLS. The `prebuilt` target copies a host-built dist/ and production node_modules/
# from a context prepared by devnet/containers/image.sh, so it needs no network at all.
# Stage order matters for the classic (non-BuildKit) builder, which builds every stage up
# to the target: `prebuilt` comes before the network build, and its COPY also matches
# package.json so a plain build from the repository (no prebuilt/ dir) does not fail there.
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS runtime
WORKDIR /cairn
ENV NODE_ENV=production
RUN mkdir -p /data && chown node:node /data
# devnet defaults: p2p 18544, HTTP API and explorer 18543; chain data in /data
EXPOSE 18544 18543
VOLUME /data
HEALTHCHECK --interval=10s --timeout=20s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:18543/api/node').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
USER node
ENTRYPOINT ["node", "bin/cairnd.js"]
CMD ["--network", "devnet", "--datadir", "/data", "--p2p-host", "0.0.0.0", "--api-host", "0.0.0.0"]

FROM runtime AS prebuilt
COPY package.json prebuil[t] ./

FROM ${BASE_IMAGE} AS build
ARG CA_BUNDLE=""
WORKDIR /cairn
COPY package.json package-lock.json ./
RUN if [ -n "$CA_BUNDLE" ]; then printf '%s\n' "$CA_BUNDLE" > /tmp/extra-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; fi; \
    npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY wallet ./wallet
COPY devnet ./devnet
COPY bench ./bench
COPY explorer ./explorer
COPY bin ./bin
RUN npm run build && npm prune --omit=dev && rm -f /tmp/extra-ca.pem

FROM runtime AS app
COPY --from=build /cairn/package.json ./
COPY --from=build /cairn/node_modules ./node_modules
COPY --from=build /cairn/dist ./dist
COPY --from=build /cairn/bin ./bin
