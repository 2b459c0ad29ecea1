// ClickStack's own servers in the e2e (issue 32), as local processes on 127.0.0.1 beside the kwok cluster,
// built by e2e/toolchain.sh from ../shared/sources (../shared/notes/clickstack-processes.md):
// - the MongoDB operator (MCK 1.7.0, its MongoDBCommunity reconciler) against the API server, with its
//   Deployment's environment as the API server holds it;
// - FerretDB (v1.24.2 on SQLite, patched), standing in for the MongoDB the operator's pods would run;
// - HyperDX's API (2.30.1, built from source) with its Deployment's environment as the API server holds
//   it, and the app container's /api proxy, as the app serves it, in front of it.
// Each writes <run dir>/<name>.pid, so e2e/cluster.sh down stops it if the test could not.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { pathToFileURL } from "url";
import { KUBECONFIG, kubectlJson, ROOT, RUN_DIR, TOOLCHAIN } from "./harness";
import { freePort, healthy, LocalProcess, readLog, startProcess, stopProcess, within } from "./processes";

const BIN = path.join(TOOLCHAIN, "bin");
const HYPERDX = path.join(TOOLCHAIN, "hyperdx");
export const SERVERS = {
    ferretdb: path.join(BIN, "ferretdb"),
    mongodbOperator: path.join(BIN, "mongodb-operator"),
    node: path.join(HYPERDX, "node", "package", "bin", "node"),
    hyperdxSource: path.join(HYPERDX, "src"),
    hyperdxApi: path.join(HYPERDX, "src", "packages", "api", "build", "index.js"),
} as const;

/** What differs from the cluster, printed by every run that starts these servers. */
export const SERVER_GAPS = [
    "FerretDB v1.24.2 (SQLite) stands in for MongoDB 5.0.32: one process, no replica set; the user has no roles (FerretDB v1 has no authorization); TTL indexes are accepted and never expire anything (shared patch); findAndModify takes the empty `fields` the driver sends with findOneAndDelete (e2e/ferretdb/empty-projection.patch); $group takes $first of a field path (e2e/ferretdb/group-first.patch, for check-alerts); partialFilterExpression, $push in $group, $project of a field path, $lookup and transactions are not implemented",
    "HyperDX's API runs without the app container (Next.js is not built): the test serves the app's /api proxy itself (pathRewrite ^/api, as packages/app/pages/api/[...all].ts), and check-alerts does not run",
    "the MongoDB operator's pods are simulated by kwok: no mongod and no agent run, so no replica set forms and the operator never sees its members ready",
    "host names are rewritten to 127.0.0.1 ports (MongoDB, ClickHouse, the OTLP endpoint, HyperDX's app); no ClickHouse answers in this scenario",
];

/** Why the servers cannot run here, or undefined when they can. */
export function clickstackServersUnavailable(chartsKind: string): string | undefined {
    const missing = Object.values(SERVERS).filter((p) => !fs.existsSync(p));
    if (missing.length > 0) return `not built: ${missing.join(", ")} (e2e/toolchain.sh builds them when ../shared/sources or E2E_CLICKSTACK_SOURCES is there)`;
    if (chartsKind !== "real") return "the stand-in charts carry neither the MongoDB operator's Deployment nor HyperDX's real environment (use the real charts: ../shared/charts or E2E_CHARTS_DIR)";
    return undefined;
}

// --- a container's environment, as the kubelet would give it -------------------------------------
type EnvSource = { name: string; key: string; optional?: boolean };
interface EnvVar { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: EnvSource; configMapKeyRef?: EnvSource } }
export interface Container { name: string; args?: string[]; command?: string[]; env?: EnvVar[]; envFrom?: { prefix?: string; configMapRef?: { name: string }; secretRef?: { name: string } }[] }

const decode = (b64: string) => Buffer.from(b64, "base64").toString();
function objectData(kind: "secret" | "configmap", name: string, namespace: string): Record<string, string> {
    const o = kubectlJson<{ data?: Record<string, string> }>(["get", kind, name, "--namespace", namespace]);
    return kind === "secret" ? Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, decode(v)])) : o.data ?? {};
}

/**
 * The environment the kubelet would give `container`: envFrom first, then env (later wins), Secret,
 * ConfigMap and field references resolved from what the API server holds, `$(VAR)` expanded as Kubernetes does.
 */
export function resolveEnv(container: Container, namespace: string, fields: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
        const data = from.configMapRef ? objectData("configmap", from.configMapRef.name, namespace) : objectData("secret", from.secretRef!.name, namespace);
        for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ""}${k}`] = v;
    }
    for (const e of container.env ?? []) {
        const from = e.valueFrom;
        if (e.value !== undefined) env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
        else if (from?.fieldRef) env[e.name] = fields[from.fieldRef.fieldPath] ?? (() => { throw new Error(`${container.name}: env ${e.name} reads field ${from.fieldRef!.fieldPath}, which the test does not give`); })();
        else if (from?.secretKeyRef) env[e.name] = objectData("secret", from.secretKeyRef.name, namespace)[from.secretKeyRef.key];
        else if (from?.configMapKeyRef) env[e.name] = objectData("configmap", from.configMapKeyRef.name, namespace)[from.configMapKeyRef.key];
        else env[e.name] = "";
    }
    return env;
}

/** The one container of a Deployment, as the API server holds it. */
export function deploymentContainer(name: string, namespace: string, container?: string): Container {
    const d = kubectlJson<{ spec: { template: { spec: { containers: Container[] } } } }>(["get", "deployment", name, "--namespace", namespace]);
    const list = d.spec.template.spec.containers;
    return container ? list.find((c) => c.name === container)! : list[0];
}

/** `url` with its host and port replaced by 127.0.0.1:`port` (everything else kept). */
export function onLoopback(url: string, port: number): string {
    const u = new URL(url);
    u.hostname = "127.0.0.1";
    u.port = String(port);
    return u.href.replace(/\/$/, url.endsWith("/") ? "/" : "");
}

// --- processes ---------------------------------------------------------------------------------
export interface Server { readonly process: LocalProcess; stop(): Promise<void> }

/** A process of the run: `<run dir>/<name>.pid` while it runs, so e2e/cluster.sh down stops it if the test could not. */
export function track(name: string, p: LocalProcess): Server {
    const pidFile = path.join(RUN_DIR, `${name}.pid`);
    fs.writeFileSync(pidFile, String(p.child.pid));
    return { process: p, stop: async () => { await stopProcess(p); fs.rmSync(pidFile, { force: true }); } };
}

/** Whether something accepts TCP connections on `host`:`port`. */
export const accepts = (port: number, host = "127.0.0.1") => new Promise<boolean>((resolve) => {
    const socket = net.connect(port, host);
    socket.once("connect", () => { socket.end(); resolve(true); });
    socket.once("error", () => resolve(false));
});

export interface Ferret extends Server { readonly port: number }

/**
 * FerretDB on 127.0.0.1 with the user the MongoDBCommunity declares, as the operator's agent would
 * create it (SCRAM-SHA-1 and -256 credentials, in the user's database; FerretDB's setup flags are the
 * only way to create a first user), without its roles (FerretDB v1 implements none). No telemetry.
 */
export async function startFerretdb(user: { name: string; database: string; password: string }): Promise<Ferret> {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(RUN_DIR, "ferretdb-"));
    fs.mkdirSync(path.join(dir, "data"));
    const p = startProcess(SERVERS.ferretdb, [
        "--handler=sqlite", `--sqlite-url=file:${path.join(dir, "data")}/`, `--state-dir=${dir}`,
        `--listen-addr=127.0.0.1:${port}`, "--debug-addr=-", "--telemetry=disable", "--test-enable-new-auth",
        `--setup-database=${user.database}`, `--setup-username=${user.name}`, "--setup-timeout=60s",
    ], {
        // The password in its env twin, not on the command line, where `ps` shows it.
        FERRETDB_SETUP_PASSWORD: user.password, PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, DO_NOT_TRACK: "1",
    }, path.join(RUN_DIR, "ferretdb.log"));
    const server = track("ferretdb", p);
    await within(60, async () => {
        if (p.exited) throw new Error(`FerretDB ${p.exited}:\n${readLog(p).slice(-3000)}`);
        return (await accepts(port)) ? true : undefined;
    }, () => `FerretDB did not listen on 127.0.0.1:${port}:\n${readLog(p).slice(-3000)}`);
    return { ...server, port };
}

/**
 * The MongoDB operator, as its Deployment runs it (its args and environment from the API server), with
 * three changes that keep it on loopback: OPERATOR_ENV=local (metrics on 127.0.0.1:8180 and its health
 * probe on 127.0.0.1:8181, fixed ports, instead of metrics on every interface), pprof off, and no webhook
 * (MDB_WEBHOOK_REGISTER_CONFIGURATION=false; with these watched resources none would serve). A private
 * mount namespace gives it a resolv.conf naming only 127.0.0.1, so cluster DNS names are refused on
 * loopback. Refuses to start if telemetry is on.
 */
export async function startMongodbOperator(container: Container, env: Record<string, string>): Promise<Server> {
    if (env.MDB_OPERATOR_TELEMETRY_ENABLED !== "false") throw new Error(`the MongoDB operator's Deployment has MDB_OPERATOR_TELEMETRY_ENABLED=${env.MDB_OPERATOR_TELEMETRY_ENABLED ?? "(unset: on)"}: it would report to MongoDB`);
    const cwd = fs.mkdtempSync(path.join(RUN_DIR, "mongodb-operator-"));
    const resolvConf = path.join(cwd, "resolv.conf");
    fs.writeFileSync(resolvConf, "nameserver 127.0.0.1\n");
    const p = startProcess("unshare", ["--mount", "--", "sh", "-c", 'mount --bind "$0" /etc/resolv.conf && cd "$1" && shift && exec "$@"',
        resolvConf, cwd, SERVERS.mongodbOperator, ...(container.args ?? [])], {
        ...env,
        OPERATOR_ENV: "local", MDB_OPERATOR_PPROF_ENABLED: "false", MDB_WEBHOOK_REGISTER_CONFIGURATION: "false",
        PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, KUBECONFIG,
    }, path.join(RUN_DIR, "mongodb-operator.log"));
    const server = track("mongodb-operator", p);
    try {
        // MCK registers no readiness check (its probe server answers 404): its metrics answer once the manager runs.
        await healthy(p, "http://127.0.0.1:8180/metrics", "mongodb-operator", 90);
    } catch (err) {
        await server.stop();
        throw err;
    }
    return server;
}

export interface HyperdxApi extends Server {
    /** The app's port, as the Jobs and users reach it: `/api/*` proxied to the API with `/api` stripped. */
    readonly appUrl: string;
    /** HyperDX's OpAMP server (OPAMP_PORT), which the gateway's supervisor polls. */
    readonly opampUrl: string;
    /** Every connection the API tried to open beyond 127.0.0.0/8 (refused), as host:port. */
    egress(): string[];
    /** Every exchange through the app's /api proxy, in order, with the answer's body. */
    readonly exchanges: Exchange[];
}

export interface Exchange { method: string; path: string; status: number; body: string }

/**
 * HyperDX's API with `env` (its container's, resolved), run as the image runs it: entry.prod.sh's exports
 * (PORT from HYPERDX_API_PORT, OPAMP_PORT from HYPERDX_OPAMP_PORT, HYPERDX_IMAGE, IS_LOCAL_APP_MODE), the
 * image's NODE_ENV and CODE_VERSION, and `packages/api/bin/hyperdx api` (the tracing preload, then the
 * build), on the Node of its .nvmrc. The caller rewrites host names; this picks the ports.
 */
export async function startHyperdxApi(env: Record<string, string>, version: string): Promise<HyperdxApi> {
    if (env.USAGE_STATS_ENABLED !== "false") throw new Error(`HyperDX's environment has USAGE_STATS_ENABLED=${env.USAGE_STATS_ENABLED ?? "(unset)"}: it would ship usage data to in-otel.hyperdx.io`);
    const [apiPort, opampPort] = [await freePort(), await freePort()];
    const egressLog = path.join(RUN_DIR, "hyperdx-egress.log");
    fs.writeFileSync(egressLog, "");
    const p = startProcess(SERVERS.node, ["-r", "@hyperdx/node-opentelemetry/build/src/tracing", SERVERS.hyperdxApi], {
        ...env,
        NODE_ENV: "production", CODE_VERSION: version, OTEL_RESOURCE_ATTRIBUTES: `service.version=${version}`,
        PORT: String(apiPort), HYPERDX_API_PORT: String(apiPort), OPAMP_PORT: String(opampPort), HYPERDX_OPAMP_PORT: String(opampPort),
        HYPERDX_IMAGE: "hyperdx", IS_LOCAL_APP_MODE: "REQUIRED_AUTH",
        NODE_OPTIONS: `--import ${pathToFileURL(path.join(ROOT, "e2e", "hyperdx-loopback.mjs")).href}`, E2E_EGRESS_LOG: egressLog,
        PATH: `${path.dirname(SERVERS.node)}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: RUN_DIR,
    }, path.join(RUN_DIR, "hyperdx-api.log"), SERVERS.hyperdxSource);
    const api = track("hyperdx-api", p);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const exchanges: Exchange[] = [];
    let proxy: http.Server | undefined;
    try {
        await healthy(p, `${apiUrl}/health`, "hyperdx-api", 90);
        proxy = await serveAppProxy(apiPort, exchanges);
    } catch (err) {
        await api.stop();
        throw err;
    }
    const appPort = (proxy.address() as net.AddressInfo).port;
    return {
        process: p,
        appUrl: `http://127.0.0.1:${appPort}`,
        opampUrl: `http://127.0.0.1:${opampPort}`,
        egress: () => fs.readFileSync(egressLog, "utf8").split("\n").filter(Boolean),
        exchanges,
        stop: async () => {
            // Keep-alive connections of clients that are gone would hold close() open.
            proxy!.closeAllConnections();
            await new Promise((resolve) => proxy!.close(resolve));
            await api.stop();
        },
    };
}

/**
 * The app container's /api route (packages/app/pages/api/[...all].ts at 2.30.1): http-proxy-middleware with
 * pathRewrite `^/api` → '' to the API on 127.0.0.1, changeOrigin, the body passed on; anything else is
 * the Next.js UI, which does not run here (404). Redirects pass unchanged (autoRewrite touches 201, 301,
 * 302, 307 and 308 only; login answers 303).
 */
function serveAppProxy(apiPort: number, exchanges: Exchange[]): Promise<http.Server> {
    const server = http.createServer((req, res) => {
        const url = req.url ?? "/";
        if (!/^\/api(\/|$|\?)/.test(url)) {
            res.writeHead(404, { "content-type": "text/plain" }).end("e2e: only the app's /api proxy is served");
            return;
        }
        const upstream = http.request({
            host: "127.0.0.1", port: apiPort, method: req.method, path: url.replace(/^\/api/, "") || "/",
            headers: { ...req.headers, host: `127.0.0.1:${apiPort}` },
        }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            const chunks: Buffer[] = [];
            answer.on("data", (chunk: Buffer) => chunks.push(chunk));
            answer.on("end", () => exchanges.push({ method: req.method ?? "GET", path: url, status: answer.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
            answer.pipe(res);
        });
        upstream.on("error", () => res.headersSent ? res.destroy() : res.writeHead(500).end("API proxy error"));
        req.pipe(upstream);
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve(server));
    });
}

// --- the test's own calls, as a browser makes them through the app ------------------------------
/** Logs in through the app's /api proxy; the session cookie (`connect.sid=…`), or undefined when refused. */
export async function hyperdxLogin(appUrl: string, email: string, password: string): Promise<string | undefined> {
    const r = await fetch(`${appUrl}/api/login/password`, {
        method: "POST", redirect: "manual", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }),
    });
    const location = r.headers.get("location") ?? "";
    const cookie = r.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("connect.sid="));
    return r.status === 303 && !/[?&]err=/.test(location) ? cookie : undefined;
}

/** GET `route` (after /api) with a session cookie or an access key; the parsed JSON. */
export async function hyperdxGet<T = unknown>(appUrl: string, route: string, auth: { cookie?: string; bearer?: string }): Promise<T> {
    const r = await fetch(`${appUrl}/api${route}`, {
        headers: { accept: "application/json", ...(auth.cookie ? { cookie: auth.cookie } : {}), ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}) },
    });
    if (!r.ok) throw new Error(`GET /api${route}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
}

/** How many documents of `collection` match `filter` in the database of `uri`, asked with the MongoDB driver HyperDX itself uses. */
export function mongoCount(uri: string, collection: string, filter: Record<string, unknown>): number {
    const driver = path.join(SERVERS.hyperdxSource, "node_modules", "mongodb");
    const script = `const { MongoClient } = require(${JSON.stringify(driver)});
(async () => {
    const client = new MongoClient(process.env.URI);
    await client.connect();
    try { console.log(await client.db().collection(process.env.COLLECTION).countDocuments(JSON.parse(process.env.FILTER))); } finally { await client.close(); }
})().catch((e) => { console.error(e.message); process.exit(1); });`;
    const r = spawnSync(SERVERS.node, ["-e", script], { encoding: "utf8", env: { URI: uri, COLLECTION: collection, FILTER: JSON.stringify(filter) }, timeout: 30_000 });
    if (r.status !== 0) throw new Error(`counting ${collection}: ${r.stderr}`);
    return Number(r.stdout.trim());
}

// --- a Job's pod, run here as the kubelet would run it ------------------------------------------
interface JobPodSpec {
    serviceAccountName: string;
    containers: (Container & { volumeMounts?: { name: string; mountPath: string }[] })[];
    volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
}
export interface LocalJob {
    /** The script its command runs, as written from the ConfigMap the API server holds. */
    readonly script: string;
    /** Its container's environment, resolved; paths under its mounts point at their local copies. */
    readonly env: Record<string, string>;
    readonly serviceAccountName: string;
}

/**
 * The Job's container as the API server holds it, made local: each ConfigMap and Secret volume written
 * into a folder of the run, its environment resolved, and its command's `.mjs` (from the script's
 * ConfigMap) found there.
 */
export function localJob(jobName: string, namespace: string): LocalJob {
    const pod = kubectlJson<{ spec: { template: { spec: JobPodSpec } } }>(["get", "job", jobName, "--namespace", namespace]).spec.template.spec;
    const container = pod.containers[0];
    const dir = fs.mkdtempSync(path.join(RUN_DIR, `job-${jobName.slice(0, 40)}-`));
    const mounts: [string, string][] = [];
    for (const mount of container.volumeMounts ?? []) {
        const volume = (pod.volumes ?? []).find((v) => v.name === mount.name)!;
        const local = path.join(dir, volume.name);
        fs.mkdirSync(local, { recursive: true });
        const data = volume.configMap ? objectData("configmap", volume.configMap.name, namespace) : volume.secret ? objectData("secret", volume.secret.secretName, namespace) : {};
        for (const [key, text] of Object.entries(data)) fs.writeFileSync(path.join(local, key), text);
        mounts.push([mount.mountPath.replace(/\/+$/, ""), local]);
    }
    const localPath = (p: string) => {
        const hit = mounts.find(([mountPath]) => p === mountPath || p.startsWith(`${mountPath}/`));
        return hit ? hit[1] + p.slice(hit[0].length) : p;
    };
    const env = Object.fromEntries(Object.entries(resolveEnv(container, namespace, { "metadata.namespace": namespace })).map(([k, v]) => [k, localPath(v)]));
    const script = [...(container.command ?? []), ...(container.args ?? [])].find((a) => a.endsWith(".mjs"));
    if (!script) throw new Error(`job ${jobName}: no .mjs in its command ${JSON.stringify([container.command, container.args])}`);
    return { script: localPath(script), env, serviceAccountName: pod.serviceAccountName };
}
