import * as crypto from "crypto";
import { clickstackNames, CLICKSTACK_CHART, OPERATORS_CHART } from "../../components/clickstack/names";
import { buildClickStackValues, buildHyperdxConnections, buildHyperdxSources, ClickStackValuesInput } from "../../components/clickstack/values";
import { isSecret, ProgramRun, runProgram, T } from "../harness";

const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

// Keys of chart clickstack 3.0.2 (charts/clickstack/values.yaml, read at tag clickstack-3.0.2) that
// this program may set. The chart has no values.schema.json, so a misspelled key would be ignored
// silently; this list is the check. "x.*" marks a map the chart renders verbatim: the ConfigMap and
// Secret env maps, the Ingress annotations and spec, the operators' custom resource specs.
const CHART_KEYS = [
    "hyperdx.config.*",
    "hyperdx.secrets.*",
    "hyperdx.deployment.resources.*",
    "hyperdx.deployment.useExistingConfigSecret",
    "hyperdx.deployment.existingConfigSecret",
    "hyperdx.deployment.existingConfigConnectionsKey",
    "hyperdx.deployment.existingConfigSourcesKey",
    "hyperdx.ingress.enabled",
    "hyperdx.ingress.annotations.*",
    "hyperdx.ingress.spec.*",
    "mongodb.spec.*",
    "clickhouse.enabled",
    "clickhouse.keeper.spec.*",
    "clickhouse.cluster.spec.*",
    "otel-collector.resources.*", // the opentelemetry-collector subchart's own `resources`
    // The replicated layout (components/high-availability/layout.ts). hyperdx.podDisruptionBudget.minAvailable
    // is not in values.yaml; templates/hyperdx/pdb.yaml reads it (`| default 1`).
    "hyperdx.deployment.replicas",
    "hyperdx.deployment.topologySpreadConstraints",
    "hyperdx.podDisruptionBudget.enabled",
    "hyperdx.podDisruptionBudget.minAvailable",
    "hyperdx.tasks.enabled",
    "additionalManifests",
    // the opentelemetry-collector 0.170.0 subchart's own keys (its values.schema.json checks them when rendered)
    "otel-collector.replicaCount",
    "otel-collector.autoscaling.enabled",
    "otel-collector.autoscaling.minReplicas",
    "otel-collector.autoscaling.maxReplicas",
    "otel-collector.autoscaling.targetCPUUtilizationPercentage",
    "otel-collector.podDisruptionBudget.enabled",
    "otel-collector.podDisruptionBudget.minAvailable",
    "otel-collector.topologySpreadConstraints",
    "otel-collector.rollout.rollingUpdate.maxUnavailable",
    "otel-collector.rollout.rollingUpdate.maxSurge",
];

/** Leaf paths of a values object, stopping at arrays. */
function leafPaths(value: unknown, prefix = ""): string[] {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
    const entries = Object.entries(value);
    if (entries.length === 0) return [prefix];
    return entries.flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}
const isChartKey = (p: string) => CHART_KEYS.some((k) => (k.endsWith(".*") ? p.startsWith(k.slice(0, -1)) : p === k));

const selfHosted: ClickStackValuesInput = {
    releaseName: "my-clickstack",
    namespace: "otel-demo",
    clickhouse: { kind: "self-hosted", dataSize: "100Gi", collectorPassword: "collector-pw", appPassword: "app-pw" },
    mongodbPassword: "mongo-pw",
    sessionSecret: "session-secret",
};
const managed: ClickStackValuesInput = {
    ...selfHosted,
    clickhouse: { kind: "managed", url: "https://abc.eu-west-1.aws.clickhouse.cloud:8443", user: "default", password: "cloud-pw" },
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Values = Record<string, any>;

describe("chart object names (charts/clickstack/templates/_helpers.tpl)", () => {
    it("uses the release name as fullname when it contains the chart name", () => {
        expect(clickstackNames("my-clickstack", "otel-demo")).toMatchObject({
            fullname: "my-clickstack",
            hyperdxService: "my-clickstack-app",
            collectorService: "my-clickstack-otel-collector",
            collectorOtlpHttpEndpoint: "http://my-clickstack-otel-collector.otel-demo:4318",
            clickhouseHeadlessService: "my-clickstack-clickhouse-clickhouse-headless",
        });
    });
    it("appends the chart name otherwise, and truncates to 63 characters", () => {
        expect(clickstackNames("observability", "o11y").hyperdxService).toBe("observability-clickstack-app");
        expect(clickstackNames("observability", "o11y").collectorService).toBe("observability-otel-collector");
        const long = clickstackNames("a".repeat(53), "ns");
        expect(long.fullname).toHaveLength(63);
        expect(long.collectorService.length).toBeLessThanOrEqual(63);
    });
});

describe("clickstack values", () => {
    it("self-hosted: storage on ClickHouse and Keeper, generated passwords, nothing but chart keys", () => {
        const values = buildClickStackValues({ ...selfHosted, storageClass: "fast-ssd" }) as Values;
        expect(values.clickhouse.enabled).toBe(true);
        expect(values.clickhouse.cluster.spec.dataVolumeClaimSpec).toEqual({ storageClassName: "fast-ssd", resources: { requests: { storage: "100Gi" } } });
        expect(values.clickhouse.keeper.spec.dataVolumeClaimSpec).toEqual({ storageClassName: "fast-ssd" });
        expect(values.mongodb.spec.statefulSet.spec.volumeClaimTemplates.map((v: Values) => [v.metadata.name, v.spec.storageClassName]))
            .toEqual([["data-volume", "fast-ssd"], ["logs-volume", "fast-ssd"]]);
        expect(values.hyperdx.secrets).toMatchObject({ CLICKHOUSE_PASSWORD: "collector-pw", MONGODB_PASSWORD: "mongo-pw", CLICKHOUSE_APP_PASSWORD: null });
        expect(leafPaths(values).filter((p) => !isChartKey(p))).toEqual([]);
    });

    it("the replicated layout sets only keys the chart has, self-hosted and managed", () => {
        const highAvailability = { clickhouseReplicas: 2, keeperReplicas: 3, mongodbMembers: 3, hyperdxReplicas: 2, gatewayReplicas: 2, gatewayMaxReplicas: 6, zoneKey: "topology.kubernetes.io/zone" };
        for (const input of [selfHosted, managed]) {
            const values = buildClickStackValues({ ...input, highAvailability }) as Values;
            expect(values.hyperdx.deployment.replicas).toBe(2);
            expect(leafPaths(values).filter((p) => !isChartKey(p))).toEqual([]);
        }
    });

    it("self-hosted without a storage class leaves the cluster default alone", () => {
        const values = buildClickStackValues(selfHosted) as Values;
        expect(values.clickhouse.cluster.spec.dataVolumeClaimSpec).toEqual({ resources: { requests: { storage: "100Gi" } } });
        expect(values.mongodb.spec.statefulSet.spec.volumeClaimTemplates).toBeUndefined();
    });

    it("managed: bundled ClickHouse off, collector pointed at ClickHouse Cloud", () => {
        const values = buildClickStackValues(managed) as Values;
        expect(values.clickhouse).toEqual({ enabled: false });
        expect(values.hyperdx.config).toMatchObject({
            CLICKHOUSE_ENDPOINT: "https://abc.eu-west-1.aws.clickhouse.cloud:8443",
            CLICKHOUSE_SERVER_ENDPOINT: "abc.eu-west-1.aws.clickhouse.cloud:8443",
            CLICKHOUSE_USER: "default",
        });
        expect(values.hyperdx.secrets.CLICKHOUSE_PASSWORD).toBe("cloud-pw");
        // No in-cluster ClickHouse to scrape: empty, as the chart's examples/api-only sets it.
        expect(values.hyperdx.config.CLICKHOUSE_PROMETHEUS_METRICS_ENDPOINT).toBe("");
        expect(values.mongodb.spec.statefulSet.spec.volumeClaimTemplates).toBeUndefined(); // MongoDB still runs in the cluster, with chart defaults
        expect(leafPaths(values).filter((p) => !isChartKey(p))).toEqual([]);
    });

    it("self-hosted keeps the chart's metrics endpoint (the in-cluster ClickHouse)", () => {
        expect(buildClickStackValues(selfHosted).hyperdx).not.toHaveProperty("config.CLICKHOUSE_PROMETHEUS_METRICS_ENDPOINT");
    });

    it("sets HyperDX's session secret in both modes, in the Secret (hyperdx.secrets), never the ConfigMap", () => {
        for (const input of [selfHosted, managed]) {
            const values = buildClickStackValues(input) as Values;
            expect(values.hyperdx.secrets.EXPRESS_SESSION_SECRET).toBe("session-secret");
            expect(values.hyperdx.config).not.toHaveProperty("EXPRESS_SESSION_SECRET");
        }
    });

    it("sizes every container the chart and custom resources let us: ClickHouse memory request = limit", () => {
        const values = buildClickStackValues(selfHosted) as Values;
        const ch = values.clickhouse.cluster.spec.containerTemplate.resources;
        expect(ch.requests.memory).toBe(ch.limits.memory);
        expect(values.clickhouse.keeper.spec.containerTemplate.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
        const mongoContainers = values.mongodb.spec.statefulSet.spec.template.spec.containers as Values[];
        // The MongoDB operator merges these by name into its StatefulSet: its container names.
        expect(mongoContainers.map((c) => c.name)).toEqual(["mongod", "mongodb-agent"]);
        for (const c of mongoContainers) expect(c.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
        expect(values.hyperdx.deployment.resources.limits.memory).toBeDefined();
        expect(values["otel-collector"].resources.limits.memory).toBeDefined();
        // What the whole stack asks for fits the guide's one 32 GiB node, with room for the node itself.
        const gib = (q: string) => (q.endsWith("Gi") ? Number(q.slice(0, -2)) : Number(q.slice(0, -2)) / 1024);
        const limits = [ch, values.clickhouse.keeper.spec.containerTemplate.resources, ...mongoContainers.map((c) => c.resources),
            values.hyperdx.deployment.resources, values["otel-collector"].resources].map((r: Values) => gib(r.limits.memory));
        expect(limits.reduce((a, b) => a + b, 0)).toBeLessThan(24);
    });

    it("ingress: TLS for the host, cert-manager issuer, routed to the HyperDX app Service", () => {
        const values = buildClickStackValues({ ...selfHosted, ingress: { host: "hyperdx.example.com", className: "nginx", tlsSecretName: "hyperdx-tls", clusterIssuer: "letsencrypt" } }) as Values;
        expect(values.hyperdx.ingress).toEqual({
            enabled: true,
            annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
            spec: {
                ingressClassName: "nginx",
                tls: [{ hosts: ["hyperdx.example.com"], secretName: "hyperdx-tls" }],
                rules: [{ host: "hyperdx.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "my-clickstack-app", port: { number: 3000 } } } }] } }],
            },
        });
        expect(values.hyperdx.config.FRONTEND_URL).toBe("https://hyperdx.example.com");
    });

    it("sizes HyperDX and the gateway collector (components/clickstack/clickstack.yaml), under what the program computes", () => {
        const values = buildClickStackValues(selfHosted) as Values;
        for (const resources of [values.hyperdx.deployment.resources, values["otel-collector"].resources]) {
            expect(resources).toEqual({ requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "2Gi" } });
        }
        expect(values.hyperdx.deployment.useExistingConfigSecret).toBe(true); // merged, not replaced
    });

    it("no ingress unless configured", () => {
        expect((buildClickStackValues(selfHosted) as Values).hyperdx.ingress).toBeUndefined();
    });
});

describe("no credential in a ConfigMap, a plain env value or a custom resource (values the chart renders)", () => {
    it.each([["self-hosted", selfHosted], ["managed", managed]] as const)("%s", (_mode, input) => {
        const values = buildClickStackValues(input) as Values;
        // 1. hyperdx.config becomes ConfigMap clickstack-config: MONGO_URI (with the MongoDB password) is removed there
        //    and rendered into the Secret instead.
        expect(values.hyperdx.config.MONGO_URI).toBeNull();
        expect(values.hyperdx.secrets.MONGO_URI).toMatch(/^mongodb:\/\/hyperdx:\{\{ \.Values\.hyperdx\.secrets\.MONGODB_PASSWORD \}\}@/);
        for (const value of Object.values(values.hyperdx.config)) {
            expect(String(value)).not.toMatch(/:\/\/[^/@\s]+:[^/@\s]+@|pw/);
        }
        // 2. DEFAULT_CONNECTIONS is not rendered as an env value: HyperDX reads it from our Secret.
        expect(values.hyperdx.deployment).toMatchObject({ useExistingConfigSecret: true, existingConfigSecret: "my-clickstack-hyperdx-connections" });
        // 3. ClickHouseCluster users carry only password hashes.
        const users = values.clickhouse.cluster?.spec.settings.extraUsersConfig.users ?? {};
        for (const user of Object.values(users) as Values[]) {
            expect(user.password).toBeNull();
            expect(user.password_sha256_hex).toMatch(/^[0-9a-f]{64}$/);
        }
        expect(JSON.stringify(values.clickhouse)).not.toMatch(/collector-pw|app-pw|cloud-pw/);
    });

    it("the ClickHouse user hashes are SHA-256 of the generated passwords", () => {
        const users = (buildClickStackValues(selfHosted) as Values).clickhouse.cluster.spec.settings.extraUsersConfig.users;
        expect(users.app.password_sha256_hex).toBe(sha256("app-pw"));
        expect(users.otelcollector.password_sha256_hex).toBe(sha256("collector-pw"));
    });
});

describe("HyperDX connection and sources (the Secret behind useExistingConfigSecret)", () => {
    const names = clickstackNames("my-clickstack", "otel-demo");
    it("self-hosted: the app user on the in-cluster ClickHouse", () => {
        expect(JSON.parse(buildHyperdxConnections(selfHosted.clickhouse, names))).toEqual([{
            name: "Local ClickHouse", host: "http://my-clickstack-clickhouse-clickhouse-headless:8123", port: 8123, username: "app", password: "app-pw",
        }]);
    });
    it("managed: the Cloud endpoint and user", () => {
        expect(JSON.parse(buildHyperdxConnections(managed.clickhouse, names))).toEqual([{
            name: "ClickHouse Cloud", host: "https://abc.eu-west-1.aws.clickhouse.cloud:8443", port: 8443, username: "default", password: "cloud-pw",
        }]);
    });
    it("the four default sources, each bound to the connection", () => {
        const sources = JSON.parse(buildHyperdxSources("managed")) as Values[];
        expect(sources.map((s) => [s.name, s.kind, s.connection])).toEqual([
            ["Logs", "log", "ClickHouse Cloud"], ["Traces", "trace", "ClickHouse Cloud"], ["Metrics", "metric", "ClickHouse Cloud"], ["Sessions", "session", "ClickHouse Cloud"],
        ]);
        expect(sources[0].from).toEqual({ databaseName: "default", tableName: "otel_logs" });
    });
});

describe.each(["dev", "prod"] as const)("the %s stack under mocks", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => { run = await runProgram(stack); });

    it("installs the operators chart, then the clickstack chart, pinned, from the ClickStack repository", () => {
        const operators = run.find(T.chart, "clickstack-operators");
        const clickstack = run.find(T.chart, "clickstack");
        expect(operators.plain).toMatchObject({ chart: "clickstack-operators", version: OPERATORS_CHART.version, repositoryOpts: { repo: "https://clickhouse.github.io/ClickStack-helm-charts" }, namespace: "otel-demo", name: "my-clickstack-operators" });
        expect(clickstack.plain).toMatchObject({ chart: "clickstack", version: CLICKSTACK_CHART.version, repositoryOpts: { repo: "https://clickhouse.github.io/ClickStack-helm-charts" }, namespace: "otel-demo", name: "my-clickstack" });
        expect(OPERATORS_CHART.version).toBe("1.1.0");
        expect(CLICKSTACK_CHART.version).toBe("3.0.2");
        expect(clickstack.dependencies).toEqual(expect.arrayContaining(["clickstack-operators", "clickstack-hyperdx-connections"]));
    });

    it("sizes both operators (subchart keys of clickstack-operators 1.1.0: mongodb-operator.operator, clickhouse-operator.manager)", () => {
        const values = run.find(T.chart, "clickstack-operators").plain.values;
        expect(Object.keys(values).sort()).toEqual(["clickhouse-operator", "mongodb-operator"]);
        for (const resources of [values["mongodb-operator"].operator.resources, values["clickhouse-operator"].manager.resources]) {
            expect(resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { cpu: expect.any(String), memory: expect.any(String) } });
        }
    });

    it("sends no usage data to a vendor: HyperDX's usage statistics off, the MongoDB operator's telemetry off", () => {
        // The charts' defaults are on: clickstack 3.0.2 values.yaml USAGE_STATS_ENABLED "true"; mongodb-kubernetes
        // 1.7.0 renders MDB_OPERATOR_TELEMETRY_ENABLED=false, and no telemetry ClusterRole, only for enabled: false.
        expect(run.find(T.chart, "clickstack").plain.values.hyperdx.config.USAGE_STATS_ENABLED).toBe("false");
        expect(run.find(T.chart, "clickstack-operators").plain.values["mongodb-operator"].operator.telemetry).toEqual({ enabled: false });
    });

    it("generates HyperDX's session secret once (stable in the state) and passes it as a secret", () => {
        expect(run.find(T.password, "clickstack-session-secret").plain).toEqual({ length: 64, special: false });
        expect(run.find(T.chart, "clickstack").plain.values.hyperdx.secrets.EXPRESS_SESSION_SECRET).toBe("generated-clickstack-session-secret");
        expect(isSecret(run.find(T.chart, "clickstack").inputs.values)).toBe(true);
    });

    it(`${stack === "prod" ? "clears" : "keeps"} the gateway's ClickHouse metrics endpoint`, () => {
        const config = run.find(T.chart, "clickstack").plain.values.hyperdx.config;
        if (stack === "prod") expect(config.CLICKHOUSE_PROMETHEUS_METRICS_ENDPOINT).toBe("");
        else expect(config).not.toHaveProperty("CLICKHOUSE_PROMETHEUS_METRICS_ENDPOINT");
    });

    it("passes the values as a secret, with generated passwords where the chart has weak defaults", () => {
        const clickstack = run.find(T.chart, "clickstack");
        expect(isSecret(clickstack.inputs.values)).toBe(true);
        const secrets = clickstack.plain.values.hyperdx.secrets;
        expect(secrets.MONGODB_PASSWORD).toBe("generated-clickstack-mongodb-password");
        // The chart's placeholder ingestion key is removed, not shipped (values.yaml "xxxxxxxx-xxxx-…").
        expect(secrets.HYPERDX_API_KEY).toBeNull();
        // The chart's weak defaults (values.yaml: "hyperdx", "otelcollectorpass") are all replaced or removed.
        for (const key of ["MONGODB_PASSWORD", "CLICKHOUSE_PASSWORD", "CLICKHOUSE_APP_PASSWORD"]) {
            expect(key in secrets).toBe(true);
            expect(["hyperdx", "otelcollectorpass"]).not.toContain(secrets[key]);
        }
        for (const password of run.ofType(T.password).filter((p) => p.name.startsWith("clickstack-") && p.name !== "clickstack-session-secret")) {
            expect(password.plain).toMatchObject({ length: 32, special: false });
            expect(password.parent).toBe("clickstack");
        }
    });

    it("leaves no credential for the chart to render into clickstack-config, DEFAULT_CONNECTIONS or the ClickHouseCluster", () => {
        const values = run.find(T.chart, "clickstack").plain.values;
        expect(values.hyperdx.config.MONGO_URI).toBeNull();
        expect(values.hyperdx.deployment.useExistingConfigSecret).toBe(true);
        const users = values.clickhouse.cluster?.spec.settings.extraUsersConfig.users;
        if (stack === "dev") {
            expect(Object.values(users).map((u) => (u as Values).password)).toEqual([null, null]);
        } else {
            expect(values.clickhouse).toEqual({ enabled: false }); // no ClickHouseCluster at all
        }
    });

    it("creates the connections Secret as a secret", () => {
        const secret = run.find(T.secret, "clickstack-hyperdx-connections");
        expect(secret.plain.metadata).toEqual({ name: "my-clickstack-hyperdx-connections", namespace: "otel-demo" });
        expect(isSecret(secret.inputs.stringData)).toBe(true);
        expect(Object.keys(secret.plain.stringData).sort()).toEqual(["connections.json", "sources.json"]);
    });

    it("exports the collector endpoint, the HyperDX service and how to reach the UI", () => {
        expect(run.outputs).toMatchObject({
            collectorEndpoint: "http://my-clickstack-otel-collector.otel-demo:4318",
            hyperdxService: "my-clickstack-app",
            hyperdxPortForward: "kubectl port-forward --namespace otel-demo service/my-clickstack-app 3000:3000",
            hyperdxUrl: "http://localhost:3000",
            kubernetesDashboardUrl: "http://localhost:3000/kubernetes",
        });
    });

    it("registers every Kubernetes resource through the one explicit provider", () => {
        expect(run.ofType(T.provider).map((p) => p.name)).toEqual(["cluster"]);
        const kubernetesResources = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        expect(kubernetesResources.length).toBeGreaterThanOrEqual(6);
        for (const r of kubernetesResources) {
            expect([r.name, r.provider]).toEqual([r.name, `urn:pulumi:${stack}::clickstack-k8s::pulumi:providers:kubernetes::cluster::cluster-id`]);
        }
        expect(run.find(T.provider, "cluster").plain.context).toBeUndefined(); // the current kube context
    });
});

describe("dev vs prod", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    beforeAll(async () => {
        dev = await runProgram("dev");
        prod = await runProgram("prod");
    });

    it("dev is self-hosted with its volume size; prod is Managed ClickStack", () => {
        const devValues = dev.find(T.chart, "clickstack").plain.values;
        expect(devValues.clickhouse.enabled).toBe(true);
        expect(devValues.clickhouse.cluster.spec.dataVolumeClaimSpec.resources.requests.storage).toBe("20Gi");
        const prodValues = prod.find(T.chart, "clickstack").plain.values;
        expect(prodValues.clickhouse).toEqual({ enabled: false });
        expect(prodValues.hyperdx.config.CLICKHOUSE_ENDPOINT).toBe("https://test-service.eu-west-1.aws.clickhouse.cloud:8443");
        expect(prodValues.hyperdx.secrets.CLICKHOUSE_PASSWORD).toBe("test-cloud-password");
        expect(prod.ofType(T.password).map((p) => p.name).filter((n) => n.startsWith("clickstack-"))).toEqual(["clickstack-mongodb-password", "clickstack-session-secret"]);
    });

    it("prod protects the namespace and both charts and keeps them on delete; dev does not", () => {
        for (const [run, kept] of [[prod, true], [dev, false]] as const) {
            for (const resource of [run.find(T.namespace, "namespace"), run.find(T.chart, "clickstack"), run.find(T.chart, "clickstack-operators")]) {
                expect([resource.name, resource.protect, resource.retainOnDelete]).toEqual([resource.name, kept, kept]);
            }
        }
    });

    it("neither stack has an Ingress", () => {
        expect(dev.find(T.chart, "clickstack").plain.values.hyperdx.ingress).toBeUndefined();
        expect(prod.find(T.chart, "clickstack").plain.values.hyperdx.ingress).toBeUndefined();
    });
});

describe("the ClickStack component used on its own", () => {
    it("refuses an ingress with managed ClickHouse, before registering anything", async () => {
        jest.resetModules();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
        const registered: string[] = [];
        await pulumi.runtime.setMocks({
            newResource: (args) => { registered.push(args.name); return { id: args.name, state: args.inputs }; },
            call: (args) => args.inputs,
        }, "clickstack-k8s", "dev");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { ClickStack } = require("../../components/clickstack/clickstack") as typeof import("../../components/clickstack/clickstack");
        expect(() => new ClickStack("clickstack", {
            namespace: "otel-demo",
            clickhouse: managed.clickhouse as never,
            ingress: { host: "hyperdx.example.com", tlsSecretName: "tls" },
        })).toThrow("ClickStack: an ingress is not allowed with managed ClickHouse (the in-cluster HyperDX must not be exposed)");
        await new Promise((r) => setTimeout(r, 50));
        expect(registered).toEqual([]);
    });
});

describe("the cluster", () => {
    it("follows the standard kubernetes:context and kubernetes:kubeconfig keys", async () => {
        const run = await runProgram("dev", {}, [], { "kubernetes:context": "kind-clickstack", "kubernetes:kubeconfig": "/home/me/.kube/other" });
        const provider = run.find(T.provider, "cluster");
        expect(provider.plain).toMatchObject({ context: "kind-clickstack", kubeconfig: "/home/me/.kube/other" });
        // The provider does not mark kubeconfig secret itself: without the wrap the state holds it in clear.
        expect(isSecret(provider.inputs.kubeconfig)).toBe(true);
    });

    it("passes no kubeconfig when none is configured (the current kube context)", async () => {
        const run = await runProgram("dev");
        expect(run.find(T.provider, "cluster").plain.kubeconfig).toBeUndefined();
    });
});

describe("self-hosted production with an Ingress (docs/configuration.md's self-hosted production, on top of the dev stack)", () => {
    it("renders TLS with the cert-manager issuer and protects the data", async () => {
        const run = await runProgram("dev", {
            protectData: true,
            storageClass: "fast-ssd",
            ingress: { host: "hyperdx.example.com", className: "nginx", clusterIssuer: "letsencrypt-prod" },
        });
        const clickstack = run.find(T.chart, "clickstack");
        expect(clickstack.plain.values.hyperdx.ingress.spec.tls).toEqual([{ hosts: ["hyperdx.example.com"], secretName: "my-clickstack-hyperdx-tls" }]);
        expect(clickstack.plain.values.hyperdx.ingress.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt-prod" });
        expect(clickstack.protect).toBe(true);
        expect(run.outputs.hyperdxUrl).toBe("https://hyperdx.example.com");
        expect(run.outputs.kubernetesDashboardUrl).toBe("https://hyperdx.example.com/kubernetes");
    });
});

describe("usageStats config (the one opt-in to vendor usage data)", () => {
    it("turns on HyperDX's usage statistics and the MongoDB operator's telemetry together", async () => {
        const run = await runProgram("dev", { usageStats: true });
        expect(run.find(T.chart, "clickstack").plain.values.hyperdx.config.USAGE_STATS_ENABLED).toBe("true");
        expect(run.find(T.chart, "clickstack-operators").plain.values["mongodb-operator"].operator.telemetry).toEqual({ enabled: true });
    });

    it("refuses what is not a boolean, naming the key and what was given, before registering anything", async () => {
        await expect(runProgram("dev", { usageStats: "sometimes" }, [])).rejects.toThrow(/usageStats must be true or false \(given: "sometimes"\)/);
    });
});
