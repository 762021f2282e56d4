# Build stage: compile the release binary.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin bizgraph

# Runtime stage: a small image running as a non-root user.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /data bizgraph \
    && mkdir -p /data && chown bizgraph /data
COPY --from=build /src/target/release/bizgraph /usr/local/bin/bizgraph
USER bizgraph
WORKDIR /data
ENV BIZGRAPH_BIND=0.0.0.0:8000 BIZGRAPH_LOG_FORMAT=json
EXPOSE 8000
# Ready = database and Redis reachable, migrations applied (`/health/ready`); the image has
# no HTTP client, so the binary asks its own probe. Orchestrators can use /health/live and
# /health/ready directly.
HEALTHCHECK --interval=10s --timeout=6s --start-period=30s CMD ["/usr/local/bin/bizgraph", "probe", "ready"]
ENTRYPOINT ["/usr/local/bin/bizgraph"]
CMD ["serve"]
