// The data path of issue 33, as local processes on loopback beside the kwok cluster:
// - ClickHouse's engine (chdb-core from PyPI) behind e2e/clickhouse/endpoint.py, ClickHouse's HTTP
//   interface for the clients the stack has, with the users the ClickHouse operator wrote;
// - ClickStack's gateway as its image runs it (docker/otel-collector/entrypoint.sh): HyperDX's migrate
//   tool over the seed schema, then the OpAMP supervisor running HyperDX's collector distribution with the
//   config HyperDX's API hands it. Built by e2e/toolchain.sh from ../shared/sources/hyperdx.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { pathToFileURL } from "url";
import { kubectlJson, ROOT, RUN_DIR, TOOLCHAIN } from "./harness";
import { freePort, healthy, readLog, startProcess, within } from "./processes";
import { Selector, selects } from "../policies/kubernetes";
import { accepts, Server, SERVERS, track } from "./clickstack-servers";

const BIN = path.join(TOOLCHAIN, "bin");
export const DATA_PATH = {
    python: path.join(TOOLCHAIN, "clickhouse-engine", "bin", "python"),
    endpoint: path.join(ROOT, "e2e", "clickhouse", "endpoint.py"),
    collector: path.join(BIN, "otelcol-hyperdx"),
    supervisor: path.join(BIN, "opampsupervisor"),
    migrate: path.join(BIN, "hyperdx-migrate"),
    /** docker/otel-collector of HyperDX's tag: what the gateway image copies to /etc/otelcol-contrib and /etc/otel. */
    image: path.join(TOOLCHAIN, "gateway-image"),
} as const;

/** The gateway's own address: its listeners move there from 0.0.0.0 (see GATEWAY_LISTENERS). */
export const GATEWAY_IP = "127.0.0.8";

/** What differs from the cluster, printed by every run that starts the data path. */
export const DATA_GAPS = [
    "HyperDX's API runs without the app container (Next.js is not built): the test serves the app's /api proxy itself, and runs HyperDX's check-alerts task once, as the image's ALERT-TASK process would each minute",
    "host names are rewritten to 127.0.0.1 ports (MongoDB, ClickHouse, HyperDX's app and OpAMP ports); ClickHouse's metrics port and HyperDX's own OTLP export go to a closed one",
    "ClickHouse's engine is chdb-core 26.9 (the engine in-process, ClickHouse 26.9.2.1) behind the e2e's HTTP endpoint (e2e/clickhouse/endpoint.py): one process and one session, queries one at a time; it checks each user's password against the operator's users config but enforces no grants, profiles or quotas; no native TCP port, no KILL QUERY",
    "the gateway's CLICKHOUSE_ENDPOINT is that endpoint over HTTP (http://127.0.0.1:<port>) instead of the chart's tcp://<clickhouse>:9000: chdb has no native-protocol server",
    `the gateway's listeners (OTLP 4317/4318, fluentforward 24225, health 13133, its metrics 8888) are on ${GATEWAY_IP} instead of 0.0.0.0: a config file after HyperDX's remote config moves only their addresses`,
    "HyperDX's collector distribution is built at 0.149.0 (HyperDX pins 0.155.0; the proxy serves 0.155.0 without four of its components) and without the Datadog receiver, which HyperDX enables only with ENABLE_DATADOG_RECEIVER",
    "the supervisor's config is rendered by the test from the image's template (gomplate's getenv only), with the image's paths mapped to the run's folder",
];

/** Why the data path cannot run here, or undefined when it can. */
export function dataPathUnavailable(): string | undefined {
    const missing = Object.values(DATA_PATH).filter((p) => !fs.existsSync(p));
    return missing.length > 0 ? `not built: ${missing.join(", ")} (e2e/toolchain.sh builds them; the gateway needs ../shared/sources or E2E_CLICKSTACK_SOURCES)` : undefined;
}

// --- ClickHouse's engine ---------------------------------------------------------------------------

/**
 * The users the ClickHouse operator wrote for the cluster (users.d/99-extra-users-config.yaml in the
 * replica's ConfigMap, from spec.settings.extraUsersConfig): name → password_sha256_hex.
 */
export function operatorUsers(namespace: string, cluster: string): Record<string, string> {
    const maps = kubectlJson<{ items: { metadata: { ownerReferences?: { kind: string; name: string }[] }; data?: Record<string, string> }[] }>(
        ["get", "configmaps", "--namespace", namespace]).items
        .filter((m) => m.metadata.ownerReferences?.some((o) => o.kind === "ClickHouseCluster" && o.name === cluster));
    const file = maps.flatMap((m) => Object.entries(m.data ?? {})).find(([key]) => key.endsWith("99-extra-users-config.yaml"));
    if (!file) throw new Error(`no ConfigMap of ClickHouseCluster ${cluster} holds 99-extra-users-config.yaml`);
    const users = (yaml.load(file[1]) as { users: Record<string, { password_sha256_hex?: string }> }).users;
    return Object.fromEntries(Object.entries(users).filter(([, u]) => u.password_sha256_hex).map(([name, u]) => [name, u.password_sha256_hex!]));
}

export interface QueryRecord { user: string; query: string; outcome: string; ms: number; bodyBytes: number }
export interface ClickhouseEngine extends Server {
    readonly url: string;
    /** Every request the endpoint answered: user, the statement's first line, its outcome. */
    queries(): QueryRecord[];
    /** One statement as `user`; the answer's text (TabSeparated unless the SQL says otherwise). */
    query(sql: string, user: { name: string; password: string }): Promise<{ status: number; text: string }>;
}

export async function startClickhouseEngine(users: Record<string, string>): Promise<ClickhouseEngine> {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(RUN_DIR, "clickhouse-"));
    fs.writeFileSync(path.join(dir, "users.json"), JSON.stringify(users));
    const queryLog = path.join(dir, "queries.jsonl");
    const p = startProcess(DATA_PATH.python, [DATA_PATH.endpoint, "--port", String(port), "--data", dir, "--users", path.join(dir, "users.json"), "--log", queryLog],
        { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir }, path.join(RUN_DIR, "clickhouse.log"));
    const server = track("clickhouse", p);
    const url = `http://127.0.0.1:${port}`;
    try {
        await healthy(p, `${url}/ping`, "clickhouse endpoint", 60);
    } catch (err) {
        await server.stop();
        throw err;
    }
    return {
        ...server, url,
        queries: () => (fs.existsSync(queryLog) ? fs.readFileSync(queryLog, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as QueryRecord) : []),
        query: async (sql, user) => {
            const r = await fetch(`${url}/`, { method: "POST", body: sql, headers: { "X-ClickHouse-User": user.name, "X-ClickHouse-Key": user.password } });
            return { status: r.status, text: await r.text() };
        },
    };
}

// --- ClickStack's gateway ----------------------------------------------------------------------------

/** HyperDX's migrate tool over the image's seed schema, as entrypoint.sh runs it before the supervisor. */
export function runMigrate(env: Record<string, string>): { code: number | null; output: string } {
    const r = spawnSync(DATA_PATH.migrate, [path.join(DATA_PATH.image, "schema", "seed")], {
        env: { ...env, PATH: process.env.PATH ?? "/usr/bin:/bin" }, encoding: "utf8", timeout: 120_000,
    });
    return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * The listeners HyperDX's remote config (opampController.ts) and the image's config.yaml open on 0.0.0.0,
 * on the gateway's own loopback address instead. Placed after $REMOTE_CONFIG, it changes only addresses.
 */
const GATEWAY_LISTENERS = (ip: string) => ({
    receivers: {
        "otlp/hyperdx": { protocols: { grpc: { endpoint: `${ip}:4317` }, http: { endpoint: `${ip}:4318` } } },
        fluentforward: { endpoint: `${ip}:24225` },
        prometheus: { config: { scrape_configs: [{ job_name: "otelcol", scrape_interval: "30s", static_configs: [{ targets: [`${ip}:8888`, "${env:CLICKHOUSE_PROMETHEUS_METRICS_ENDPOINT}"] }] }] } },
    },
    extensions: { health_check: { endpoint: `${ip}:13133` } },
    service: { telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: ip, port: 8888 } } } }] } } },
});

/** The image's supervisor template with gomplate's `getenv` (the only function it uses) applied. */
export function renderSupervisorTemplate(template: string, env: Record<string, string>): string {
    const getenv = (name: string) => env[name] ?? "";
    return template
        .replace(/\{\{-? if getenv "(\w+)" \}\}([\s\S]*?)\{\{- end \}\}/g, (_, name: string, body: string) => (getenv(name) ? body : ""))
        .replace(/\{\{ getenv "(\w+)" \}\}/g, (_, name: string) => getenv(name));
}

export interface SupervisedGateway extends Server {
    readonly otlpHttp: string;
    /** The collector's own log (the supervisor's agent.log). */
    agentLog(): string;
}

/**
 * The gateway as its image starts it under OpAMP: `env` is its container's environment (resolved, with the
 * deviations DATA_GAPS lists already applied by the caller); the supervisor asks HyperDX at OPAMP_SERVER_URL
 * for the collector's config and runs HyperDX's collector with it.
 */
export async function startSupervisedGateway(env: Record<string, string>, ip = GATEWAY_IP): Promise<SupervisedGateway> {
    const dir = fs.mkdtempSync(path.join(RUN_DIR, "gateway-"));
    const storage = path.join(dir, "supervisor-data");
    fs.mkdirSync(storage);
    const imageConfig = path.join(DATA_PATH.image, "config.yaml");
    const listeners = path.join(dir, "listeners.yaml");
    fs.writeFileSync(listeners, yaml.dump(GATEWAY_LISTENERS(ip)));
    const rendered = yaml.load(renderSupervisorTemplate(fs.readFileSync(path.join(DATA_PATH.image, "supervisor_docker.yaml.tmpl"), "utf8"), env)) as {
        agent: { executable: string; config_files: string[] }; storage: { directory: string };
    };
    // The image's paths, mapped to this run's copies; the listeners file goes after HyperDX's config.
    rendered.agent.executable = DATA_PATH.collector;
    rendered.agent.config_files = [
        ...rendered.agent.config_files.map((f) => (f === "/etc/otelcol-contrib/config.yaml" ? imageConfig : f)),
        "$OPAMP_EXTENSION_CONFIG", "$REMOTE_CONFIG", listeners,
    ];
    rendered.storage.directory = storage;
    const config = path.join(dir, "supervisor-runtime.yaml");
    fs.writeFileSync(config, yaml.dump(rendered));
    const p = startProcess(DATA_PATH.supervisor, ["--config", config], { ...env, PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir }, path.join(RUN_DIR, "gateway-supervisor.log"), dir);
    const server = track("gateway-supervisor", p);
    const agentLog = () => readLog({ log: path.join(storage, "agent.log") });
    try {
        // Ready when HyperDX's config is running: its OTLP receiver listens.
        await within(120, async () => {
            if (p.exited) throw new Error(`the OpAMP supervisor ${p.exited}:\n${readLog(p).slice(-3000)}`);
            return (await accepts(4318, ip)) ? true : undefined;
        }, () => `the gateway never opened ${ip}:4318 (HyperDX's config not applied?); supervisor:\n${readLog(p).slice(-2500)}\ncollector:\n${agentLog().slice(-2500)}`);
    } catch (err) {
        await server.stop();
        throw err;
    }
    return {
        ...server, otlpHttp: `http://${ip}:4318`, agentLog,
        // The supervisor stops its collector on SIGTERM; one it could not stop goes by its config's path.
        stop: async () => { await server.stop(); spawnSync("pkill", ["-f", "--", storage]); },
    };
}

// --- reading it back as HyperDX does ----------------------------------------------------------------

/** A table's TTL as SHOW CREATE TABLE prints it: `hours` as whole days when they are, else as hours. */
export function ttlClause(hours: number): RegExp {
    const interval = hours % 24 === 0 ? `toIntervalDay\\(${hours / 24}\\)` : `toIntervalHour\\(${hours}\\)`;
    return new RegExp(`\\bTTL [^\\n]*\\+ ${interval}`);
}

export interface QueryAnswer { dashboard?: string; tile?: string; search?: string; rows: number; rowsData?: unknown[]; error?: string }

/**
 * e2e/hyperdx-query.mjs with HyperDX's Node: the log search and every tile of `query.dashboards`, asked
 * through the app's ClickHouse proxy with HyperDX's browser client, as the UI asks them.
 */
export function hyperdxQuery(appUrl: string, cookie: string, query: { dashboards: string[]; search?: { source: string; where: string }; minutes?: number }): Promise<QueryAnswer[]> {
    // Asynchronous: the app's proxy it goes through is served by this (the test's) process.
    const out = path.join(RUN_DIR, `hyperdx-query-${Date.now()}`);
    const [stdout, stderr] = [fs.openSync(`${out}.out`, "w"), fs.openSync(`${out}.err`, "w")];
    return new Promise<QueryAnswer[]>((resolve, reject) => {
        const child = spawn(SERVERS.node, [path.join(ROOT, "e2e", "hyperdx-query.mjs")], {
            cwd: SERVERS.hyperdxSource, stdio: ["ignore", stdout, stderr],
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HYPERDX_SOURCE: SERVERS.hyperdxSource, APP_URL: appUrl, HYPERDX_COOKIE: cookie, QUERY: JSON.stringify(query) },
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
        child.once("error", (error) => { clearTimeout(timer); reject(error); });
        child.once("exit", (code, signal) => {
            clearTimeout(timer);
            if (code !== 0) reject(new Error(`hyperdx-query exited ${code ?? signal}: ${fs.readFileSync(`${out}.err`, "utf8").slice(-2000)}`));
            else {
                try {
                    resolve(fs.readFileSync(`${out}.out`, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as QueryAnswer));
                } catch (error) {
                    reject(error);
                }
            }
        });
    }).finally(() => { fs.closeSync(stdout); fs.closeSync(stderr); });
}

/**
 * HyperDX's alert task once, as the image's ALERT-TASK runs it (`packages/api/bin/hyperdx task
 * check-alerts`), with the API's environment and RUN_SCHEDULED_TASKS_EXTERNALLY=true (one run, then exit).
 * `errors` are the lines it logged at error level (pino 50 and above).
 */
export function runCheckAlerts(apiEnv: Record<string, string>): { code: number | null; errors: string[]; output: string } {
    const r = spawnSync(SERVERS.node, ["-r", "@hyperdx/node-opentelemetry/build/src/tracing", path.join(SERVERS.hyperdxSource, "packages", "api", "build", "tasks", "index.js"), "check-alerts"], {
        cwd: SERVERS.hyperdxSource, encoding: "utf8", timeout: 180_000,
        env: {
            ...apiEnv, NODE_ENV: "production", RUN_SCHEDULED_TASKS_EXTERNALLY: "true", HYPERDX_IMAGE: "hyperdx", IS_LOCAL_APP_MODE: "REQUIRED_AUTH",
            NODE_OPTIONS: `--import ${pathToFileURL(path.join(ROOT, "e2e", "hyperdx-loopback.mjs")).href}`, E2E_EGRESS_LOG: path.join(RUN_DIR, "hyperdx-egress.log"),
            PATH: `${path.dirname(SERVERS.node)}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: RUN_DIR,
        },
    });
    const output = `${r.stdout}${r.stderr}`;
    const errors = output.split("\n").filter((l) => { try { return (JSON.parse(l) as { level?: number }).level! >= 50; } catch { return false; } });
    return { code: r.status, errors, output };
}

// --- a figure, not a test ------------------------------------------------------------------------------

/**
 * Log records per second through the gateway into the engine on this machine: `batches` OTLP/HTTP
 * requests of `perBatch` records each, sent with the team's key as a collector sends them, timed from the
 * first request to the moment ClickHouse holds them all. Asserts nothing about the time.
 */
export async function logThroughput(gateway: SupervisedGateway, key: string, engine: ClickhouseEngine, reader: { name: string; password: string },
    batches = 50, perBatch = 2000): Promise<{ records: number; seconds: number; perSecond: number }> {
    const run = `e2e-throughput-${Date.now()}`;
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = (b: number) => JSON.stringify({
        resourceLogs: [{
            resource: { attributes: [{ key: "service.name", value: { stringValue: run } }, { key: "k8s.cluster.name", value: { stringValue: "throughput" } }] },
            scopeLogs: [{
                logRecords: Array.from({ length: perBatch }, (_, i) => ({
                    timeUnixNano: String(now + BigInt(b * perBatch + i)), severityText: "INFO",
                    body: { stringValue: `${run} record ${b * perBatch + i}: GET /api/cart 200 12ms user=${i % 97}` },
                    attributes: [{ key: "http.route", value: { stringValue: "/api/cart" } }],
                })),
            }],
        }],
    });
    const started = Date.now();
    for (let b = 0; b < batches; b++) {
        const r = await fetch(`${gateway.otlpHttp}/v1/logs`, { method: "POST", headers: { "content-type": "application/json", authorization: key }, body: body(b) });
        if (r.status !== 200) throw new Error(`the gateway answered ${r.status} to batch ${b}`);
    }
    const records = batches * perBatch;
    await within(300, async () => {
        const r = await engine.query(`SELECT count() FROM default.otel_logs WHERE ServiceName = '${run}'`, reader);
        return Number(r.text.trim()) >= records ? true : undefined;
    }, () => `not all ${records} records arrived`);
    const seconds = (Date.now() - started) / 1000;
    return { records, seconds, perSecond: Math.round(records / seconds) };
}

// --- the cluster's NetworkPolicies, for each connection the data path makes -----------------------------

interface PolicyPeer { podSelector?: Selector; namespaceSelector?: Selector }
interface NetworkPolicyObject {
    spec: { podSelector: Selector; policyTypes?: string[]; ingress?: { from?: PolicyPeer[]; ports?: { port?: number | string; protocol?: string }[] }[] };
}
export interface PodEnd { namespace: string; labels: Record<string, string> }

/**
 * Whether the NetworkPolicies of `to`'s namespace let `from` open TCP `port` on `to`, by Kubernetes'
 * rules: no policy selecting `to` for ingress admits everything; otherwise one of their rules must match
 * the port (or list none) and the peer (or list none).
 */
export function admitted(from: PodEnd, to: PodEnd, port: number): boolean {
    const policies = kubectlJson<{ items: NetworkPolicyObject[] }>(["get", "networkpolicies", "--namespace", to.namespace]).items
        .filter((p) => selects(p.spec.podSelector, to.labels) && (p.spec.policyTypes ?? ["Ingress"]).includes("Ingress"));
    if (policies.length === 0) return true;
    const namespaceLabels = kubectlJson<{ metadata: { labels?: Record<string, string> } }>(["get", "namespace", from.namespace]).metadata.labels ?? {};
    const peerMatches = (peer: PolicyPeer) => {
        const inNamespace = peer.namespaceSelector ? selects(peer.namespaceSelector, namespaceLabels) : from.namespace === to.namespace;
        return inNamespace && (peer.podSelector ? selects(peer.podSelector, from.labels) : true);
    };
    return policies.some((p) => (p.spec.ingress ?? []).some((rule) =>
        (rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((r) => (r.protocol ?? "TCP") === "TCP" && (r.port === undefined || Number(r.port) === port)))
        && (rule.from === undefined || rule.from.length === 0 || rule.from.some(peerMatches))));
}
