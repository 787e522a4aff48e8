# tsiot: REST + MCP (Streamable HTTP at /mcp, WebSocket at /ws) on one port.
# Build:  docker build -t tsiot .
# Run:    docker run -p 8080:8080 -v tsiot-data:/data tsiot
# It binds 0.0.0.0, so it needs credentials first (it refuses to start without):
#         docker run --rm -v tsiot-data:/data tsiot node dist/src/cli/main.js keys create --name ops --scopes admin
#         (prints the key once; clients send "Authorization: Bearer <key>"), or an OAuth issuer:
#         docker run -e TSIOT_AUTH_ISSUER=https://id.example.com -e TSIOT_AUTH_JWKS_URL=https://id.example.com/jwks.json \
#                    -e TSIOT_PUBLIC_URL=https://tsiot.example.com …
# Reached under another name than localhost? Allow it (DNS-rebinding guard):
#         docker run -e TSIOT_ALLOWED_HOSTS=tsiot.internal:8080 …

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the build runs explicitly below, once the sources are copied
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY tools ./tools
COPY resources ./resources
COPY prompts ./prompts
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    TSIOT_DATA_DIR=/data \
    TSIOT_HTTP_HOST=0.0.0.0 \
    TSIOT_HTTP_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "dist/src/cli/main.js", "serve"]
