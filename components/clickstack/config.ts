// ClickStack's slice of the stack config: where ClickHouse runs (self-hosted volume, or the Cloud
// endpoint and credentials), the Ingresses, storage and the NetworkPolicies.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { DNS_SUBDOMAIN, dnsLabel, booleanish, slice } from "../common/config-slice";
import { clickstackPods } from "./names";
import { TlsIngress } from "./values";

export interface ManagedClickHouse {
    /** ClickHouse Cloud HTTPS endpoint, e.g. https://abc.eu-west-1.aws.clickhouse.cloud:8443 */
    readonly url: string;
    readonly user: string;
    readonly password: pulumi.Output<string>;
}

export interface ClickStackConfig {
    /** Storage class for ClickHouse, Keeper and MongoDB volumes; undefined = the cluster default. */
    readonly storageClass?: string;
    readonly clickhouseDataSize: string;
    /** Set exactly when mode is "managed". */
    readonly managedClickHouse?: ManagedClickHouse;
    readonly ingress?: TlsIngress;
    /** An Ingress with TLS for the gateway collector's OTLP/HTTP port (self-hosted and managed). */
    readonly otlpIngress?: TlsIngress;
    /** NetworkPolicies around HyperDX, the gateway, ClickHouse, Keeper and MongoDB. */
    readonly networkPolicies: boolean;
    /** Opt in to usage data for the vendors: HyperDX's usage statistics and the MongoDB operator's telemetry. */
    readonly usageStats: boolean;
}

// A Kubernetes quantity for storage, binary (Gi) or decimal (G) suffix. "100GB" is not one.
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** An Ingress with TLS: `ingress` (the HyperDX UI) and `otlpIngress` (OTLP/HTTP to the gateway). */
const ingressSchema = (what: string, example: string) => z.strictObject({
    host: z.string({ error: `is required: the public host name of ${what}` })
        .regex(DNS_SUBDOMAIN, `must be a DNS host name such as ${example}`),
    className: z.string().regex(DNS_SUBDOMAIN, "must be an IngressClass name").optional(),
    tlsSecretName: dnsLabel(63).optional(),
    clusterIssuer: z.string().regex(DNS_SUBDOMAIN, "must be a cert-manager ClusterIssuer name").optional(),
}, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: host, className, tlsSecretName, clusterIssuer` : "must be an object with host, className, tlsSecretName, clusterIssuer" });

const CLICKSTACK_DEFAULTS = {
    storageClass: "",
    clickhouseDataSize: "100Gi",
    clickhouseUrl: "",
    clickhouseUser: "default",
    clickhousePassword: "",
    ingress: {},
    otlpIngress: {},
    networkPolicies: true,
    usageStats: false,
} as const;

export const clickstackConfig = slice({
    name: "clickstack",
    defaults: CLICKSTACK_DEFAULTS,
    shape: {
        storageClass: z.union([z.literal(""), z.string().regex(DNS_SUBDOMAIN, "must be a StorageClass name")]).default(CLICKSTACK_DEFAULTS.storageClass),
        clickhouseDataSize: z.string().regex(QUANTITY, "must be a Kubernetes quantity such as 100Gi or 500G (not 100GB)").default(CLICKSTACK_DEFAULTS.clickhouseDataSize),
        clickhouseUrl: z.url({ protocol: /^https$/, error: "must be the ClickHouse Cloud https:// URL, e.g. https://abc.eu-west-1.aws.clickhouse.cloud:8443" }).optional(),
        clickhouseUser: z.string().min(1, "must not be empty").default(CLICKSTACK_DEFAULTS.clickhouseUser),
        clickhousePassword: z.string().min(1, "must not be empty").optional(),
        ingress: ingressSchema("the HyperDX UI", "hyperdx.example.com").optional(),
        otlpIngress: ingressSchema("the OTLP endpoint", "otlp.example.com").optional(),
        networkPolicies: booleanish.default(CLICKSTACK_DEFAULTS.networkPolicies),
        usageStats: booleanish.default(CLICKSTACK_DEFAULTS.usageStats),
    },
    secretKeys: ["clickhousePassword"],
    rules: (c, problem) => {
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
        if (c.networkPolicies && c.releaseName.length <= 53) {
            // Label values are at most 63 characters; the operators' instance labels add to the release name.
            const tooLong = Object.values(clickstackPods(c.releaseName)).flatMap((labels: Record<string, string>) => Object.values(labels)).filter((v) => v.length > 63);
            if (tooLong.length > 0) {
                problem("releaseName", `is too long for the NetworkPolicies: the pod label ${tooLong[0]} would exceed 63 characters; shorten releaseName or set networkPolicies to false`);
            }
        }
    },
    toConfig: (c): ClickStackConfig => ({
        storageClass: c.storageClass === "" ? undefined : c.storageClass,
        clickhouseDataSize: c.clickhouseDataSize,
        managedClickHouse: c.mode === "managed"
            ? { url: c.clickhouseUrl!, user: c.clickhouseUser, password: pulumi.secret(c.clickhousePassword!) }
            : undefined,
        ingress: c.ingress && { ...c.ingress, tlsSecretName: c.ingress.tlsSecretName ?? `${c.releaseName}-hyperdx-tls` },
        otlpIngress: c.otlpIngress && { ...c.otlpIngress, tlsSecretName: c.otlpIngress.tlsSecretName ?? `${c.releaseName}-otlp-tls` },
        networkPolicies: c.networkPolicies,
        usageStats: c.usageStats,
    }),
});
