// The collectors' slice of the stack config: the two Kubernetes collectors and, for agent stacks,
// the gateway they send to with its ingestion key (which, set on a central stack, replaces the bootstrap).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { booleanish, dnsLabel, slice } from "../common/config-slice";
import { COLLECTOR_CHART, MIN_COLLECTOR_IMAGE } from "./collectors";
import { WorkloadTelemetry } from "./workload-telemetry";

export interface CollectorsConfig {
    readonly collectors: {
        readonly enabled: boolean;
        readonly imageTag: string;
        /** The workloads' own telemetry through the DaemonSet collector (nothing when the collectors are off). */
        readonly workloads: WorkloadTelemetry;
    };
    /** Agent mode: the remote gateway's OTLP/HTTP endpoint the collectors send to. */
    readonly gatewayEndpoint?: string;
    /** The HyperDX ingestion API key from config (a Pulumi secret); set, it replaces the bootstrap. Required in agent mode. */
    readonly ingestionApiKey?: pulumi.Output<string>;
}

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

export const isClusterLocalHttp = (endpoint: string) => endpoint.startsWith("http://") && gatewayEndpointProblem(endpoint) === undefined;

/** Why a value cannot be a HyperDX ingestion key (a UUID-like token), or undefined if it can. */
function apiKeyProblem(key: string): string | undefined {
    if (key.trim() === "") return "must not be empty or whitespace";
    if (/^bearer\s/i.test(key.trim())) {
        return 'must be the bare key from Team Settings → API Keys, without a "Bearer " prefix (HyperDX expects the key itself in the authorization header)';
    }
    if (/\s/.test(key)) return "must not contain whitespace";
    return undefined;
}

function atLeastMinimumCollector(tag: string): boolean {
    const parse = (v: string) => v.split(".").map(Number);
    const [a, b, c] = parse(tag);
    const [x, y, z2] = parse(MIN_COLLECTOR_IMAGE);
    return a !== x ? a > x : b !== y ? b > y : c >= z2;
}

/** Namespaces that may send to the workload OTLP endpoint unless `collectors.otlpExceptNamespaces` says otherwise. */
export const DEFAULT_OTLP_EXCEPT_NAMESPACES: readonly string[] = ["kube-system"];

const namespaceList = z.array(dnsLabel(63), { error: "must be a list of namespace names" });
const COLLECTORS_KEYS = ["enabled", "imageTag", "otlpEndpoint", "otlpNamespaces", "otlpExceptNamespaces", "scrapePods", "scrapeExceptNamespaces"] as const;

const COLLECTORS_DEFAULTS = {
    gatewayEndpoint: "",
    ingestionApiKey: "",
    collectors: {},
} as const;

export const collectorsConfig = slice({
    name: "collectors",
    defaults: COLLECTORS_DEFAULTS,
    shape: {
        gatewayEndpoint: z.string().superRefine((endpoint, ctx) => {
            const problem = gatewayEndpointProblem(endpoint);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
        }).optional(),
        ingestionApiKey: z.string().superRefine((key, ctx) => {
            const problem = apiKeyProblem(key);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
        }).optional(),
        collectors: z.strictObject({
            enabled: booleanish.default(true),
            imageTag: z.string().regex(/^[0-9]+\.[0-9]+\.[0-9]+$/, "must be an opentelemetry-collector-contrib release tag such as 0.158.0")
                .refine(atLeastMinimumCollector, `must be ${MIN_COLLECTOR_IMAGE} or newer: the opentelemetry-collector chart renames k8sattributes → k8s_attributes and filelog → file_log, which older images do not know (the guide's 0.123.0 crashes)`)
                .default(COLLECTOR_CHART.imageTag),
            // The workloads' door: OTLP without a key on the DaemonSet's node-local Service.
            otlpEndpoint: booleanish.default(true),
            /** Only these namespaces may send; unset: every namespace. */
            otlpNamespaces: namespaceList.optional(),
            /** These may not send. @default DEFAULT_OTLP_EXCEPT_NAMESPACES */
            otlpExceptNamespaces: namespaceList.optional(),
            // Pods annotated prometheus.io/scrape, each scraped by its node's collector.
            scrapePods: booleanish.default(true),
            scrapeExceptNamespaces: namespaceList.optional(),
        }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: ${COLLECTORS_KEYS.join(", ")}` : "must be an object" })
            .default({ enabled: true, imageTag: COLLECTOR_CHART.imageTag, otlpEndpoint: true, scrapePods: true }),
    },
    secretKeys: ["ingestionApiKey"],
    rules: (c, problem) => {
        const { otlpEndpoint, otlpNamespaces, otlpExceptNamespaces, scrapePods, scrapeExceptNamespaces } = c.collectors;
        if (!otlpEndpoint) {
            for (const [key, value] of [["otlpNamespaces", otlpNamespaces], ["otlpExceptNamespaces", otlpExceptNamespaces]] as const) {
                if (value !== undefined) problem(`collectors.${key}`, "is only used with collectors.otlpEndpoint true; remove it or turn the endpoint on");
            }
        }
        const both = (otlpNamespaces ?? []).filter((ns) => (otlpExceptNamespaces ?? DEFAULT_OTLP_EXCEPT_NAMESPACES).includes(ns));
        if (otlpEndpoint && both.length > 0) {
            problem("collectors.otlpNamespaces", `names ${both.join(", ")}, which collectors.otlpExceptNamespaces${otlpExceptNamespaces === undefined ? " (default kube-system)" : ""} refuses; drop it from one of the two`);
        }
        if (!scrapePods && scrapeExceptNamespaces !== undefined) {
            problem("collectors.scrapeExceptNamespaces", "is only used with collectors.scrapePods true; remove it or turn scraping on");
        }
        if (c.mode === "agent") {
            if (c.gatewayEndpoint === undefined) {
                problem("gatewayEndpoint", "is required when mode is agent: the central stack's OTLP endpoint, e.g. `pulumi config set gatewayEndpoint https://otlp.example.com` (its `otlpEndpoint` output)");
            }
            if (c.ingestionApiKey === undefined) {
                problem("ingestionApiKey", "is required when mode is agent: the central HyperDX's key, `pulumi config set --secret ingestionApiKey <key>` (the central stack's `ingestionApiKeyCommand` output prints it)");
            }
        } else if (c.gatewayEndpoint !== undefined) {
            problem("gatewayEndpoint", "is only used when mode is agent (self-hosted and managed stacks run their own gateway); remove it or set mode to agent");
        }
    },
    toConfig: (c): CollectorsConfig => ({
        collectors: {
            enabled: c.collectors.enabled,
            imageTag: c.collectors.imageTag,
            workloads: !c.collectors.enabled ? {} : {
                ...(c.collectors.otlpEndpoint ? {
                    otlp: { namespaces: c.collectors.otlpNamespaces, exceptNamespaces: c.collectors.otlpExceptNamespaces ?? [...DEFAULT_OTLP_EXCEPT_NAMESPACES] },
                } : {}),
                ...(c.collectors.scrapePods ? { scrape: { exceptNamespaces: c.collectors.scrapeExceptNamespaces ?? [] } } : {}),
            },
        },
        gatewayEndpoint: c.gatewayEndpoint,
        ingestionApiKey: c.ingestionApiKey === undefined ? undefined : pulumi.secret(c.ingestionApiKey),
    }),
});
