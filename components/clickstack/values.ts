// Values for the clickstack chart, and the ClickHouse connection and sources HyperDX starts with:
// components/clickstack/clickstack.yaml with what the program computes merged on top. Pure: the
// ClickStack component (clickstack.ts) feeds them the generated passwords.
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { clickstackImageValues, ImageSource, UPSTREAM_IMAGES } from "./clickstack-images";
import { DEFAULT_RETENTION_HOURS, hoursEnv } from "../retention/capacity";
import { HighAvailability } from "../high-availability/config";
import { highAvailabilityValues } from "../high-availability/layout";
import { ContainerResources, operatorResourceProblems } from "./operator-resources";
import { loadValuesFile, loadValuesObject, mergeValues } from "../common/values-file";
import { CLICKHOUSE_HTTP_PORT, clickstackNames, clickstackPods, COLLECTOR_OTLP_HTTP_PORT, HYPERDX_APP_PORT } from "./names";
import { Size } from "../sizing/sizes";

/** The MongoDB operator's volume claim names and the sizes we give them when a storage class is set. */
const MONGODB_VOLUMES = { "data-volume": "10Gi", "logs-volume": "2Gi" } as const;

const VALUES_FILE = path.join(__dirname, "clickstack.yaml");
/** `size: small`'s values, merged over VALUES_FILE. */
const SMALL_VALUES_FILE = path.join(__dirname, "clickstack-small.yaml");
const SOURCES_FILE = path.join(__dirname, "hyperdx-sources.yaml");
/** The keys of the connections Secret HyperDX reads (`hyperdx.deployment.existingConfigSecret`). */
export const CONNECTIONS_KEY = "connections.json";
export const SOURCES_KEY = "sources.json";

/** Where HyperDX and the gateway collector store telemetry. */
export type ClickHouseTarget =
    | {
        readonly kind: "self-hosted";
        /** Size of each ClickHouse data volume, e.g. "100Gi". */
        readonly dataSize: string;
    }
    | {
        readonly kind: "managed";
        /** ClickHouse Cloud https:// endpoint. */
        readonly url: string;
        readonly user: string;
        readonly password: pulumi.Input<string>;
    };

/** An Ingress with TLS: the HyperDX UI (`ingress`) or the gateway's OTLP/HTTP port (`otlpIngress`). */
export interface TlsIngress {
    readonly host: string;
    readonly className?: string;
    readonly tlsSecretName: string;
    /** cert-manager ClusterIssuer that issues the TLS certificate; without it the Secret must exist. */
    readonly clusterIssuer?: string;
}

export interface ClickStackValuesInput {
    readonly releaseName: string;
    readonly namespace: string;
    readonly clickhouse:
        | {
            readonly kind: "self-hosted"; readonly dataSize: string; readonly collectorPassword: string; readonly appPassword: string;
            /** The retention Job's user (ALTER MODIFY TTL and SELECT only). @default no such user */
            readonly retentionPassword?: string;
        }
        | { readonly kind: "managed"; readonly url: string; readonly user: string; readonly password: string };
    readonly mongodbPassword: string;
    /** HyperDX's express-session secret: without it, HyperDX signs sessions with a string published in its source. */
    readonly sessionSecret: string;
    readonly storageClass?: string;
    readonly ingress?: TlsIngress;
    readonly otlpIngress?: TlsIngress;
    /** A mirror for every image, and pull secrets. @default upstream registries, none */
    readonly images?: ImageSource;
    /** TTL of the tables the gateway creates: the longest retention. @default 720 (HyperDX's own) */
    readonly tablesTtlHours?: number;
    /** Self-hosted ClickHouse CPU and memory from the capacity plan. @default the values file's */
    readonly clickhouseSizing?: { readonly cpu: number; readonly memoryGi: number };
    /** The replicated layout. @default one of everything */
    readonly highAvailability?: HighAvailability;
    /** Which size's values file applies (components/sizing). @default "standard": clickstack.yaml alone */
    readonly size?: Size;
    /** HyperDX ships usage statistics to HyperDX (USAGE_STATS_ENABLED). @default false: clickstack.yaml turns it off */
    readonly usageStats?: boolean;
}

/** The values file for a size: `file` (clickstack.yaml), with clickstack-small.yaml over it for `small`. */
function valuesForSize(size: Size = "standard", file: string = VALUES_FILE): Record<string, unknown> {
    const base = loadValuesObject(file);
    return size === "small" ? mergeValues(base, loadValuesObject(SMALL_VALUES_FILE)) : base;
}

/** The retention Job's ClickHouse user (self-hosted): may change TTLs and read, nothing else. */
export const RETENTION_USER = "retention";

const sha256Hex = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

/**
 * Values for the clickstack chart: components/clickstack/clickstack.yaml with what the program computes
 * merged on top. Every key exists in the chart's values.yaml at 3.0.2. No
 * credential lands in a ConfigMap, a plain env value or a custom resource:
 * - MONGO_URI moves from `hyperdx.config` (ConfigMap) to `hyperdx.secrets` (Secret); `null` removes
 *   the ConfigMap default;
 * - HyperDX reads its ClickHouse connection from a Secret (`useExistingConfigSecret`) instead of the
 *   DEFAULT_CONNECTIONS env value the chart would render with the password inline;
 * - the ClickHouseCluster users carry `password_sha256_hex` instead of the clear-text password.
 */
export function buildClickStackValues(input: ClickStackValuesInput, file: string = VALUES_FILE): Record<string, unknown> {
    const names = clickstackNames(input.releaseName, input.namespace);
    const ch = input.clickhouse;
    const config: Record<string, unknown> = {
        MONGO_URI: null,
        // The gateway reads clickstack-config (otel-collector.extraEnvsFrom); the migrate step applies it
        // to the tables it creates. Hours: the contrib exporter parses it as a Go duration too.
        HYPERDX_OTEL_EXPORTER_TABLES_TTL: hoursEnv(input.tablesTtlHours ?? DEFAULT_RETENTION_HOURS),
        ...(input.ingress ? { FRONTEND_URL: `https://${input.ingress.host}` } : {}),
        ...(input.usageStats ? { USAGE_STATS_ENABLED: "true" } : {}),
    };
    const secrets: Record<string, unknown> = {
        // Same URI as the chart's default, now rendered into clickstack-secret (the template is tpl'd there too).
        MONGO_URI: 'mongodb://hyperdx:{{ .Values.hyperdx.secrets.MONGODB_PASSWORD }}@{{ include "clickstack.mongodb.svc" . }}:27017/hyperdx?authSource=hyperdx',
        MONGODB_PASSWORD: input.mongodbPassword,
        // The chart never sets it, and HyperDX then falls back to a default from its source (hyperdx#3089).
        EXPRESS_SESSION_SECRET: input.sessionSecret,
        // Only the chart's DEFAULT_CONNECTIONS and ClickHouse users read it; both are replaced below.
        CLICKHOUSE_APP_PASSWORD: null,
        // The chart's placeholder key ("xxxxxxxx-…"). Only HyperDX's API reads it, to export its own logs
        // and traces to the gateway (packages/api/src/utils/logger.ts, the tracing preload), which
        // refuses that key: the exporters' retries are all it would cause. Unset, they do not start.
        HYPERDX_API_KEY: null,
    };
    const values: Record<string, unknown> = {
        hyperdx: {
            config,
            secrets,
            deployment: {
                useExistingConfigSecret: true,
                existingConfigSecret: names.connectionsSecret,
                existingConfigConnectionsKey: CONNECTIONS_KEY,
                existingConfigSourcesKey: SOURCES_KEY,
            },
            ...(input.ingress ? { ingress: hyperdxIngressValues(input.ingress, names.hyperdxService) } : {}),
        },
        // The subchart's own Ingress: its backend is always the collector's real Service
        // (hyperdx.ingress.additionalIngresses names it wrongly unless the release contains "clickstack",
        // ClickStack-helm-charts#121).
        ...(input.otlpIngress ? { "otel-collector": { ingress: otlpIngressValues(input.otlpIngress) } } : {}),
        ...(input.storageClass ? { mongodb: { spec: { statefulSet: { spec: { volumeClaimTemplates: mongodbVolumes(input.storageClass) } } } } } : {}),
    };

    if (ch.kind === "managed") {
        const cloud = new URL(ch.url);
        config.CLICKHOUSE_ENDPOINT = ch.url;
        config.CLICKHOUSE_SERVER_ENDPOINT = `${cloud.hostname}:${cloud.port || "443"}`;
        config.CLICKHOUSE_USER = ch.user;
        // The chart points it at the in-cluster ClickHouse, which managed mode does not run. Empty, as in
        // the chart's examples/api-only: the collector image then skips its remote-write config
        // (docker/otel-collector/entrypoint.sh, `[ -n "$CLICKHOUSE_PROMETHEUS_METRICS_ENDPOINT" ]`).
        config.CLICKHOUSE_PROMETHEUS_METRICS_ENDPOINT = "";
        secrets.CLICKHOUSE_PASSWORD = ch.password;
        values.clickhouse = { enabled: false };
    } else {
        secrets.CLICKHOUSE_PASSWORD = ch.collectorPassword;
        const volume = (size?: string) => ({
            ...(input.storageClass ? { storageClassName: input.storageClass } : {}),
            ...(size ? { resources: { requests: { storage: size } } } : {}),
        });
        values.clickhouse = {
            enabled: true,
            keeper: { spec: { dataVolumeClaimSpec: volume() } },
            cluster: {
                spec: {
                    dataVolumeClaimSpec: volume(ch.dataSize),
                    ...(input.clickhouseSizing ? { containerTemplate: { resources: plannedResources(input.clickhouseSizing) } } : {}),
                    settings: {
                        extraUsersConfig: {
                            users: {
                                app: { password: null, password_sha256_hex: sha256Hex(ch.appPassword) },
                                otelcollector: { password: null, password_sha256_hex: sha256Hex(ch.collectorPassword) },
                                // Grants as the chart declares its own users' (a GRANT query per user).
                                ...(ch.retentionPassword ? {
                                    [RETENTION_USER]: {
                                        password_sha256_hex: sha256Hex(ch.retentionPassword),
                                        profile: "default",
                                        grants: [{ query: "GRANT ALTER MODIFY TTL, SELECT ON default.*" }],
                                    },
                                } : {}),
                            },
                        },
                    },
                },
            },
        };
    }
    const replicated = input.highAvailability
        ? highAvailabilityValues(input.highAvailability, clickstackPods(input.releaseName), ch.kind === "self-hosted", names.mongodbDisruptionBudget)
        : {};
    // The file's ClickHouse and Keeper sizing is for the bundled ClickHouse, which managed mode turns off.
    const { clickhouse: clickhouseSizing, ...fromFile } = valuesForSize(input.size, file);
    return [values, replicated, clickstackImageValues(ch.kind === "self-hosted", input.images ?? UPSTREAM_IMAGES)]
        .reduce(mergeValues, ch.kind === "managed" ? fromFile : { ...fromFile, clickhouse: clickhouseSizing });
}

/** The capacity plan's ClickHouse sizing: request = limit for CPU and memory (Guaranteed QoS), all four stated. */
function plannedResources(sizing: { readonly cpu: number; readonly memoryGi: number }): ContainerResources {
    const figures = { cpu: String(sizing.cpu), memory: `${sizing.memoryGi}Gi` };
    return { requests: figures, limits: figures };
}

/**
 * The `containerTemplate.resources` the ClickHouseCluster and KeeperCluster get (self-hosted): the
 * size's values file's, with the capacity plan's over ClickHouse's.
 */
export function selfHostedResources(sizing?: ClickStackValuesInput["clickhouseSizing"], size: Size = "standard", file: string = VALUES_FILE): { clickhouse: ContainerResources; keeper: ContainerResources } {
    const fromFile = (valuesForSize(size, file).clickhouse ?? {}) as {
        cluster?: { spec?: { containerTemplate?: { resources?: ContainerResources } } };
        keeper?: { spec?: { containerTemplate?: { resources?: ContainerResources } } };
    };
    return {
        clickhouse: sizing ? plannedResources(sizing) : fromFile.cluster?.spec?.containerTemplate?.resources ?? {},
        keeper: fromFile.keeper?.spec?.containerTemplate?.resources ?? {},
    };
}

/**
 * Every problem with the resources the ClickHouse operator gets (components/clickstack/operator-resources.ts):
 * none when each figure is stated and the pods it builds are valid.
 */
export function selfHostedResourceProblems(sizing?: ClickStackValuesInput["clickhouseSizing"], size: Size = "standard", file: string = VALUES_FILE): string[] {
    const resources = selfHostedResources(sizing, size, file);
    const root = path.join(__dirname, "..", "..");
    // The file a figure comes from: the small file where it states the block, else the base file.
    const sourceOf = (block: "cluster" | "keeper") => {
        const small = size === "small" ? (loadValuesObject(SMALL_VALUES_FILE).clickhouse as Record<string, { spec?: { containerTemplate?: { resources?: unknown } } }> | undefined)?.[block] : undefined;
        return path.relative(root, small?.spec?.containerTemplate?.resources !== undefined ? SMALL_VALUES_FILE : file);
    };
    return [
        ...operatorResourceProblems(sizing ? "the plan's ClickHouse resources" : `${sourceOf("cluster")} clickhouse.cluster.spec.containerTemplate.resources`, "clickhouse", resources.clickhouse),
        ...operatorResourceProblems(`${sourceOf("keeper")} clickhouse.keeper.spec.containerTemplate.resources`, "keeper", resources.keeper),
    ];
}

function hyperdxIngressValues(ingress: TlsIngress, service: string) {
    return {
        enabled: true,
        annotations: ingress.clusterIssuer ? { "cert-manager.io/cluster-issuer": ingress.clusterIssuer } : {},
        spec: {
            ...(ingress.className ? { ingressClassName: ingress.className } : {}),
            tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }],
            rules: [{
                host: ingress.host,
                http: {
                    paths: [{
                        path: "/",
                        pathType: "Prefix",
                        backend: { service: { name: service, port: { number: HYPERDX_APP_PORT } } },
                    }],
                },
            }],
        },
    };
}

/** The opentelemetry-collector chart's `ingress` values: OTLP/HTTP (4318) for one host, with TLS. */
function otlpIngressValues(ingress: TlsIngress) {
    return {
        enabled: true,
        ...(ingress.clusterIssuer ? { annotations: { "cert-manager.io/cluster-issuer": ingress.clusterIssuer } } : {}),
        ...(ingress.className ? { ingressClassName: ingress.className } : {}),
        hosts: [{ host: ingress.host, paths: [{ path: "/", pathType: "Prefix", port: COLLECTOR_OTLP_HTTP_PORT }] }],
        tls: [{ secretName: ingress.tlsSecretName, hosts: [ingress.host] }],
    };
}

function mongodbVolumes(storageClass: string) {
    // The MongoDB operator merges these by name into its StatefulSet (docs/UPGRADE.md of the chart).
    return Object.entries(MONGODB_VOLUMES).map(([name, size]) => ({
        metadata: { name },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName: storageClass, resources: { requests: { storage: size } } },
    }));
}

/** The ClickHouse connection HyperDX starts with, as DEFAULT_CONNECTIONS JSON. */
export function buildHyperdxConnections(target: ClickStackValuesInput["clickhouse"], names: { clickhouseHeadlessService: string }): string {
    const connection = target.kind === "managed"
        ? { name: connectionName(target.kind), host: target.url, port: Number(new URL(target.url).port || 443), username: target.user, password: target.password }
        : {
            name: connectionName(target.kind),
            host: `http://${names.clickhouseHeadlessService}:${CLICKHOUSE_HTTP_PORT}`,
            port: CLICKHOUSE_HTTP_PORT,
            username: "app",
            password: target.appPassword,
        };
    return JSON.stringify([connection], null, 2);
}

/** HyperDX's default sources (components/clickstack/hyperdx-sources.yaml) bound to our connection, as JSON. */
export function buildHyperdxSources(kind: ClickHouseTarget["kind"], file: string = SOURCES_FILE): string {
    const sources = loadValuesFile(file);
    if (!Array.isArray(sources)) {
        throw new Error(`Values file ${file} must hold a YAML list of HyperDX sources`);
    }
    return JSON.stringify(sources.map((s: Record<string, unknown>) => ({ ...s, connection: connectionName(kind) })), null, 2);
}

const connectionName = (kind: ClickHouseTarget["kind"]) => (kind === "managed" ? "ClickHouse Cloud" : "Local ClickHouse");
