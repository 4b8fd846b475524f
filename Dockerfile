# slo-sidecar image: built with the same Makefile as everywhere else.
# Build stage: Debian bookworm with the -dev packages.
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential pkg-config git ca-certificates \
      libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev libyaml-dev \
      libprotobuf-c-dev protobuf-c-compiler libsnappy-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make clean && make all

# Runtime stage: only the binary and the shared libraries it links.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libcurl4 libjansson4 libmicrohttpd12 libyaml-0-2 \
      libprotobuf-c1 libsnappy1v5 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 slo \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin slo
COPY --from=build /src/build/slo-sidecar /usr/bin/slo-sidecar
# Numeric, so Kubernetes' runAsNonRoot can verify it; the Helm chart runs the
# pod as the same uid/gid (helm/slo-sidecar/values.yaml).
USER 65532:65532
EXPOSE 9099
# Kubernetes probes use /-/healthy and /-/ready; no HEALTHCHECK here.
ENTRYPOINT ["/usr/bin/slo-sidecar"]
CMD ["--config.file=/etc/slo-sidecar/slos.yaml"]
