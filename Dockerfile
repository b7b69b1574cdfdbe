# Keywarden in a container: the npm package (what `npm pack` makes), installed with its production
# dependencies and run as a user without privileges.
#
#   docker build -t keywarden .
#   docker run --rm -p 127.0.0.1:4599:4599 -v keywarden-data:/data keywarden
#
# The data directory is /data (a volume): the database, the audit log and, unless KEYWARDEN_ROOT_KEY
# or --root-key-file says otherwise, the root key that wraps all key material.

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. The package: compile the TypeScript and pack exactly the files the npm package ships.
FROM ${NODE_IMAGE} AS package
WORKDIR /src
COPY package.json package-lock.json ./
# Scripts off: the sources are not here yet for `prepare`, and only tsc runs in this stage.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
# The unit tests beside the sources import test/support: the build compiles them (the package leaves them out).
COPY test ./test
COPY docs ./docs
COPY README.md ./
RUN npm run build && npm pack --ignore-scripts --pack-destination /package

# 2. The installation: the package and its production dependencies; better-sqlite3 is built here
# when no prebuilt binary fits, hence the compilers (they stay in this stage).
FROM ${NODE_IMAGE} AS install
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/keywarden
COPY --from=package /package/ /package/
RUN echo '{"name": "keywarden-image", "private": true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund /package/keywarden-*.tgz \
 && npm cache clean --force

# 3. The image: Node, the installation, and a data directory owned by the unprivileged `node` user.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
COPY --from=install /opt/keywarden /opt/keywarden
RUN mkdir -p /data && chown node:node /data && chmod 700 /data \
 && ln -s /opt/keywarden/node_modules/.bin/keywarden /usr/local/bin/keywarden
USER node
WORKDIR /data
VOLUME ["/data"]
EXPOSE 4599
# Liveness from /health (the service's own health endpoint); fetch is built into Node 20.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.KEYWARDEN_HEALTH_URL || 'http://127.0.0.1:4599/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["keywarden"]
# 0.0.0.0 inside the container, so that a published port reaches it; publish it on 127.0.0.1.
CMD ["serve", "--host", "0.0.0.0", "--port", "4599", "--data-dir", "/data"]
