#!/usr/bin/env bash
# npm run e2e: builds the toolchain (does nothing when built), starts a kwok cluster on 127.0.0.1,
# runs the scenarios (e2e/engine.test.ts) through the Automation API, and tears the cluster down.
#   E2E_CHARTS_DIR=/abs/folder   the real charts, unpacked as <folder>/<chart> (default ../shared/charts when there, else stand-ins are written)
#   E2E_NODES=1..3               simulated nodes (default 1)
#   E2E_TOOLCHAIN_DIR=/path      the toolchain cache folder (default ~/.cache/clickstack-k8s-e2e/<key>)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."

t0=$SECONDS
e2e/toolchain.sh
toolchain_seconds=$((SECONDS - t0))
E2E_TOOLCHAIN_DIR="$(e2e/toolchain.sh --check)"
export E2E_TOOLCHAIN_DIR

E2E_RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/clickstack-e2e.XXXXXX")"
export E2E_RUN_DIR KUBECONFIG="$E2E_RUN_DIR/kubeconfig"
trap 'e2e/cluster.sh down "$E2E_RUN_DIR"' EXIT

t0=$SECONDS
e2e/cluster.sh up "$E2E_RUN_DIR" "${E2E_NODES:-1}"
cluster_seconds=$((SECONDS - t0))
printf '[{"step":"toolchain (already built: check only)","seconds":%s},{"step":"cluster start","seconds":%s}]\n' \
  "$toolchain_seconds" "$cluster_seconds" >"$E2E_RUN_DIR/timings-scripts.json"

echo "e2e: run folder $E2E_RUN_DIR"
npx jest -c e2e/jest.config.js --runInBand "$@"
