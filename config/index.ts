// The stack configuration, read and validated once. Every other module receives the typed,
// frozen result; nothing else reads `pulumi.Config`.
//
// Each feature owns its slice (components/<feature>/config.ts: its keys, their defaults and schemas,
// its own rules and its typed config). This folder keeps what is shared: every key merged into one
// schema (keys.ts), reading the raw config (read.ts), the rules that span features (rules.ts), and here
// every problem collected at once, the refusal of secrets held in plain text, and StackConfig
// assembled from the slices.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { bootstrapConfig, BootstrapConfig } from "../components/bootstrap/config";
import { ClickStackConfig, clickstackConfig } from "../components/clickstack/config";
import { SourcesConfig, sourcesConfig } from "../components/common/config";
import { CoreConfig, Problem } from "../components/common/config-slice";
import { CollectorsConfig, collectorsConfig } from "../components/collectors/config";
import { ContentConfig, contentConfig } from "../components/content/config";
import { DemoConfig, demoConfig } from "../components/demo/config";
import { HighAvailabilityConfig, highAvailabilityConfig } from "../components/high-availability/config";
import { planCapacity } from "../components/retention/capacity";
import { RetentionConfig, retentionConfig } from "../components/retention/config";
import { SizingConfig, sizingConfig } from "../components/sizing/config";
import { DEFAULTS, isEmptyObject, PROJECT, rawSchema, RawConfig, SECRET_KEYS, SLICES, UNSET } from "./keys";
import { ClusterConfig, readClusterConfig, readEncryptedKeys, readRawConfig } from "./read";
import { bootstrapRuns, crossFeatureRules } from "./rules";

export { gatewayEndpointProblem } from "../components/collectors/config";
export type { CoreConfig, Mode } from "../components/common/config-slice";
export type { ManagedClickHouse } from "../components/clickstack/config";
export { CONFIG_KEYS, CORE_DEFAULTS, DEFAULTS, PROJECT, SECRET_KEYS, SLICES } from "./keys";
export { readClusterConfig, readEncryptedKeys, readRawConfig } from "./read";
export type { ClusterConfig } from "./read";

export interface StackConfig extends CoreConfig, ClickStackConfig, SizingConfig, HighAvailabilityConfig, CollectorsConfig, SourcesConfig, RetentionConfig, BootstrapConfig, ContentConfig, DemoConfig {
    readonly cluster: ClusterConfig;
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
        ...sizingConfig.toConfig(c),
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

/** The stack's configuration; throws StackConfigError before any resource exists. */
export function loadConfig(): StackConfig {
    return parseStackConfig(readRawConfig(), readClusterConfig(), readEncryptedKeys(), pulumi.getStack());
}
