// What every feature's slice of the stack config is made of, and the schema building blocks they
// share. A slice (components/<feature>/config.ts) owns its keys: their Pulumi.yaml defaults, their zod
// schemas, the rules that involve only them (and the shared core keys), and the transformation into
// the typed config its component takes. config/ reads the raw config, merges the slices' schemas,
// runs the rules that span features, collects every problem at once and assembles StackConfig.
import { z } from "zod";

/** The keys every feature may read: config/keys.ts owns them. (A type, not an interface: it is spread into records.) */
export type CoreConfig = {
    readonly namespace: string;
    /** self-hosted and managed run ClickStack here; agent only runs the collectors, sending to a gateway elsewhere. */
    readonly mode: Mode;
    readonly releaseName: string;
    readonly protectData: boolean;
    /** Added to every record as `k8s.cluster.name`; the stack's name unless set. */
    readonly clusterName: string;
};

/** self-hosted and managed run ClickStack here; agent only runs the collectors, sending to a gateway elsewhere. */
export type Mode = "self-hosted" | "managed" | "agent";

/** Reports a problem with `key` (a dotted path); every problem is listed at once. */
export type Problem = (key: string, message: string) => void;

export interface ConfigSlice<S extends z.ZodRawShape, Out> {
    /** Names the slice in messages and tests: its folder under components/. */
    readonly name: string;
    /**
     * The default Pulumi.yaml declares for each key (a test keeps the two equal). The CLI treats a
     * declared key without a default as required, so optional keys default to "" or {}, which mean "not set".
     */
    readonly defaults: { readonly [K in keyof S]: unknown };
    /** Each key's schema; what it gives when unset is the program's default. */
    readonly shape: S;
    /**
     * Keys whose values are secrets: never echoed in an error message, and refused when the stack
     * holds them in plain text. Pulumi.yaml cannot declare them `secret: true` next to a default (the
     * CLI then refuses every stack that leaves them unset, pulumi/pulumi#21865), so the program checks.
     */
    readonly secretKeys?: readonly (keyof S & string)[];
    /** The refusal of a secret key held in plain text, where the generic one (`pulumi config set --secret <key>`) does not fit. */
    readonly plaintextMessage?: (key: keyof S & string) => string | undefined;
    /** Rules that involve only this slice's keys and the core keys; they run once every key has parsed. */
    rules?(c: CoreConfig & z.output<z.ZodObject<S>>, problem: Problem): void;
    /** The typed config this feature's component takes. */
    toConfig(c: CoreConfig & z.output<z.ZodObject<S>>): Out;
}

/** Declares a slice with its types inferred. */
export const slice = <S extends z.ZodRawShape, Out>(s: ConfigSlice<S, Out>): ConfigSlice<S, Out> => s;

// DNS-1123 label (RFC 1123): what Kubernetes accepts for namespace and object names.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// DNS-1123 subdomain: host names and storage class names.
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;

export const dnsLabel = (maxLength: number) =>
    z.string().max(maxLength, `must be at most ${maxLength} characters`)
        .regex(DNS_LABEL, "must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit");

export const booleanish = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")], {
    error: "must be true or false",
});

export const positiveNumber = (what: string) =>
    z.union([z.number(), z.string().regex(/^[0-9]+(\.[0-9]+)?$/).transform(Number)], { error: `must be a number (${what})` });
