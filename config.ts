// The stack configuration, read and validated once. Every other module receives the typed,
// frozen result; nothing else reads `pulumi.Config`.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CLICKSTACK_CHART, clickstackPods, OPERATORS_CHART, selfHostedResourceProblems, TlsIngress } from "./components/clickstack/clickstack";
import { ChartSource, chartFolderProblem, parseChartSource } from "./components/common/chart-source";
import { ImageSource } from "./components/clickstack/clickstack-images";
import {
    CapacityPlan, DEFAULT_RETENTION_HOURS, longest, MAX_RETENTION_HOURS, MIN_RETENTION_HOURS, parseRetention, planCapacity, quantityGi, Retention,
} from "./components/retention/capacity";
import { COLLECTOR_CHART, MIN_COLLECTOR_IMAGE } from "./components/collectors/collectors";
import { DemoManifestSource, PINNED_DEMO_MANIFEST } from "./components/demo/otel-demo";
import { ContentChoice, PACK_NAMES } from "./components/content/packs";
import { alertingSchema, contentSchema, setWebhookUrlCommand } from "./components/content/config";

export const PROJECT = "clickstack-k8s";

/** self-hosted and managed run ClickStack here; agent only runs the collectors, sending to a gateway elsewhere. */
export type Mode = "self-hosted" | "managed" | "agent";

export interface ManagedClickHouse {
    /** ClickHouse Cloud HTTPS endpoint, e.g. https://abc.eu-west-1.aws.clickhouse.cloud:8443 */
    readonly url: string;
    readonly user: string;
    readonly password: pulumi.Output<string>;
}

/** Which cluster: the standard `kubernetes:context` / `kubernetes:kubeconfig` keys, else the current kube context. */
export interface ClusterConfig {
    readonly context?: string;
    /** A Pulumi secret: the provider does not mark this input secret by itself, so the state would hold it in clear. */
    readonly kubeconfig?: pulumi.Output<string>;
}

export interface StackConfig {
    readonly cluster: ClusterConfig;
    readonly namespace: string;
    readonly mode: Mode;
    readonly releaseName: string;
    /** Storage class for ClickHouse, Keeper and MongoDB volumes; undefined = the cluster default. */
    readonly storageClass?: string;
    readonly clickhouseDataSize: string;
    /** Set exactly when mode is "managed". */
    readonly managedClickHouse?: ManagedClickHouse;
    readonly ingress?: TlsIngress;
    /** An Ingress with TLS for the gateway collector's OTLP/HTTP port (self-hosted and managed). */
    readonly otlpIngress?: TlsIngress;
    /** Agent mode: the remote gateway's OTLP/HTTP endpoint the collectors send to. */
    readonly gatewayEndpoint?: string;
    /** Added to every log and metric as `k8s.cluster.name`. */
    readonly clusterName: string;
    readonly protectData: boolean;
    /** NetworkPolicies around HyperDX, the gateway, ClickHouse, Keeper and MongoDB. */
    readonly networkPolicies: boolean;
    readonly chartVersions: {
        readonly clickstackOperators: string;
        readonly clickstack: string;
        readonly otelCollector: string;
    };
    /** Where each chart comes from (`chartSource`, then `chartSourceOverrides`): upstream, a mirror repository, an OCI registry or a local folder. */
    readonly chartSources: { readonly clickstackOperators: ChartSource; readonly clickstack: ChartSource; readonly otelCollector: ChartSource };
    /** Hours each signal is kept (`retention`). */
    readonly retention: Retention;
    /** With `capacity`: the derived sizes (self-hosted ClickHouse uses them). */
    readonly capacityPlan?: CapacityPlan;
    /** Where every image comes from (`imageRegistry`), and the pull secrets every pod gets (`imagePullSecrets`). */
    readonly images: ImageSource;
    /** The HyperDX ingestion API key from config (a Pulumi secret); set, it replaces the bootstrap. Required in agent mode. */
    readonly ingestionApiKey?: pulumi.Output<string>;
    readonly collectors: { readonly enabled: boolean; readonly imageTag: string };
    /**
     * The HyperDX bootstrap Job: registers the admin and fills the ingestion Secret. Off when
     * `ingestionApiKey` is set (the key then comes from config, as before).
     */
    readonly bootstrap: { readonly enabled: boolean; readonly adminEmail: string; readonly rotation: number };
    readonly demo: { readonly enabled: boolean; readonly source: DemoManifestSource };
    /**
     * Dashboards, saved searches and alerts applied to HyperDX by a Job after the bootstrap
     * (`content`, `alerting`); undefined without the bootstrap (the Job logs in as its admin).
     */
    readonly content?: {
        readonly choice: ContentChoice;
        /** Webhook name → URL, a Pulumi secret: each URL is a credential. */
        readonly webhookUrls: pulumi.Output<Record<string, string>>;
    };
}

/**
 * The defaults Pulumi.yaml declares (a test keeps the two equal). The CLI treats a declared key
 * without a default as required, so optional keys default to "" or {}, which mean "not set".
 * The program applies the same defaults, so it behaves alike with or without the CLI.
 */
export const DEFAULTS = {
    namespace: "otel-demo",
    mode: "self-hosted",
    releaseName: "my-clickstack",
    storageClass: "",
    clickhouseDataSize: "100Gi",
    clickhouseUrl: "",
    clickhouseUser: "default",
    clickhousePassword: "",
    ingestionApiKey: "",
    protectData: false,
    networkPolicies: true,
    ingress: {},
    otlpIngress: {},
    gatewayEndpoint: "",
    clusterName: "",
    bootstrap: {},
    collectors: {},
    demo: {},
    chartVersions: {},
    chartSource: "",
    chartSourceOverrides: {},
    retention: {},
    capacity: {},
    content: {},
    alerting: {},
    imageRegistry: "",
    imagePullSecrets: [],
} as const;

/** Optional keys whose "not set" is "" (strings) or {} (objects), as Pulumi.yaml declares them. */
const UNSET_STRINGS = ["clickhouseUrl", "clickhousePassword", "ingestionApiKey", "gatewayEndpoint", "clusterName"];
const UNSET_OBJECTS = ["ingress", "otlpIngress", "bootstrap", "capacity", "alerting"];

/**
 * Keys whose values are secrets: never echoed in an error message, and refused when the stack holds
 * them in plain text. Pulumi.yaml cannot declare them `secret: true` next to a default (the CLI
 * then refuses every stack that leaves them unset, pulumi/pulumi#21865), so the program checks.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["clickhousePassword", "ingestionApiKey", "alerting"]);
/** Keys whose stack-config value is structured YAML (an object). */
const OBJECT_KEYS = new Set(["ingress", "otlpIngress", "bootstrap", "collectors", "demo", "chartVersions", "chartSourceOverrides", "imagePullSecrets", "retention", "capacity", "content", "alerting"]);

// DNS-1123 label (RFC 1123): what Kubernetes accepts for namespace and object names.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// DNS-1123 subdomain: host names and storage class names.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// A Kubernetes quantity for storage, binary (Gi) or decimal (G) suffix. "100GB" is not one.
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const EXACT_SEMVER = /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
// A registry host (with an optional port) and an optional path, as image references start: no scheme, no tag.
const IMAGE_REGISTRY = /^(localhost|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

const dnsLabel = (maxLength: number) =>
    z.string().max(maxLength, `must be at most ${maxLength} characters`)
        .regex(DNS_LABEL, "must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit");
const exactVersion = z.string().regex(EXACT_SEMVER, "must be an exact chart version such as 1.2.3 (no ranges)");
const booleanish = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")], {
    error: "must be true or false",
});

/** A retention such as 14d or 720h, in hours: at least a day, whole hours, at most ten years. */
const retentionSchema = z.string().transform((value, ctx) => {
    const hours = parseRetention(value);
    if (hours === undefined) {
        ctx.addIssue({ code: "custom", message: "must be whole days or hours such as 14d or 720h" });
        return z.NEVER;
    }
    if (hours < MIN_RETENTION_HOURS || hours > MAX_RETENTION_HOURS) {
        ctx.addIssue({ code: "custom", message: `must be at least 1d (24h) and at most 3650d (${MAX_RETENTION_HOURS}h)` });
        return z.NEVER;
    }
    return hours;
});
const positiveNumber = (what: string) => z.union([z.number(), z.string().regex(/^[0-9]+(\.[0-9]+)?$/).transform(Number)], { error: `must be a number (${what})` });

/** A chart source: "" (upstream), a repository URL, an oci:// path or an absolute folder. */
const chartSourceSchema = z.string().superRefine((value, ctx) => {
    const source = parseChartSource(value);
    if (typeof source === "string") ctx.addIssue({ code: "custom", message: source });
});

/** An Ingress with TLS: `ingress` (the HyperDX UI) and `otlpIngress` (OTLP/HTTP to the gateway). */
const ingressSchema = (what: string, example: string) => z.strictObject({
    host: z.string({ error: `is required: the public host name of ${what}` })
        .regex(DNS_SUBDOMAIN, `must be a DNS host name such as ${example}`),
    className: z.string().regex(DNS_SUBDOMAIN, "must be an IngressClass name").optional(),
    tlsSecretName: dnsLabel(63).optional(),
    clusterIssuer: z.string().regex(DNS_SUBDOMAIN, "must be a cert-manager ClusterIssuer name").optional(),
}, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: host, className, tlsSecretName, clusterIssuer` : "must be an object with host, className, tlsSecretName, clusterIssuer" });

/**
 * Why an agent's gateway endpoint is refused, or undefined. https:// anywhere; http:// only inside
 * the cluster (`<service>.<namespace>`, `….svc`, `….svc.cluster.local`), where it never leaves it.
 */
export function gatewayEndpointProblem(endpoint: string): string | undefined {
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        return "must be a URL such as https://otlp.example.com";
    }
    if (url.protocol === "https:") return undefined;
    if (url.protocol !== "http:") return "must be an https:// URL (or http:// to a cluster-local Service)";
    const clusterLocal = /^[a-z0-9-]+\.[a-z0-9-]+$/.test(url.hostname) || /\.svc$/.test(url.hostname) || /\.svc\.cluster\.local$/.test(url.hostname);
    return clusterLocal ? undefined
        : "must be https:// outside the cluster: the ingestion key travels in its header; http:// is allowed only to a cluster-local Service (<service>.<namespace>, *.svc, *.svc.cluster.local)";
}

const rawSchema = z.strictObject({
    namespace: dnsLabel(63).default(DEFAULTS.namespace),
    mode: z.enum(["self-hosted", "managed", "agent"], { error: 'must be "self-hosted", "managed" or "agent"' }).default(DEFAULTS.mode),
    // Helm release names are at most 53 characters.
    releaseName: dnsLabel(53).default(DEFAULTS.releaseName),
    storageClass: z.union([z.literal(""), z.string().regex(DNS_SUBDOMAIN, "must be a StorageClass name")]).default(DEFAULTS.storageClass),
    clickhouseDataSize: z.string().regex(QUANTITY, "must be a Kubernetes quantity such as 100Gi or 500G (not 100GB)").default(DEFAULTS.clickhouseDataSize),
    clickhouseUrl: z.url({ protocol: /^https$/, error: "must be the ClickHouse Cloud https:// URL, e.g. https://abc.eu-west-1.aws.clickhouse.cloud:8443" }).optional(),
    clickhouseUser: z.string().min(1, "must not be empty").default(DEFAULTS.clickhouseUser),
    clickhousePassword: z.string().min(1, "must not be empty").optional(),
    ingress: ingressSchema("the HyperDX UI", "hyperdx.example.com").optional(),
    otlpIngress: ingressSchema("the OTLP endpoint", "otlp.example.com").optional(),
    gatewayEndpoint: z.string().superRefine((endpoint, ctx) => {
        const problem = gatewayEndpointProblem(endpoint);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    }).optional(),
    clusterName: z.string().regex(/^\S+$/, "must not be empty or contain whitespace").optional(),
    protectData: booleanish.default(DEFAULTS.protectData),
    networkPolicies: booleanish.default(DEFAULTS.networkPolicies),
    chartVersions: z.strictObject({
        clickstackOperators: exactVersion.default(OPERATORS_CHART.version),
        clickstack: exactVersion.default(CLICKSTACK_CHART.version),
        otelCollector: exactVersion.default(COLLECTOR_CHART.version),
    }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: clickstackOperators, clickstack, otelCollector` : "must be an object" }).default({
        clickstackOperators: OPERATORS_CHART.version, clickstack: CLICKSTACK_CHART.version, otelCollector: COLLECTOR_CHART.version,
    }),
    chartSource: chartSourceSchema.default(DEFAULTS.chartSource),
    chartSourceOverrides: z.strictObject({
        clickstackOperators: chartSourceSchema.optional(),
        clickstack: chartSourceSchema.optional(),
        otelCollector: chartSourceSchema.optional(),
    }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: clickstackOperators, clickstack, otelCollector` : "must be an object" }).default({}),
    retention: z.strictObject({
        logs: retentionSchema.default(DEFAULT_RETENTION_HOURS),
        traces: retentionSchema.default(DEFAULT_RETENTION_HOURS),
        metrics: retentionSchema.default(DEFAULT_RETENTION_HOURS),
        sessions: retentionSchema.default(DEFAULT_RETENTION_HOURS),
    }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: logs, traces, metrics, sessions` : "must be an object such as {logs: 14d, traces: 7d}" })
        .default({ logs: DEFAULT_RETENTION_HOURS, traces: DEFAULT_RETENTION_HOURS, metrics: DEFAULT_RETENTION_HOURS, sessions: DEFAULT_RETENTION_HOURS }),
    capacity: z.strictObject({
        ingestMBps: positiveNumber("raw ingest in MB/s, e.g. 5").pipe(z.number().positive("must be more than 0").max(100_000, "must be at most 100000")),
        queryCores: positiveNumber("vCPUs for queries, e.g. 2").pipe(z.number().min(0, "must be 0 or more").max(1024, "must be at most 1024")).optional(),
    }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: ingestMBps, queryCores` : "must be an object with ingestMBps (required) and queryCores" }).optional(),
    imageRegistry: z.union([z.literal(""), z.string().transform((r) => r.replace(/\/+$/, "")).pipe(z.string().regex(IMAGE_REGISTRY, "must be a registry host with an optional path, such as registry.internal/mirror or harbor.example.com:8443/proxy (no https://, no tag, lower case)"))]).default(DEFAULTS.imageRegistry),
    imagePullSecrets: z.array(z.string().regex(DNS_SUBDOMAIN, "must be the name of a Secret in the namespace"), { error: "must be a list of Secret names, e.g. [regcred]" })
        .default([...DEFAULTS.imagePullSecrets]),
    ingestionApiKey: z.string().superRefine((key, ctx) => {
        const problem = apiKeyProblem(key);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    }).optional(),
    bootstrap: z.strictObject({
        enabled: booleanish.default(true),
        adminEmail: z.email({ error: "must be an email address such as admin@example.com" }).optional(),
        rotation: z.union([z.number(), z.string().regex(/^[0-9]+$/).transform(Number)], { error: "must be a whole number (0, 1, 2, …)" })
            .pipe(z.number().int("must be a whole number (0, 1, 2, …)").min(0, "must be 0 or more")).default(0),
    }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: enabled, adminEmail, rotation` : "must be an object with enabled, adminEmail, rotation" }).default({ enabled: true, rotation: 0 }),
    collectors: z.strictObject({
        enabled: booleanish.default(true),
        imageTag: z.string().regex(/^[0-9]+\.[0-9]+\.[0-9]+$/, "must be an opentelemetry-collector-contrib release tag such as 0.158.0")
            .refine(atLeastMinimumCollector, `must be ${MIN_COLLECTOR_IMAGE} or newer: the opentelemetry-collector chart renames k8sattributes → k8s_attributes and filelog → file_log, which older images do not know (the guide's 0.123.0 crashes)`)
            .default(COLLECTOR_CHART.imageTag),
    }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: enabled, imageTag` : "must be an object" }).default({ enabled: true, imageTag: COLLECTOR_CHART.imageTag }),
    demo: z.strictObject({
        enabled: booleanish.optional(),
        manifestUrl: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).optional(),
        manifestFile: z.string().min(1, "must not be empty").optional(),
        sha256: z.string().regex(SHA256_HEX, "must be 64 lower-case hex digits").optional(),
    }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: enabled, manifestUrl, manifestFile, sha256` : "must be an object" }).default({}),
    content: contentSchema.default({}),
    alerting: alertingSchema.optional(),
}, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown stack config key(s) ${iss.keys.map((k) => `${PROJECT}:${k}`).join(", ")}` : undefined })
    .superRefine((c, ctx) => {
        const problem = (key: string, message: string) => ctx.addIssue({ code: "custom", path: key.split("."), message });
        if (c.mode === "managed") {
            if (c.clickhouseUrl === undefined) {
                problem("clickhouseUrl", "is required when mode is managed: the ClickHouse Cloud https:// endpoint (`pulumi config set clickhouseUrl https://…:8443`)");
            }
            if (c.clickhousePassword === undefined) {
                problem("clickhousePassword", "is required when mode is managed: set it with `pulumi config set --secret clickhousePassword <password>`");
            }
            if (c.ingress !== undefined) {
                problem("ingress", "is not allowed when mode is managed: the in-cluster HyperDX holds the admin account and the ingestion key and must not be exposed; users open ClickStack in the ClickHouse Cloud console. Remove `ingress`, or use mode self-hosted");
            }
        } else if (c.mode === "self-hosted") {
            if (c.clickhouseUrl !== undefined) problem("clickhouseUrl", "is only used when mode is managed; remove it or set mode to managed");
            if (c.clickhousePassword !== undefined) problem("clickhousePassword", "is only used when mode is managed (self-hosted passwords are generated); remove it or set mode to managed");
        }
        if (c.mode === "agent") {
            if (c.gatewayEndpoint === undefined) {
                problem("gatewayEndpoint", "is required when mode is agent: the central stack's OTLP endpoint, e.g. `pulumi config set gatewayEndpoint https://otlp.example.com` (its `otlpEndpoint` output)");
            }
            if (c.ingestionApiKey === undefined) {
                problem("ingestionApiKey", "is required when mode is agent: the central HyperDX's key, `pulumi config set --secret ingestionApiKey <key>` (the central stack's `ingestionApiKeyCommand` output prints it)");
            }
            // ClickStack-only keys: an agent stack runs no ClickStack. Keys with a Pulumi.yaml default count when changed.
            const clickstackOnly: [string, boolean][] = [
                ["ingress", c.ingress !== undefined],
                ["otlpIngress", c.otlpIngress !== undefined],
                ["bootstrap", bootstrapSet(c.bootstrap)],
                ["clickhouseUrl", c.clickhouseUrl !== undefined],
                ["clickhousePassword", c.clickhousePassword !== undefined],
                ["clickhouseUser", c.clickhouseUser !== DEFAULTS.clickhouseUser],
                ["clickhouseDataSize", c.clickhouseDataSize !== DEFAULTS.clickhouseDataSize],
                ["storageClass", c.storageClass !== DEFAULTS.storageClass],
                ["retention", Object.values(c.retention).some((hours) => hours !== DEFAULT_RETENTION_HOURS)],
                ["capacity", c.capacity !== undefined],
                // The content lives with the central stack; an agent's collectors still send their own metrics.
                ["content", Object.keys(c.content).length > 0],
                ["alerting", c.alerting !== undefined],
            ];
            for (const [key] of clickstackOnly.filter(([, set]) => set)) {
                problem(key, "is not allowed when mode is agent: an agent stack runs only the collectors and sends to the gateway at gatewayEndpoint; set it on the central stack");
            }
            if (c.demo.enabled === true && c.gatewayEndpoint !== undefined && !isClusterLocalHttp(c.gatewayEndpoint)) {
                problem("demo.enabled", "needs a cluster-local http:// gatewayEndpoint when mode is agent: the demo's services send plain OTLP to <host>:4317/4318 and cannot reach a TLS endpoint");
            }
        } else if (c.gatewayEndpoint !== undefined) {
            problem("gatewayEndpoint", "is only used when mode is agent (self-hosted and managed stacks run their own gateway); remove it or set mode to agent");
        }
        if (c.networkPolicies && c.releaseName.length <= 53) {
            // Label values are at most 63 characters; the operators' instance labels add to the release name.
            const tooLong = Object.values(clickstackPods(c.releaseName)).flatMap((labels: Record<string, string>) => Object.values(labels)).filter((v) => v.length > 63);
            if (tooLong.length > 0) {
                problem("releaseName", `is too long for the NetworkPolicies: the pod label ${tooLong[0]} would exceed 63 characters; shorten releaseName or set networkPolicies to false`);
            }
        }
        if (c.capacity !== undefined && c.mode === "self-hosted" && c.clickhouseDataSize !== DEFAULTS.clickhouseDataSize) {
            const need = planCapacity(c.capacity, c.retention).dataSizeGi.value;
            const given = quantityGi(c.clickhouseDataSize);
            if (given < need) {
                problem("clickhouseDataSize", `is ${c.clickhouseDataSize} (${Math.floor(given)} GiB), below the ${need} GiB that ${c.capacity.ingestMBps} MB/s kept for ${longest(c.retention) / 24} days needs; shorten retention, lower capacity.ingestMBps, or give more disk (clickhouseDataSize ${need}Gi, or remove it to use the plan)`);
            }
        }
        // What the ClickHouse operator builds from the sizing must be a pod the API server accepts.
        if (c.mode === "self-hosted") {
            const plan = c.capacity === undefined ? undefined : planCapacity(c.capacity, c.retention);
            for (const p of selfHostedResourceProblems(plan && { cpu: plan.cpu.value, memoryGi: plan.memoryGi.value })) {
                problem(c.capacity === undefined ? "mode" : "capacity", p);
            }
        }
        // A local folder must hold each chart it serves at exactly the pinned version.
        const charts: { key: keyof RawConfig["chartVersions"]; chart: string; used: boolean }[] = [
            { key: "clickstackOperators", chart: OPERATORS_CHART.chart, used: c.mode !== "agent" },
            { key: "clickstack", chart: CLICKSTACK_CHART.chart, used: c.mode !== "agent" },
            { key: "otelCollector", chart: COLLECTOR_CHART.chart, used: c.collectors.enabled },
        ];
        for (const { key, chart } of charts.filter((ch) => ch.used)) {
            const override = c.chartSourceOverrides[key];
            const source = parseChartSource(override ?? c.chartSource);
            if (typeof source === "string" || source.kind !== "folder") continue;
            const folderProblem = chartFolderProblem(source.path, [{ chart, version: c.chartVersions[key] }]);
            if (folderProblem) problem(override !== undefined ? `chartSourceOverrides.${key}` : "chartSource", folderProblem);
        }
        // The content Job logs in as the bootstrap's admin: without the bootstrap there is none to log in as.
        if (c.mode !== "agent" && !bootstrapRuns(c)) {
            const why = c.ingestionApiKey !== undefined ? "ingestionApiKey is set" : "bootstrap.enabled is false";
            if (c.content.packs?.length || c.content.clusters) problem("content", `needs the bootstrap Job (its admin logs in to apply the packs), which does not run because ${why}; remove content`);
            if (c.alerting !== undefined) problem("alerting", `needs the bootstrap Job (its admin logs in to create the channels and alerts), which does not run because ${why}; remove alerting`);
        }
        if (c.demo.manifestUrl !== undefined && c.demo.manifestFile !== undefined) {
            problem("demo.manifestFile", "and demo.manifestUrl are both set; give one source (a local file wins over a URL, so drop the one you do not mean)");
        }
        if (c.demo.manifestUrl !== undefined && c.demo.sha256 === undefined) {
            problem("demo.sha256", "is required with demo.manifestUrl: the SHA-256 of that manifest, so a changed download is refused");
        }
    });

type RawConfig = z.output<typeof rawSchema>;

/** Every key this project reads (without the `clickstack-k8s:` prefix). */
export const CONFIG_KEYS: readonly string[] = Object.keys(rawSchema.shape);

/** Why a value cannot be a HyperDX ingestion key (a UUID-like token), or undefined if it can. */
function apiKeyProblem(key: string): string | undefined {
    if (key.trim() === "") return "must not be empty or whitespace";
    if (/^bearer\s/i.test(key.trim())) {
        return 'must be the bare key from Team Settings → API Keys, without a "Bearer " prefix (HyperDX expects the key itself in the authorization header)';
    }
    if (/\s/.test(key)) return "must not contain whitespace";
    return undefined;
}

/** Whether the bootstrap object says anything but its defaults. */
function bootstrapSet(b: { enabled: boolean; adminEmail?: string; rotation: number }): boolean {
    return !b.enabled || b.adminEmail !== undefined || b.rotation !== 0;
}

/** The bootstrap Job runs on a central stack unless the key comes from config or it is turned off. */
const bootstrapRuns = (c: { mode: Mode; bootstrap: { enabled: boolean }; ingestionApiKey?: string }) =>
    c.mode !== "agent" && c.bootstrap.enabled && c.ingestionApiKey === undefined;

const isClusterLocalHttp = (endpoint: string) => endpoint.startsWith("http://") && gatewayEndpointProblem(endpoint) === undefined;

function atLeastMinimumCollector(tag: string): boolean {
    const parse = (v: string) => v.split(".").map(Number);
    const [a, b, c] = parse(tag);
    const [x, y, z2] = parse(MIN_COLLECTOR_IMAGE);
    return a !== x ? a > x : b !== y ? b > y : c >= z2;
}

/** Raised for any invalid stack configuration; lists every problem at once. */
export class StackConfigError extends Error {
    constructor(public readonly problems: readonly string[]) {
        super(`Invalid stack configuration for ${PROJECT} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "StackConfigError";
    }
}

/**
 * Validates raw stack config (key → value as Pulumi hands it over, without the project prefix) and
 * returns the typed config. Pure apart from wrapping secrets in `pulumi.secret`.
 */
export function parseStackConfig(
    raw: Record<string, unknown>, cluster: ClusterConfig = {}, encryptedKeys?: ReadonlySet<string>, stack = "default",
): StackConfig {
    const set = withoutUnsetValues(raw);
    const plaintext = encryptedKeys === undefined ? [] : [...SECRET_KEYS]
        .filter((key) => set[key] !== undefined && !encryptedKeys.has(`${PROJECT}:${key}`))
        .map((key) => key === "alerting"
            ? `alerting holds webhook URLs in plain text in the stack config; each URL is a credential: set each again with \`${setWebhookUrlCommand(0)}\` (index 0, 1, …) (given: [secret])`
            : `${key} is stored in plain text in the stack config; it is a secret: set it again with \`pulumi config set --secret ${key} <value>\` (given: [secret])`);
    const result = rawSchema.safeParse(set);
    const problems = [...plaintext, ...(result.success ? [] : result.error.issues.map((issue) => describeIssue(issue, raw)))];
    if (!result.success || problems.length > 0) throw new StackConfigError(problems);
    return Object.freeze({ cluster: Object.freeze({ ...cluster }), ...toStackConfig(result.data, stack) });
}

function withoutUnsetValues(raw: Record<string, unknown>): Record<string, unknown> {
    const isEmptyObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
    return Object.fromEntries(Object.entries(raw).filter(([key, value]) =>
        !(UNSET_STRINGS.includes(key) && value === "") && !(UNSET_OBJECTS.includes(key) && isEmptyObject(value))));
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
    if (issue.path.length === 0) return issue.message;
    const key = issue.path.join(".");
    const given = issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
    const shown = SECRET_KEYS.has(String(issue.path[0])) ? "[secret]" : given === undefined ? "nothing" : JSON.stringify(given);
    return `${key} ${issue.message} (given: ${shown})`;
}

function toStackConfig(c: RawConfig, stack: string): Omit<StackConfig, "cluster"> {
    const capacityPlan = c.capacity === undefined ? undefined : planCapacity(c.capacity, c.retention);
    const managedClickHouse = c.mode === "managed"
        ? { url: c.clickhouseUrl!, user: c.clickhouseUser, password: pulumi.secret(c.clickhousePassword!) }
        : undefined;
    const ingress = c.ingress && {
        ...c.ingress,
        tlsSecretName: c.ingress.tlsSecretName ?? `${c.releaseName}-hyperdx-tls`,
    };
    const otlpIngress = c.otlpIngress && {
        ...c.otlpIngress,
        tlsSecretName: c.otlpIngress.tlsSecretName ?? `${c.releaseName}-otlp-tls`,
    };
    const source: DemoManifestSource = c.demo.manifestFile !== undefined
        ? { kind: "file", path: c.demo.manifestFile, sha256: c.demo.sha256 }
        : c.demo.manifestUrl !== undefined
            ? { kind: "url", url: c.demo.manifestUrl, sha256: c.demo.sha256! }
            : { kind: "url", url: PINNED_DEMO_MANIFEST.url, sha256: PINNED_DEMO_MANIFEST.sha256 };
    return {
        namespace: c.namespace,
        mode: c.mode,
        releaseName: c.releaseName,
        storageClass: c.storageClass === "" ? undefined : c.storageClass,
        // With capacity and no explicit size (Pulumi.yaml's default counts as none), the plan's size.
        clickhouseDataSize: capacityPlan && c.clickhouseDataSize === DEFAULTS.clickhouseDataSize ? `${capacityPlan.dataSizeGi.value}Gi` : c.clickhouseDataSize,
        retention: c.retention,
        ...(capacityPlan ? { capacityPlan } : {}),
        managedClickHouse,
        ingress,
        otlpIngress,
        gatewayEndpoint: c.gatewayEndpoint,
        // "" (Pulumi.yaml's default) means the stack's name.
        clusterName: c.clusterName ?? stack,
        protectData: c.protectData,
        networkPolicies: c.networkPolicies,
        chartVersions: c.chartVersions,
        chartSources: {
            clickstackOperators: parseChartSource(c.chartSourceOverrides.clickstackOperators ?? c.chartSource) as ChartSource,
            clickstack: parseChartSource(c.chartSourceOverrides.clickstack ?? c.chartSource) as ChartSource,
            otelCollector: parseChartSource(c.chartSourceOverrides.otelCollector ?? c.chartSource) as ChartSource,
        },
        images: { registry: c.imageRegistry === "" ? undefined : c.imageRegistry, pullSecrets: c.imagePullSecrets },
        ingestionApiKey: c.ingestionApiKey === undefined ? undefined : pulumi.secret(c.ingestionApiKey),
        collectors: c.collectors,
        bootstrap: {
            enabled: bootstrapRuns(c),
            adminEmail: c.bootstrap.adminEmail ?? `admin@${c.namespace}.local`,
            rotation: c.bootstrap.rotation,
        },
        // The demo is for exploring: on unless the stack holds production data.
        demo: { enabled: c.demo.enabled ?? (c.mode !== "agent" && !c.protectData), source },
        ...(bootstrapRuns(c) ? {
            content: {
                choice: {
                    packs: c.content.packs ?? PACK_NAMES,
                    clusters: c.content.clusters ?? [c.clusterName ?? stack],
                    webhooks: (c.alerting?.webhooks ?? []).map(({ name, service }) => ({ name, service })),
                    // The first webhook unless one is named.
                    channel: c.alerting?.channel ?? c.alerting?.webhooks[0]?.name,
                },
                webhookUrls: pulumi.secret(Object.fromEntries((c.alerting?.webhooks ?? []).map((h) => [h.name, h.url]))),
            },
        } : {}),
    };
}

/**
 * Reads this project's keys from the stack config the CLI passes in. Structured values arrive as
 * JSON text; a value that does not parse is reported like any other problem.
 */
export function readRawConfig(all: Record<string, string> = pulumi.runtime.allConfig()): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const prefix = `${PROJECT}:`;
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        raw[key] = OBJECT_KEYS.has(key) ? parseJsonOrKeep(value) : value;
    }
    return raw;
}

function parseJsonOrKeep(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value; // the schema then says "must be an object" and shows what was given
    }
}

/** The pulumi-kubernetes keys that pick the cluster; an explicit provider does not read them by itself. */
export function readClusterConfig(all: Record<string, string> = pulumi.runtime.allConfig()): ClusterConfig {
    const value = (key: string) => (all[key] === undefined || all[key] === "" ? undefined : all[key]);
    const kubeconfig = value("kubernetes:kubeconfig");
    return { context: value("kubernetes:context"), kubeconfig: kubeconfig === undefined ? undefined : pulumi.secret(kubeconfig) };
}

/**
 * The config keys the stack holds encrypted (`<project>:<key>`), or undefined when no language host
 * said. The Node language host always sets PULUMI_CONFIG_SECRET_KEYS (a JSON list, "[]" for none)
 * for the program it starts (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs, constructConfigSecretKeys);
 * every Pulumi SDK reads this variable, so it stays as long as old SDKs must run under new CLIs.
 * The Node SDK's own reader (`runtime.isConfigSecret`) is marked internal and not in its typings.
 */
export function readEncryptedKeys(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> | undefined {
    const listed = env.PULUMI_CONFIG_SECRET_KEYS;
    if (listed === undefined || listed === "") return undefined;
    const keys: unknown = JSON.parse(listed);
    return new Set(Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : []);
}

/** The stack's configuration; throws StackConfigError before any resource exists. */
export function loadConfig(): StackConfig {
    return parseStackConfig(readRawConfig(), readClusterConfig(), readEncryptedKeys(), pulumi.getStack());
}
