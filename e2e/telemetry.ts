// The data path for real (issue 23): the two Kubernetes collectors run as local processes of the
// OpenTelemetry Collector the toolchain builds (e2e/otelcol-builder.yaml), each with its config and
// pod environment exactly as the API server holds them, sending to a stand-in of the ClickStack
// gateway (the same collector: an OTLP/HTTP receiver on 127.0.0.1 that takes only the bare ingestion
// key, as HyperDX's OpAMP config sets `bearertokenauth/hyperdx` with `scheme: ""`, and file exporters
// the test reads). Every address a collector dials is on loopback:
// - the API server (kwok, 127.0.0.1) through the in-cluster config: KUBERNETES_SERVICE_HOST/PORT and
//   a TokenRequest token of the collector's own ServiceAccount with the cluster's CA, mounted where
//   in-cluster clients read them;
// - the gateway stand-in: the one value changed, YOUR_OTEL_COLLECTOR_ENDPOINT (otel-config-vars);
// - kubeletstats' `${env:K8S_NODE_IP}:10250`: status.hostIP resolves to 127.0.0.2, where a kubelet
//   stand-in serves /stats/summary and /pods over TLS and authorizes the token as the kubelet does
//   (TokenReview, then SubjectAccessReview on nodes/stats or nodes/proxy);
// - health_check's `${env:MY_POD_IP}:13133`: status.podIP resolves to 127.0.0.3 / 127.0.0.4.
// The workloads' telemetry (issue 25) runs on a node of its own whose simulated addresses ARE on
// loopback, so nothing is mapped there: kwok takes a pod's address from its node's spec.podCIDR
// (127.1.0.0/24) and its hostIP from the node's InternalIP (127.0.0.6). Only that node: the API
// server refuses loopback addresses in Endpoints and EndpointSlices, so the cluster's other Services
// would lose theirs if every pod were on loopback.
// Each collector runs in a private mount namespace whose root is an overlay of the machine's on a
// tmpfs, so nothing it (or its setup) writes reaches the host's paths; the overlay gives it
// /var/run/secrets/kubernetes.io/serviceaccount, /var/log/pods (CRI log lines the test writes, from
// the run folder), /hostfs (the machine's /proc under it, for hostmetrics) and a resolv.conf naming
// only 127.0.0.1.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as http2 from "http2";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { kubectl, kubectlJson, RUN_DIR, TOOLCHAIN } from "./harness";
import { freePort, healthy, LocalProcess, startProcess, stopProcess } from "./processes";

export const OTELCOL_BINARY = path.join(TOOLCHAIN, "bin", "otelcol-e2e");
/** Where simulated addresses are answered: the kubelet of every node, and each collector's pod. */
export const LOOPBACK = {
    kubelet: "127.0.0.2", daemonsetPod: "127.0.0.3", deploymentPod: "127.0.0.4",
    /** The apps' node: its pods' addresses, and its own (kubelet) address. */
    appNodePodCidr: "127.1.0.0/24", appNodeIp: "127.0.0.6",
} as const;

/** The collector version the toolchain built, from e2e/versions.env. */
export function builtCollectorVersion(): string {
    const env = fs.readFileSync(path.join(__dirname, "versions.env"), "utf8");
    return /^OTELCOL_VERSION=v?(\S+)$/m.exec(env)?.[1] ?? "unknown";
}

export function telemetryUnavailable(chartsKind: string): string | undefined {
    if (!fs.existsSync(OTELCOL_BINARY)) return `no ${OTELCOL_BINARY} (e2e/toolchain.sh builds it)`;
    if (chartsKind !== "real") return "the stand-in charts render no collector config (use the real charts: ../shared/charts or E2E_CHARTS_DIR)";
    if (spawnSync("unshare", ["--mount", "--", "true"]).status !== 0) return "unshare --mount is not allowed here (a private mount namespace needs root)";
    return undefined;
}

// --- OTLP JSON, as the file exporter writes it (one export request per line) -------------------
type AnyValue = { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean; kvlistValue?: { values: KeyValue[] }; arrayValue?: { values: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };
export interface Resource { attributes?: KeyValue[] }
export interface MetricRecord { resource: Record<string, unknown>; name: string; points: { attributes: Record<string, unknown>; value: number }[] }
export interface LogRecord { resource: Record<string, unknown>; attributes: Record<string, unknown>; body: unknown }
export interface SpanRecord { resource: Record<string, unknown>; name: string; traceId: string }

export function plain(v: AnyValue | undefined): unknown {
    if (v === undefined) return undefined;
    if (v.kvlistValue) return Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key, plain(kv.value)]));
    if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
    if (v.intValue !== undefined) return Number(v.intValue);
    return v.stringValue ?? v.doubleValue ?? v.boolValue;
}
const attrs = (list: KeyValue[] | undefined) => Object.fromEntries((list ?? []).map((kv) => [kv.key, plain(kv.value)]));
const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l)) : []);

// --- the gateway stand-in ---------------------------------------------------------------------
export interface Gateway {
    readonly endpoint: string;
    metrics(): MetricRecord[];
    logs(): LogRecord[];
    spans(): SpanRecord[];
    readonly process: LocalProcess;
    stop(): Promise<void>;
}

/** The ClickStack gateway's ingestion side: OTLP/HTTP on 127.0.0.1 behind the bare key, into files. */
export async function startGateway(apiKey: string, dir: string): Promise<Gateway> {
    fs.mkdirSync(dir, { recursive: true });
    const [port, health] = [await freePort(), await freePort()];
    const file = (signal: string) => path.join(dir, `${signal}.jsonl`);
    const config = {
        extensions: {
            // HyperDX's OpAMP config (packages/api/src/opamp/controllers/opampController.ts): the team's
            // keys, no scheme, so the authorization header is the bare key.
            "bearertokenauth/hyperdx": { scheme: "", tokens: [apiKey] },
            health_check: { endpoint: `127.0.0.1:${health}` },
        },
        receivers: { "otlp/hyperdx": { protocols: { http: { endpoint: `127.0.0.1:${port}`, auth: { authenticator: "bearertokenauth/hyperdx" } } } } },
        exporters: Object.fromEntries(["metrics", "logs", "traces"].map((s) => [`file/${s}`, { path: file(s) }])),
        service: {
            extensions: ["bearertokenauth/hyperdx", "health_check"],
            pipelines: Object.fromEntries(["metrics", "logs", "traces"].map((s) => [s, { receivers: ["otlp/hyperdx"], exporters: [`file/${s}`] }])),
            telemetry: { metrics: { level: "none" } },
        },
    };
    const configFile = path.join(dir, "gateway.yaml");
    fs.writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
    const p = startProcess(OTELCOL_BINARY, ["--config", `file:${configFile}`], { PATH: process.env.PATH ?? "/usr/bin:/bin" }, path.join(dir, "gateway.log"));
    await healthy(p, `http://127.0.0.1:${health}/`, "the gateway stand-in");
    return {
        endpoint: `http://127.0.0.1:${port}`,
        process: p,
        metrics: () => lines(file("metrics")).flatMap((req: { resourceMetrics?: { resource?: Resource; scopeMetrics?: { metrics?: Record<string, unknown>[] }[] }[] }) =>
            (req.resourceMetrics ?? []).flatMap((rm) => (rm.scopeMetrics ?? []).flatMap((sm) => (sm.metrics ?? []).map((m) => {
                const data = (m.gauge ?? m.sum ?? m.histogram ?? m.summary ?? {}) as { dataPoints?: { attributes?: KeyValue[]; asDouble?: number; asInt?: string; count?: string }[] };
                return {
                    resource: attrs(rm.resource?.attributes),
                    name: m.name as string,
                    points: (data.dataPoints ?? []).map((d) => ({ attributes: attrs(d.attributes), value: Number(d.asDouble ?? d.asInt ?? d.count ?? Number.NaN) })),
                };
            })))),
        logs: () => lines(file("logs")).flatMap((req: { resourceLogs?: { resource?: Resource; scopeLogs?: { logRecords?: { attributes?: KeyValue[]; body?: AnyValue }[] }[] }[] }) =>
            (req.resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => (sl.logRecords ?? []).map((r) => ({
                resource: attrs(rl.resource?.attributes), attributes: attrs(r.attributes), body: plain(r.body),
            }))))),
        spans: () => lines(file("traces")).flatMap((req: { resourceSpans?: { resource?: Resource; scopeSpans?: { spans?: { name: string; traceId: string }[] }[] }[] }) =>
            (req.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((sp) => ({
                resource: attrs(rs.resource?.attributes), name: sp.name, traceId: sp.traceId,
            }))))),
        stop: () => stopProcess(p),
    };
}

// --- an app of the cluster's --------------------------------------------------------------------
/**
 * POSTs an OTLP/HTTP JSON request from `from` (the app pod's address) to `to`, with no
 * authorization header: what an SDK with only OTEL_EXPORTER_OTLP_ENDPOINT set sends.
 */
export function postOtlp(from: string, to: string, signal: "traces" | "logs" | "metrics", body: unknown): Promise<number> {
    const data = JSON.stringify(body);
    const url = new URL(`${to}/v1/${signal}`);
    return new Promise((resolve, reject) => {
        const req = http.request({
            host: url.hostname, port: url.port, path: url.pathname, method: "POST", localAddress: from,
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
        }, (res) => { res.resume(); res.on("end", () => resolve(res.statusCode ?? 0)); });
        req.on("error", reject);
        req.end(data);
    });
}

/** One span of `service`, as OTLP JSON (opentelemetry-proto's JSON mapping: hex ids, string nanos). */
export function spanRequest(service: string, name: string, traceId: string) {
    const now = BigInt(Date.now()) * 1_000_000n;
    return {
        resourceSpans: [{
            resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
            scopeSpans: [{
                scope: { name: "e2e" },
                spans: [{ traceId, spanId: traceId.slice(0, 16), name, kind: 2, startTimeUnixNano: String(now - 5_000_000n), endTimeUnixNano: String(now) }],
            }],
        }],
    };
}

/**
 * The same span over OTLP/gRPC from `from` to `to` (host:port): one unary call of
 * opentelemetry.proto.collector.trace.v1.TraceService/Export on HTTP/2, as an SDK with
 * OTEL_EXPORTER_OTLP_PROTOCOL=grpc makes it, no key. Resolves to the grpc-status trailer.
 * Node's http2 and a hand-written protobuf encoding (field numbers of opentelemetry-proto's
 * trace.proto, common.proto and trace_service.proto): grpc-js cannot bind the client's source
 * address, which is how the collector finds the sending pod.
 */
export function exportSpanGrpc(from: string, to: string, service: string, name: string, traceId: string): Promise<string> {
    const now = BigInt(Date.now()) * 1_000_000n;
    const request = field(1, [ // ExportTraceServiceRequest.resource_spans
        field(1, field(1, [field(1, "service.name"), field(2, field(1, service))])), // resource.attributes[0]
        field(2, [field(1, field(1, "e2e")), field(2, [ // scope_spans[0]: scope.name, spans[0]
            field(1, Buffer.from(traceId, "hex")), field(2, Buffer.from(traceId.slice(0, 16), "hex")), field(5, name),
            varintField(6, 2), fixed64Field(7, now - 5_000_000n), fixed64Field(8, now),
        ])]),
    ]);
    const framed = Buffer.concat([Buffer.from([0]), uint32(request.length), request]);
    return new Promise((resolve, reject) => {
        const [host, port] = to.split(":");
        const session = http2.connect(`http://${to}`, { createConnection: () => net.connect({ host, port: Number(port), localAddress: from }) });
        session.on("error", reject);
        const stream = session.request({
            ":method": "POST", ":path": "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            "content-type": "application/grpc", te: "trailers",
        });
        let status = "";
        stream.on("response", (headers) => { status = String(headers["grpc-status"] ?? status); });
        stream.on("trailers", (trailers) => { status = String(trailers["grpc-status"] ?? status); });
        stream.on("data", () => undefined);
        stream.on("error", reject);
        stream.on("end", () => { session.close(); resolve(status); });
        stream.end(framed);
    });
}

/** Protobuf wire format: a length-delimited field (a string, bytes, or an embedded message's parts). */
function field(n: number, value: string | Buffer | Buffer[]): Buffer {
    const bytes = Array.isArray(value) ? Buffer.concat(value) : Buffer.isBuffer(value) ? value : Buffer.from(value);
    return Buffer.concat([varint(BigInt((n << 3) | 2)), varint(BigInt(bytes.length)), bytes]);
}
const varintField = (n: number, v: number) => Buffer.concat([varint(BigInt(n << 3)), varint(BigInt(v))]);
function fixed64Field(n: number, v: bigint): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return Buffer.concat([varint(BigInt((n << 3) | 1)), b]);
}
function varint(v: bigint): Buffer {
    const out: number[] = [];
    do {
        out.push(Number(v & 0x7fn) | (v > 0x7fn ? 0x80 : 0));
        v >>= 7n;
    } while (v > 0n);
    return Buffer.from(out);
}
const uint32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };

/** An app's Prometheus endpoint on `address:port`: the text format, with `text` as the body. */
export async function servePrometheus(address: string, port: number, text: string): Promise<{ scrapes: number; stop(): Promise<void> }> {
    const served = { scrapes: 0 };
    const server = http.createServer((req, res) => {
        if (req.url !== "/metrics") { res.writeHead(404).end(); return; }
        served.scrapes++;
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(text);
    });
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, address, resolve));
    return Object.assign(served, { stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}

// --- the kubelet stand-in ---------------------------------------------------------------------
interface PodObject {
    metadata: { name: string; namespace: string; uid: string; creationTimestamp: string; labels?: Record<string, string> };
    spec: { nodeName?: string; containers: { name: string; resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }[] };
    status?: { startTime?: string };
}
export interface Kubelet { readonly requests: { path: string; status: number }[]; stop(): Promise<void> }

/** What the kubelet's authorizer asks for a path (pkg/kubelet/server/auth.go): stats, or proxy for the rest. */
const kubeletSubresource = (p: string) => (p.startsWith("/stats") ? "stats" : p.startsWith("/metrics") ? "metrics" : p.startsWith("/spec") ? "spec" : "proxy");

/**
 * A kubelet for `node` on `address`:10250 (TLS with the cluster's own admin certificate: the
 * receiver skips verification as rendered). It authenticates and authorizes the bearer token as the
 * kubelet does, through the API server, and serves the node's pods as the API server holds them,
 * with figures for each.
 */
export async function startKubelet(node: string, pki: string, address: string = LOOPBACK.kubelet): Promise<Kubelet> {
    const requests: { path: string; status: number }[] = [];
    const reviews = new Map<string, boolean>();
    const allowed = (token: string, subresource: string): boolean => {
        const key = `${subresource} ${token}`;
        if (!reviews.has(key)) {
            const review = kubectl(["create", "-o", "json", "-f", "-"], JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } }));
            const status = JSON.parse(review.stdout || "{}").status as { authenticated?: boolean; user?: { username: string; groups?: string[]; uid?: string } } | undefined;
            let ok = false;
            if (status?.authenticated && status.user) {
                const sar = kubectl(["create", "-o", "json", "-f", "-"], JSON.stringify({
                    apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview",
                    spec: { user: status.user.username, groups: status.user.groups, uid: status.user.uid, resourceAttributes: { verb: "get", resource: "nodes", subresource, name: node } },
                }));
                ok = JSON.parse(sar.stdout || "{}").status?.allowed === true;
            }
            reviews.set(key, ok);
        }
        return reviews.get(key)!;
    };
    const pods = () => kubectlJson<{ items: PodObject[] }>(["get", "pods", "--all-namespaces", "--field-selector", `spec.nodeName=${node}`]).items;
    const server = https.createServer({ cert: fs.readFileSync(path.join(pki, "admin.crt")), key: fs.readFileSync(path.join(pki, "admin.key")) }, (req, res) => {
        const url = new URL(req.url ?? "/", "https://kubelet");
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        const answer = (status: number, body: unknown) => {
            requests.push({ path: url.pathname, status });
            res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
            res.end(typeof body === "string" ? body : JSON.stringify(body));
        };
        if (!token) return answer(401, "Unauthorized");
        if (!allowed(token, kubeletSubresource(url.pathname))) {
            return answer(403, `Forbidden (user=system:serviceaccount:…, verb=get, resource=nodes, subresource=${kubeletSubresource(url.pathname)})`);
        }
        if (url.pathname === "/pods") return answer(200, { kind: "PodList", apiVersion: "v1", metadata: {}, items: pods() });
        if (url.pathname === "/stats/summary") return answer(200, summary(node, pods()));
        return answer(404, "404 page not found");
    });
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(10250, address, resolve));
    return { requests, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A stats/v1alpha1 Summary (k8s.io/kubelet/pkg/apis/stats/v1alpha1) with made-up but plausible figures. */
function summary(node: string, pods: PodObject[]) {
    const now = new Date().toISOString();
    const cpu = (nanoCores: number) => ({ time: now, usageNanoCores: nanoCores, usageCoreNanoSeconds: nanoCores * 3600 });
    const memory = (bytes: number) => ({ time: now, availableBytes: 4 * bytes, usageBytes: bytes, workingSetBytes: bytes, rssBytes: bytes / 2, pageFaults: 100, majorPageFaults: 1 });
    return {
        node: { nodeName: node, startTime: now, cpu: cpu(1_500_000_000), memory: memory(6 * 2 ** 30) },
        pods: pods.map((p) => ({
            podRef: { name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid },
            startTime: p.status?.startTime ?? p.metadata.creationTimestamp,
            containers: p.spec.containers.map((c) => ({ name: c.name, startTime: p.metadata.creationTimestamp, cpu: cpu(50_000_000), memory: memory(64 * 2 ** 20) })),
            cpu: cpu(50_000_000 * p.spec.containers.length),
            memory: memory(64 * 2 ** 20 * p.spec.containers.length),
        })),
    };
}

// --- a Kubernetes collector as its pod would run ----------------------------------------------
export interface CollectorRun { readonly name: string; readonly process: LocalProcess; stop(): Promise<void> }

export interface CollectorSpec {
    /** Release name, e.g. k8s-otel-daemonset. */
    readonly name: string;
    /** The config file's text, as the ConfigMap holds it. */
    readonly config: string;
    /** The container's environment, resolved. */
    readonly env: Record<string, string>;
    /** ServiceAccount token and the cluster CA. */
    readonly token: string;
    readonly ca: string;
    /** The folder mounted at /var/log/pods. */
    readonly podLogs: string;
    /** The health_check address to wait on. */
    readonly health: string;
}

/** Starts one collector in its private mount namespace and waits until its health check answers. */
export async function startCollector(spec: CollectorSpec): Promise<CollectorRun> {
    const dir = path.join(RUN_DIR, `collector-${spec.name}`);
    fs.mkdirSync(path.join(dir, "sa"), { recursive: true });
    fs.mkdirSync(path.join(dir, "ns"), { recursive: true });
    fs.writeFileSync(path.join(dir, "sa", "token"), spec.token);
    fs.writeFileSync(path.join(dir, "sa", "ca.crt"), spec.ca);
    fs.writeFileSync(path.join(dir, "sa", "namespace"), spec.env.OTEL_K8S_NAMESPACE ?? "");
    fs.writeFileSync(path.join(dir, "relay.yaml"), spec.config);
    fs.writeFileSync(path.join(dir, "resolv.conf"), "nameserver 127.0.0.1\n");
    // The overlay root: the machine's / read through, every write into the tmpfs at ns/.
    const setup = [
        "set -e",
        'R="$1"; D="$2"; BIN="$3"',
        'mount -t tmpfs tmpfs "$R"',
        'mkdir -p "$R/upper" "$R/work" "$R/root"',
        'mount -t overlay overlay -o "lowerdir=/,upperdir=$R/upper,workdir=$R/work" "$R/root"',
        'for m in proc dev sys; do mount --rbind "/$m" "$R/root/$m"; done',
        'mkdir -p "$R/root/run/secrets/kubernetes.io/serviceaccount" "$R/root/var/log/pods" "$R/root/hostfs/proc" "$R/root/conf"',
        'mount --bind "$D/sa" "$R/root/run/secrets/kubernetes.io/serviceaccount"',
        'mount --bind "$D/pods" "$R/root/var/log/pods"',
        'mount --rbind /proc "$R/root/hostfs/proc"',
        'mount --bind "$D/resolv.conf" "$R/root/etc/resolv.conf"',
        'cp "$D/relay.yaml" "$R/root/conf/relay.yaml"',
        'exec chroot "$R/root" "$BIN" --config=/conf/relay.yaml',
    ].join("\n");
    fs.rmSync(path.join(dir, "pods"), { force: true, recursive: true });
    fs.symlinkSync(spec.podLogs, path.join(dir, "pods"));
    const p = startProcess("unshare", ["--mount", "--", "sh", "-c", setup, "sh", path.join(dir, "ns"), dir, OTELCOL_BINARY], spec.env, path.join(dir, "collector.log"));
    await healthy(p, `http://${spec.health}/`, `collector ${spec.name}`);
    return { name: spec.name, process: p, stop: () => stopProcess(p) };
}
