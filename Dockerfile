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
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8000"]
ENTRYPOINT ["/usr/local/bin/bizgraph"]
CMD ["serve"]
