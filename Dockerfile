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

# Runtime stage: the binary, the packages of the shared libraries it links
# (readelf -d; libc and libm are libc6, in the base image) with their
# dependencies, and the CA bundle libcurl reads by default for https:// stores
# without tls.ca_file: copied from the build stage, as the ca-certificates
# package would bring the openssl command with it. tests/deploy/test_helm.sh
# checks the package list against the built binary's libraries.
FROM debian:bookworm-slim
# OCI image labels. VERSION defaults to the VERSION file's (lint_dockerfile.mjs
# checks it); pass the rest when building a release:
#   docker build --build-arg VERSION="$(cat VERSION)" \
#     --build-arg REVISION="$(git rev-parse HEAD)" -t slo-sidecar:"$(cat VERSION)" .
# SOURCE is Chart.yaml's home (a placeholder until the repository is
# published); LICENSES is an SPDX expression, NOASSERTION until the project
# states one.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://git.example.com/sre/slo-sidecar
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="slo-sidecar" \
      org.opencontainers.image.description="Turns Prometheus data into SLO figures (compliance, error budgets, burn rates), exported as slo_* metrics" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.url="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}"
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcrypt1 libcurl4 libgnutls30 libjansson4 libmicrohttpd12 libprotobuf-c1 \
      libsnappy1v5 libyaml-0-2 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 slo \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin slo
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/build/slo-sidecar /usr/bin/slo-sidecar
# Numeric, so Kubernetes' runAsNonRoot can verify it; the Helm chart runs the
# pod as the same uid/gid (helm/slo-sidecar/values.yaml).
USER 65532:65532
EXPOSE 9099
# Kubernetes probes use /-/healthy and /-/ready; no HEALTHCHECK here.
ENTRYPOINT ["/usr/bin/slo-sidecar"]
CMD ["--config.file=/etc/slo-sidecar/slos.yaml"]
