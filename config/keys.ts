// Every key this project reads: the core keys (config/index.ts's StackConfig carries them to every
// feature) and each feature's slice (components/<feature>/config.ts), merged into one schema, with the
// defaults Pulumi.yaml declares for them and which of them are objects, unset or secret.
import { z } from "zod";
import { bootstrapConfig } from "../components/bootstrap/config";
import { clickstackConfig } from "../components/clickstack/config";
import { sourcesConfig } from "../components/common/config";
import { ConfigSlice, CoreConfig, dnsLabel, booleanish } from "../components/common/config-slice";
import { collectorsConfig } from "../components/collectors/config";
import { contentConfig } from "../components/content/config";
import { demoConfig } from "../components/demo/config";
import { highAvailabilityConfig } from "../components/high-availability/config";
import { retentionConfig } from "../components/retention/config";
import { sizingConfig } from "../components/sizing/config";

export const PROJECT = "clickstack-k8s";

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
export const SLICES: readonly ConfigSlice<any, unknown>[] = [clickstackConfig, sizingConfig, highAvailabilityConfig, collectorsConfig, sourcesConfig, retentionConfig, bootstrapConfig, contentConfig, demoConfig];

/**
 * The defaults Pulumi.yaml declares, core and slices together (a test keeps the two equal). The CLI
 * treats a declared key without a default as required, so optional keys default to "" or {}, which
 * mean "not set". The program applies the same defaults, so it behaves alike with or without the CLI.
 */
export const DEFAULTS: Readonly<Record<string, unknown>> = Object.assign({}, CORE_DEFAULTS, ...SLICES.map((s) => s.defaults));

export const isEmptyObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
/** Optional keys whose "not set" is their Pulumi.yaml default "" or {}. */
export const UNSET = new Set(Object.entries(DEFAULTS).filter(([, v]) => v === "" || isEmptyObject(v)).map(([k]) => k));
/** Keys whose stack-config value is structured YAML (an object or a list): their defaults are. */
export const OBJECT_KEYS = new Set(Object.entries(DEFAULTS).filter(([, v]) => typeof v === "object").map(([k]) => k));
/** Keys whose values are secrets: never echoed in an error message, refused in plain text. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(SLICES.flatMap((s) => s.secretKeys ?? []));

export const rawSchema = z.strictObject({
    ...coreShape,
    ...clickstackConfig.shape,
    ...sizingConfig.shape,
    ...highAvailabilityConfig.shape,
    ...collectorsConfig.shape,
    ...sourcesConfig.shape,
    ...retentionConfig.shape,
    ...bootstrapConfig.shape,
    ...contentConfig.shape,
    ...demoConfig.shape,
}, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown stack config key(s) ${iss.keys.map((k) => `${PROJECT}:${k}`).join(", ")}` : undefined });

export type RawConfig = z.output<typeof rawSchema> & CoreConfig;

/** Every key this project reads (without the `clickstack-k8s:` prefix). */
export const CONFIG_KEYS: readonly string[] = Object.keys(rawSchema.shape);
