#!/usr/bin/env bash
# StreamHeal build entry point.
#   ./build.sh test          install what the tests need (if missing), then run the whole suite
#   ./build.sh reliability   run the fault matrix (tests/StreamHeal.IntegrationTests/Reliability) and write docs/reliability.md
#   ./build.sh demo [args]   run the demo (embedded Kafka → DuckDB, or --sink bigquery-fake); args go to `streamheal demo`
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The integration tests drive the embedded Kafka cluster with real external clients, check the monitoring
# files with a real Prometheus, promtool and amtool, and the packaging with docker-compose and node.
ensure_test_tools() {
  local missing=()
  command -v kcat >/dev/null 2>&1 || missing+=(kcat)
  /usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || missing+=(python3-confluent-kafka)
  { command -v prometheus && command -v promtool; } >/dev/null 2>&1 || missing+=(prometheus)
  { command -v amtool && command -v prometheus-alertmanager; } >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  # The packaging tests validate docker-compose.yml and run node with the Kubernetes schema packages.
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  { command -v node && command -v npm; } >/dev/null 2>&1 || missing+=(nodejs npm)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
  local validate=tests/StreamHeal.IntegrationTests/Packaging/validate
  if [ ! -d "$validate/node_modules" ]; then
    (cd "$validate" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

case "${1:-}" in
  test)
    ensure_test_tools
    rm -rf TestResults
    mkdir -p TestResults/crash
    dotnet build StreamHeal.sln -c Release
    # A test host that dies in native code says nothing; the runtime then writes a crash report, printed at the end.
    export DOTNET_DbgEnableMiniDump=1 DOTNET_DbgMiniDumpType=1 DOTNET_EnableCrashReport=1 \
      DOTNET_DbgMiniDumpName="$PWD/TestResults/crash/%e.%p.dmp"
    if [ $# -gt 1 ]; then
      # Arguments (e.g. --filter) go to one run of the whole suite.
      exec dotnet test StreamHeal.sln -c Release --no-build --logger "trx" --results-directory TestResults \
        --blame-hang-timeout 10m --blame-hang-dump-type none "${@:2}"
    fi
    # The fault-matrix tests (Category=FaultMatrix) mostly wait on session timeouts, restarts and outages, so they run
    # in a second test process beside the rest; their output follows the main run's. A test that hangs is stopped
    # after 10 minutes and named in the output, instead of stalling the whole run.
    set +e
    dotnet test tests/StreamHeal.IntegrationTests -c Release --no-build --filter "Category=FaultMatrix" \
      --logger "trx;LogFileName=fault-matrix.trx" --results-directory TestResults \
      --blame-hang-timeout 10m --blame-hang-dump-type none > TestResults/fault-matrix.log 2>&1 &
    matrix=$!
    dotnet test StreamHeal.sln -c Release --no-build --filter "Category!=FaultMatrix" --logger "trx" --results-directory TestResults \
      --blame-hang-timeout 10m --blame-hang-dump-type none
    rest=$?
    wait "$matrix"
    matrix_status=$?
    set -e
    echo "--- fault matrix (Category=FaultMatrix)"
    cat TestResults/fault-matrix.log
    shopt -s nullglob
    reports=(TestResults/crash/*.crashreport.json)
    [ ${#reports[@]} -eq 0 ] || python3 build/crash-summary.py "${reports[@]}"
    [ "$rest" -eq 0 ] && [ "$matrix_status" -eq 0 ]
    ;;
  reliability)
    dotnet build StreamHeal.sln -c Release
    mkdir -p docs
    # The collection writes the table when it ends, failures included: a row that lost events is the finding.
    set +e
    STREAMHEAL_RELIABILITY_REPORT="$PWD/docs/reliability.md" dotnet test tests/StreamHeal.IntegrationTests -c Release --no-build \
      --filter "FullyQualifiedName~StreamHeal.IntegrationTests.Reliability" --blame-hang-timeout 10m --blame-hang-dump-type none "${@:2}"
    status=$?
    set -e
    echo "wrote docs/reliability.md"
    exit "$status"
    ;;
  demo)
    dotnet run --project src/StreamHeal.Host -c Release -- demo "${@:2}"
    ;;
  *)
    echo "usage: ./build.sh test | reliability | demo [--events N] [--partitions P] [--db PATH] [--sink duckdb|bigquery-fake] [--json]" >&2
    exit 2
    ;;
esac
