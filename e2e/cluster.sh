#!/usr/bin/env bash
# A kwok cluster on 127.0.0.1 from the toolchain's binaries: a real etcd, kube-apiserver (RBAC on),
# kube-controller-manager and kube-scheduler, and 1 to 3 simulated nodes (kwok's default stages make
# pods Running/Ready and Job pods Succeeded; no container runs).
#
#   e2e/cluster.sh up <run-dir> [nodes]   start; writes <run-dir>/kubeconfig
#   e2e/cluster.sh zones <run-dir> <n>    scale to n nodes (1-3), one zone each (topology.kubernetes.io/zone e2e-zone-<i>)
#   e2e/cluster.sh down <run-dir>         delete it and stop every process it started
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
action="${1:-}"; run_dir="${2:-}"
[[ "$action" == up || "$action" == down || "$action" == zones ]] && [[ -n "$run_dir" ]] \
  || { echo "usage: e2e/cluster.sh up|zones|down <run-dir> [nodes 1-3]" >&2; exit 2; }
tools="$("$here/toolchain.sh" --check)" || { echo "cluster: the toolchain is not built; run e2e/toolchain.sh" >&2; exit 2; }
export PATH="$tools/bin:$PATH"
export KWOK_WORKDIR="$run_dir/kwok"   # kwokctl keeps the cluster's files and pids here, not in ~/.kwok
# One name per run folder: two runs on one machine never share a cluster.
name="clickstack-e2e-$(printf '%s' "$run_dir" | sha256sum | cut -c1-8)"

case "$action" in
up)
  nodes="${3:-1}"
  [[ "$nodes" =~ ^[1-3]$ ]] || { echo "cluster: nodes must be 1, 2 or 3 (given: $nodes)" >&2; exit 2; }
  mkdir -p "$run_dir"
  b="$tools/bin"
  log="$run_dir/kwokctl.log"
  if ! { kwokctl create cluster --name "$name" --runtime binary --kube-authorization=true \
      --kube-apiserver-binary "$b/kube-apiserver" --kube-controller-manager-binary "$b/kube-controller-manager" \
      --kube-scheduler-binary "$b/kube-scheduler" --kwok-controller-binary "$b/kwok" --etcd-binary "$b/etcd" \
      --kubeconfig "$run_dir/kubeconfig" --wait 120s --timeout 180s \
    && kwokctl scale node --name "$name" --replicas "$nodes"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "cluster: kwokctl failed (log: $log)" >&2
    exit 1
  fi
  kubectl --kubeconfig "$run_dir/kubeconfig" wait --for=condition=Ready node --all --timeout=60s >/dev/null
  # The API server must answer on loopback only.
  server="$(kubectl --kubeconfig "$run_dir/kubeconfig" config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  [[ "$server" == https://127.0.0.1:* ]] || { echo "cluster: the API server is not on 127.0.0.1: $server" >&2; exit 1; }
  echo "cluster: up at $server with $nodes simulated node(s); kubeconfig $run_dir/kubeconfig"
  ;;
zones)
  # The high-availability scenario: nodes in distinct zones for the scheduler and the operators' spread.
  nodes="${3:-3}"
  [[ "$nodes" =~ ^[1-3]$ ]] || { echo "cluster: nodes must be 1, 2 or 3 (given: $nodes)" >&2; exit 2; }
  kwokctl scale node --name "$name" --replicas "$nodes" >>"$run_dir/kwokctl.log" 2>&1 \
    || { tail -n 20 "$run_dir/kwokctl.log" >&2; echo "cluster: kwokctl scale failed" >&2; exit 1; }
  k=(kubectl --kubeconfig "$run_dir/kubeconfig")
  "${k[@]}" wait --for=condition=Ready node --all --timeout=60s >/dev/null
  i=0
  for node in $("${k[@]}" get nodes -o jsonpath='{.items[*].metadata.name}'); do
    i=$((i + 1))
    "${k[@]}" label node "$node" --overwrite "topology.kubernetes.io/zone=e2e-zone-$i" >/dev/null
  done
  echo "cluster: $i node(s), one zone each"
  ;;
down)
  # The local processes the scenarios run (the operators, HyperDX's API, FerretDB: e2e/operator.ts,
  # e2e/clickstack-servers.ts), each with a <name>.pid here, if the test could not stop them.
  for pid_file in "$run_dir"/*.pid; do
    [[ -f "$pid_file" ]] || continue
    kill "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
  done
  # And what those started with this folder in their command line (the gateway's collector, which its
  # OpAMP supervisor runs and restarts under new process ids).
  pkill -f -- "$run_dir/" 2>/dev/null || true
  kwokctl delete cluster --name "$name" >/dev/null 2>&1 || true
  # Anything still running from this cluster's folder (a component kwokctl lost track of).
  pkill -f -- "$KWOK_WORKDIR" 2>/dev/null || true
  for _ in $(seq 1 20); do pgrep -f -- "$KWOK_WORKDIR" >/dev/null || break; sleep 0.5; done
  if pgrep -f -- "$KWOK_WORKDIR" >/dev/null; then
    pkill -9 -f -- "$KWOK_WORKDIR" || true
    sleep 1
  fi
  if pgrep -af -- "$KWOK_WORKDIR" >&2; then echo "cluster: processes are left (above)" >&2; exit 1; fi
  echo "cluster: down, no process left"
  ;;
esac
