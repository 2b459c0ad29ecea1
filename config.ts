// The stack configuration, read and validated once. Every other module receives the typed,
// frozen result; nothing else reads `pulumi.Config`.
//
// Each feature owns its slice (components/<feature>/config.ts: its keys, their defaults and schemas,
// its own rules and its typed config). This module keeps what is shared: the core keys every feature
// reads, reading the raw config, the rules that span features, every problem collected at once, the
// refusal of secrets held in plain text, and StackConfig assembled from the slices.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { bootstrapConfig, BootstrapConfig, bootstrapSet } from "./components/bootstrap/config";
import { CLICKSTACK_CHART, OPERATORS_CHART, selfHostedResourceProblems } from "./components/clickstack/clickstack";
import { ClickStackConfig, clickstackConfig } from "./components/clickstack/config";
import { chartFolderProblem, parseChartSource } from "./components/common/chart-source";
import { SourcesConfig, sourcesConfig } from "./components/common/config";
import { ConfigSlice, CoreConfig, dnsLabel, booleanish, Mode, Problem } from "./components/common/config-slice";
import { COLLECTOR_CHART } from "./components/collectors/collectors";
import { CollectorsConfig, collectorsConfig, isClusterLocalHttp } from "./components/collectors/config";
import { ContentConfig, contentConfig } from "./components/content/config";
import { DemoConfig, demoConfig } from "./components/demo/config";
import { HighAvailabilityConfig, highAvailabilityConfig } from "./components/high-availability/config";
import { quantityGi } from "./components/common/quantity";
import { DEFAULT_RETENTION_HOURS, longest, planCapacity } from "./components/retention/capacity";
import { RetentionConfig, retentionConfig } from "./components/retention/config";

export { gatewayEndpointProblem } from "./components/collectors/config";
export type { CoreConfig, Mode } from "./components/common/config-slice";
export type { ManagedClickHouse } from "./components/clickstack/config";

export const PROJECT = "clickstack-k8s";

/** Which cluster: the standard `kubernetes:context` / `kubernetes:kubeconfig` keys, else the current kube context. */
export interface ClusterConfig {
    readonly context?: string;
    /** A Pulumi secret: the provider does not mark this input secret by itself, so the state would hold it in clear. */
    readonly kubeconfig?: pulumi.Output<string>;
}

export interface StackConfig extends CoreConfig, ClickStackConfig, HighAvailabilityConfig, CollectorsConfig, SourcesConfig, RetentionConfig, BootstrapConfig, ContentConfig, DemoConfig {
    readonly cluster: ClusterConfig;
}

/** The core keys' Pulumi.yaml defaults ("" for clusterName: the stack's name). */
export const CORE_DEFAULTS = {
    namespace: "otel-demo",
    mode: "self-hosted",
    releaseName: "my-clickstack",
    protectData: false,
    clusterName: "",
} as const;

const coreShape = {
    namespace: dnsLabel(63).default(CORE_DEFAULTS.namespace),
    mode: z.enum(["self-hosted", "managed", "agent"], { error: 'must be "self-hosted", "managed" or "agent"' }).default(CORE_DEFAULTS.mode),
    // Helm release names are at most 53 characters.
    releaseName: dnsLabel(53).default(CORE_DEFAULTS.releaseName),
    protectData: booleanish.default(CORE_DEFAULTS.protectData),
    clusterName: z.string().regex(/^\S+$/, "must not be empty or contain whitespace").optional(),
};

/** Every feature's slice of the config; the order in which their rules run. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const SLICES: readonly ConfigSlice<any, unknown>[] = [clickstackConfig, highAvailabilityConfig, collectorsConfig, sourcesConfig, retentionConfig, bootstrapConfig, contentConfig, demoConfig];

/**
 * The defaults Pulumi.yaml declares, core and slices together (a test keeps the two equal). The CLI
 * treats a declared key without a default as required, so optional keys default to "" or {}, which
 * mean "not set". The program applies the same defaults, so it behaves alike with or without the CLI.
 */
export const DEFAULTS: Readonly<Record<string, unknown>> = Object.assign({}, CORE_DEFAULTS, ...SLICES.map((s) => s.defaults));

const isEmptyObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
/** Optional keys whose "not set" is their Pulumi.yaml default "" or {}. */
const UNSET = new Set(Object.entries(DEFAULTS).filter(([, v]) => v === "" || isEmptyObject(v)).map(([k]) => k));
/** Keys whose stack-config value is structured YAML (an object or a list): their defaults are. */
const OBJECT_KEYS = new Set(Object.entries(DEFAULTS).filter(([, v]) => typeof v === "object").map(([k]) => k));
/** Keys whose values are secrets: never echoed in an error message, refused in plain text. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(SLICES.flatMap((s) => s.secretKeys ?? []));

const rawSchema = z.strictObject({
    ...coreShape,
    ...clickstackConfig.shape,
    ...highAvailabilityConfig.shape,
    ...collectorsConfig.shape,
    ...sourcesConfig.shape,
    ...retentionConfig.shape,
    ...bootstrapConfig.shape,
    ...contentConfig.shape,
    ...demoConfig.shape,
}, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown stack config key(s) ${iss.keys.map((k) => `${PROJECT}:${k}`).join(", ")}` : undefined });

type RawConfig = z.output<typeof rawSchema> & CoreConfig;

/** Every key this project reads (without the `clickstack-k8s:` prefix). */
export const CONFIG_KEYS: readonly string[] = Object.keys(rawSchema.shape);

/** The bootstrap Job runs on a central stack unless the key comes from config or it is turned off. */
const bootstrapRuns = (c: { mode: Mode; bootstrap: { enabled: boolean }; ingestionApiKey?: string }) =>
    c.mode !== "agent" && c.bootstrap.enabled && c.ingestionApiKey === undefined;

/** The rules that span features. */
function crossFeatureRules(c: RawConfig, problem: Problem): void {
    if (c.mode === "agent") {
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
        const workloadEndpoint = c.collectors.enabled && c.collectors.otlpEndpoint;
        if (c.demo.enabled === true && !workloadEndpoint && c.gatewayEndpoint !== undefined && !isClusterLocalHttp(c.gatewayEndpoint)) {
            problem("demo.enabled", "needs the workloads' endpoint (collectors.enabled and collectors.otlpEndpoint) or a cluster-local http:// gatewayEndpoint when mode is agent: the demo's services send plain OTLP to <host>:4317/4318 and cannot reach a TLS endpoint");
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
    const set = Object.fromEntries(Object.entries(raw).filter(([key, value]) => !(UNSET.has(key) && (value === "" || isEmptyObject(value)))));
    const plaintext = encryptedKeys === undefined ? [] : SLICES.flatMap((s) => (s.secretKeys ?? [])
        .filter((key: string) => set[key] !== undefined && !encryptedKeys.has(`${PROJECT}:${key}`))
        .map((key: string) => s.plaintextMessage?.(key)
            ?? `${key} is stored in plain text in the stack config; it is a secret: set it again with \`pulumi config set --secret ${key} <value>\` (given: [secret])`));
    // "" (Pulumi.yaml's default) means the stack's name.
    const withCore = (c: z.output<typeof rawSchema>): RawConfig => ({ ...c, clusterName: c.clusterName ?? stack });
    // Each slice's rules, then those that span features. zod runs them even when some other key
    // failed, so one run reports every problem.
    const result = rawSchema.superRefine((parsed, ctx) => {
        const problem: Problem = (key, message) => ctx.addIssue({ code: "custom", path: key.split("."), message });
        const c = withCore(parsed);
        for (const s of SLICES) s.rules?.(c, problem);
        crossFeatureRules(c, problem);
    }).safeParse(set);
    const problems = [...plaintext, ...(result.success ? [] : result.error.issues.map((issue) => describeIssue(issue.path, issue.message, raw)))];
    if (!result.success || problems.length > 0) throw new StackConfigError(problems);
    return Object.freeze({ cluster: Object.freeze({ ...cluster }), ...toStackConfig(withCore(result.data)) });
}

function describeIssue(path: readonly PropertyKey[], message: string, raw: Record<string, unknown>): string {
    if (path.length === 0) return message;
    const key = path.join(".");
    const given = path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
    const shown = SECRET_KEYS.has(String(path[0])) ? "[secret]" : given === undefined ? "nothing" : JSON.stringify(given);
    return `${key} ${message} (given: ${shown})`;
}

/** StackConfig from the slices, with what spans features: the plan's disk size, whether the bootstrap and content Jobs run. */
function toStackConfig(c: RawConfig): Omit<StackConfig, "cluster"> {
    const clickstack = clickstackConfig.toConfig(c);
    const replicated = highAvailabilityConfig.toConfig(c);
    // The plan sizes each ClickHouse replica and counts them all (every replica holds all the data).
    const retention = { ...retentionConfig.toConfig(c), ...(c.capacity !== undefined && c.mode === "self-hosted" && replicated.highAvailability
        ? { capacityPlan: planCapacity(c.capacity, c.retention, replicated.highAvailability.clickhouseReplicas) } : {}) };
    const bootstrap = bootstrapConfig.toConfig(c);
    const runs = bootstrapRuns(c);
    return {
        namespace: c.namespace,
        mode: c.mode,
        releaseName: c.releaseName,
        protectData: c.protectData,
        clusterName: c.clusterName,
        ...clickstack,
        ...replicated,
        // With capacity and no explicit size (Pulumi.yaml's default counts as none), the plan's size.
        clickhouseDataSize: retention.capacityPlan && c.clickhouseDataSize === DEFAULTS.clickhouseDataSize
            ? `${retention.capacityPlan.dataSizeGi.value}Gi` : clickstack.clickhouseDataSize,
        ...collectorsConfig.toConfig(c),
        ...sourcesConfig.toConfig(c),
        ...retention,
        bootstrap: { ...bootstrap.bootstrap, enabled: runs },
        ...demoConfig.toConfig(c),
        ...(runs ? contentConfig.toConfig(c) : {}),
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
