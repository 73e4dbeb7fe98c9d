# Parley server image: docker build -t parley .   (compose.yaml builds and runs it: two nodes,
# MariaDB, Redis and nginx). The server listens on $PORT (3000), keeps its state in MariaDB
# (DATABASE_URL) and uploads in /data/uploads; see .env.example for every setting.
# Node 24, the active LTS (Node 20 reached end of life on 2026-04-30). CI builds and runs the
# server on the same Node (.ci/node24); `--build-arg NODE_VERSION=22` also works (package.json
# engines). Pinned to 24.18.1: from 24.19 node::ObjectWrap removes a cleanup hook in its
# destructor, and better-sqlite3 12 (the newest TypeORM 1.1 accepts) built against those headers
# aborts the process when a statement is garbage-collected (nodejs/node#65446). Lift the pin with
# better-sqlite3 13 (Node-API), once TypeORM's peer range takes it.
ARG NODE_VERSION=24.18.1

# 1. Build: every dependency, then `npm run build` (server/dist, sdk/dist, widget/dist, console/dist).
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
COPY widget/package.json widget/
COPY server/package.json server/
COPY console/package.json console/
COPY examples/package.json examples/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# 2. Production dependencies only, installed (and native modules compiled if no prebuilt binary
#    fits) on the same Debian as the runtime below.
FROM node:${NODE_VERSION}-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
COPY widget/package.json widget/
COPY server/package.json server/
COPY console/package.json console/
COPY examples/package.json examples/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: Node, the production dependencies and the built files; runs as the unprivileged
#    `node` user of the base image.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# The workspace manifests and node_modules (with its links to the workspaces).
COPY --from=deps /app/ ./
COPY --from=build /app/server/dist/ server/dist/
COPY --from=build /app/sdk/dist/ sdk/dist/
COPY --from=build /app/widget/dist/ widget/dist/
COPY --from=build /app/console/dist/ console/dist/
# The demo pages, served only with PARLEY_DEMO=1.
COPY examples/ examples/
COPY LICENSE ./
# /data/uploads exists in the image, owned by `node`, so that a new named volume mounted there
# (compose.yaml's shared `uploads`) starts with the same owner.
RUN mkdir -p /data/uploads && chown -R node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Liveness only (the process runs and its event loop turns); /readyz is for load balancers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself: it drains and exits 0 (see README "Several nodes").
CMD ["node", "server/dist/main.js"]
