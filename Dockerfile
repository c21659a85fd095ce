# StreamHeal container image.
#   docker build -t streamheal .                                   (the builder's architecture)
#   docker buildx build --platform linux/amd64,linux/arm64 -t streamheal .
#
# The SDK stage runs on the build machine's own platform and cross-publishes for the target one: librdkafka and DuckDB
# ship native libraries for linux-x64 and linux-arm64 in their packages, and a RID-specific publish copies exactly the
# target's into the output. The app is self-contained (its own runtime and ASP.NET Core), so the runtime stage is the
# smallest base there is: runtime-deps chiseled (glibc, libstdc++ for DuckDB, OpenSSL, CA certificates; no shell, no
# package manager, a non-root user).
#
# tests/StreamHeal.IntegrationTests/Packaging/PublishedAppTests.cs reads the `dotnet publish` below from this file and
# runs it, then starts the output as a non-root user from an empty folder: change the command here, and the test runs
# the new one.

# global.json asks for SDK 10.0.401 or a later feature band; the 10.0 SDK image carries the latest band.
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
# The package cache lives in a BuildKit cache mount, so a source change does not download every package again.
RUN --mount=type=cache,id=streamheal-nuget,target=/root/.nuget/packages \
    dotnet publish src/StreamHeal.Host/StreamHeal.Host.csproj -c Release -a $TARGETARCH --self-contained -p:DebugType=none -o /app
# The volume's mount point, made here because the runtime image has no shell: Docker gives a new volume the owner of
# the image's folder, so it must belong to the app user, or the service could not write its DuckDB file.
RUN mkdir -p /volume/data

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled
WORKDIR /app
COPY --from=build /app .
COPY --from=build --chown=1654:1654 /volume/data /data
# Everything the service writes goes under /data: the DuckDB file and the local copy of the schema state. The root
# filesystem can be mounted read-only (docker run --read-only, Kubernetes readOnlyRootFilesystem) with /data and /tmp
# writable.
VOLUME ["/data"]
# Server GC (with .NET's DATAS, which sizes the heaps to the load): on 2 cores it cut (b)'s GC pauses from 23 % of its
# wall time to 5 % and raised its rate by about 17 %, for ~30 MB more RSS (README, "Tuning defaults").
ENV STREAMHEAL__HEALTH__BINDADDRESS=0.0.0.0 \
    STREAMHEAL__SINK__DUCKDB__PATH=/data/streamheal.duckdb \
    STREAMHEAL__SCHEMASTATE__DIRECTORY=/data/schema-state \
    DOTNET_gcServer=1 \
    PATH=/app:/usr/local/bin:/usr/bin:/bin
# The chiseled image's non-root user ($APP_UID, 1654); numeric so that Kubernetes' runAsNonRoot can verify it.
USER 1654
# /health/live, /health/ready and /metrics.
EXPOSE 8081
ENTRYPOINT ["streamheal"]
CMD ["run"]
