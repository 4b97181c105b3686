# cairnd in a container, for running a devnet across several hosts (devnet/docker-compose.yml).
# Build: docker build -t cairn:devnet .   Run: docker run -p 18544:18544 -p 18543:18543 cairn:devnet --network devnet --api-host 0.0.0.0 …
FROM node:20-bookworm-slim AS build
WORKDIR /cairn
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY wallet ./wallet
COPY devnet ./devnet
COPY bench ./bench
COPY explorer ./explorer
COPY bin ./bin
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /cairn
COPY --from=build /cairn/package.json ./
COPY --from=build /cairn/node_modules ./node_modules
COPY --from=build /cairn/dist ./dist
COPY --from=build /cairn/bin ./bin
# devnet defaults: p2p 18544, HTTP API and explorer 18543; chain data in /data
EXPOSE 18544 18543
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
ENTRYPOINT ["node", "bin/cairnd.js"]
CMD ["--network", "devnet", "--datadir", "/data", "--p2p-host", "0.0.0.0", "--api-host", "0.0.0.0"]
