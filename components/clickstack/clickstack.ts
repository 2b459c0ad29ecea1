// ClickStack: the operators chart (CRDs for the MongoDB and ClickHouse operators), then the
// clickstack chart (HyperDX, MongoDB, the gateway collector and, self-hosted, ClickHouse).
import * as crypto from "crypto";
import * as path from "path";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ChartSource, chartLocation, UPSTREAM } from "../common/chart-source";
import { clickstackImageValues, HYPERDX_IMAGE, ImageSource, operatorsImageValues, UPSTREAM_IMAGES } from "./clickstack-images";
import { DEFAULT_RETENTION_HOURS, hoursEnv } from "../retention/capacity";
import { HighAvailability } from "../high-availability/config";
import { highAvailabilityValues } from "../high-availability/layout";
import { mirrorImage } from "../common/images";
import { ContainerResources, operatorResourceProblems } from "./operator-resources";
import { retentionJobLabels } from "../retention/retention";
import { loadValuesFile, loadValuesObject, mergeValues } from "../common/values-file";

const CLICKSTACK_REPO = "https://clickhouse.github.io/ClickStack-helm-charts";

/** Pinned chart versions; the stack config key `chartVersions` may override them. */
export const OPERATORS_CHART = { repo: CLICKSTACK_REPO, chart: "clickstack-operators", version: "1.1.0" } as const;
export const CLICKSTACK_CHART = { repo: CLICKSTACK_REPO, chart: "clickstack", version: "3.0.2" } as const;

export { HYPERDX_IMAGE } from "./clickstack-images";

/** Ports of the chart's Services (charts/clickstack/values.yaml and its otel-collector subchart). */
export const HYPERDX_APP_PORT = 3000;
export const COLLECTOR_OTLP_HTTP_PORT = 4318;
const CLICKHOUSE_HTTP_PORT = 8123;
/** The MongoDB operator's volume claim names and the sizes we give them when a storage class is set. */
const MONGODB_VOLUMES = { "data-volume": "10Gi", "logs-volume": "2Gi" } as const;

const VALUES_FILE = path.join(__dirname, "clickstack.yaml");
const OPERATORS_VALUES_FILE = path.join(__dirname, "clickstack-operators.yaml");
const SOURCES_FILE = path.join(__dirname, "hyperdx-sources.yaml");
const CONNECTIONS_KEY = "connections.json";
const SOURCES_KEY = "sources.json";

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

export interface ClickStackArgs {
    /** Namespace for both releases and everything they create. */
    readonly namespace: pulumi.Input<string>;
    /** Helm release name of the clickstack chart; the collector Service is `<releaseName>-otel-collector`. @default "my-clickstack" */
    readonly releaseName?: string;
    /** Self-hosted ClickHouse in the cluster, or ClickHouse Cloud. */
    readonly clickhouse: ClickHouseTarget;
    /** StorageClass for ClickHouse, Keeper and MongoDB volumes. @default the cluster's default class */
    readonly storageClass?: string;
    /** Expose the HyperDX UI through an Ingress with TLS (self-hosted only). @default none: port-forward */
    readonly ingress?: TlsIngress;
    /** Expose the gateway's OTLP/HTTP port through an Ingress with TLS, for agents elsewhere. @default none */
    readonly otlpIngress?: TlsIngress;
    /** Protect both charts and keep them in the cluster on delete: the stateful releases of production. @default false */
    readonly protectData?: boolean;
    /** Chart versions. @default OPERATORS_CHART.version and CLICKSTACK_CHART.version */
    readonly chartVersions?: { readonly clickstackOperators?: string; readonly clickstack?: string };
    /** Where each chart comes from. @default their upstream repository */
    readonly chartSources?: { readonly clickstackOperators?: ChartSource; readonly clickstack?: ChartSource };
    /** A mirror for every image (the charts', the operators' and their pods'), and pull secrets. @default upstream, none */
    readonly images?: ImageSource;
    /** TTL of the tables the gateway creates, in hours: the longest retention. @default 720 */
    readonly tablesTtlHours?: number;
    /** Self-hosted ClickHouse CPU and memory (from the capacity plan). @default components/clickstack/clickstack.yaml */
    readonly clickhouseSizing?: { readonly cpu: number; readonly memoryGi: number };
    /** The replicated layout (components/high-availability). @default one of everything */
    readonly highAvailability?: HighAvailability;
}

/** Names the clickstack chart gives its objects (charts/clickstack/templates/_helpers.tpl). */
export function clickstackNames(releaseName: string, namespace: string) {
    const trunc = (s: string) => s.slice(0, 63).replace(/-+$/, "");
    // clickstack.fullname: the release name alone when it already contains the chart name.
    const fullname = trunc(releaseName.includes(CLICKSTACK_CHART.chart) ? releaseName : `${releaseName}-${CLICKSTACK_CHART.chart}`);
    const collectorService = trunc(`${releaseName}-otel-collector`);
    return {
        fullname,
        operatorsRelease: `${releaseName}-operators`,
        hyperdxService: `${fullname}-app`,
        collectorService,
        collectorHost: `${collectorService}.${namespace}`,
        collectorOtlpHttpEndpoint: `http://${collectorService}.${namespace}:${COLLECTOR_OTLP_HTTP_PORT}`,
        clickhouseHeadlessService: `${fullname}-clickhouse-clickhouse-headless`,
        connectionsSecret: `${fullname}-hyperdx-connections`,
        /** The replica set's PodDisruptionBudget (high availability; the MongoDB operator writes none). */
        mongodbDisruptionBudget: `${fullname}-mongodb`,
    };
}

/** Label selector: every label must match. */
export type PodLabels = Readonly<Record<string, string>>;

/** The pods of each ClickStack workload, as NetworkPolicy selectors. */
export interface ClickStackPods {
    /** The HyperDX app Deployment's pods only. */
    readonly hyperdx: PodLabels;
    /** Every HyperDX pod: the app and the chart's check-alerts tasks, which read MongoDB and ClickHouse too. */
    readonly hyperdxAll: PodLabels;
    /** The gateway collector (the otel-collector subchart). */
    readonly gateway: PodLabels;
    readonly clickhouse: PodLabels;
    readonly keeper: PodLabels;
    readonly mongodb: PodLabels;
    readonly clickhouseOperator: PodLabels;
    readonly mongodbOperator: PodLabels;
    /** This program's retention Job (components/retention/retention.ts), a client of ClickHouse's HTTP port. */
    readonly retentionJob: PodLabels;
}

/**
 * The labels the charts and operators put on each workload's pods at the pinned versions; each
 * selector matches that workload's pods and nothing else in the namespace. Where each comes from:
 * - HyperDX: clickstack 3.0.2 templates/hyperdx/deployment.yaml (`clickstack.selectorLabels` + `app:
 *   <fullname>`); the check-alerts CronJob has the selector labels without `app`;
 * - gateway: the opentelemetry-collector subchart under the alias `otel-collector` (its name is the
 *   alias), `component: standalone-collector` in deployment mode;
 * - ClickHouse and Keeper: ClickHouse/clickhouse-operator internal/controller/{clickhouse,keeper}/templates.go:
 *   `clickhouse.com/role` and `app.kubernetes.io/instance: <CR name>-clickhouse|-keeper` (SpecificName),
 *   the CR names being `<fullname>-clickhouse` and `<fullname>-keeper` (clickstack _helpers.tpl);
 * - MongoDB: mongodb/mongodb-kubernetes 1.7.0 mongodb-community-operator/controllers/construct/
 *   mongodbstatefulset.go: `app: <CR name>-svc`, the CR being `<fullname>-mongodb`;
 * - the operators: mongodb-kubernetes 1.7.0 templates/operator.yaml and clickhouse-operator-helm
 *   templates/manager/manager.yaml, released as `<release>-operators`.
 */
export function clickstackPods(releaseName: string): ClickStackPods {
    const names = clickstackNames(releaseName, "");
    const hyperdxAll = { "app.kubernetes.io/name": CLICKSTACK_CHART.chart, "app.kubernetes.io/instance": releaseName };
    return {
        hyperdx: { ...hyperdxAll, app: names.fullname },
        hyperdxAll,
        gateway: { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/instance": releaseName, component: "standalone-collector" },
        clickhouse: { "clickhouse.com/role": "clickhouse-server", "app.kubernetes.io/instance": `${names.fullname}-clickhouse-clickhouse` },
        keeper: { "clickhouse.com/role": "clickhouse-keeper", "app.kubernetes.io/instance": `${names.fullname}-keeper-keeper` },
        mongodb: { app: `${names.fullname}-mongodb-svc` },
        clickhouseOperator: { "app.kubernetes.io/name": "clickhouse-operator", "app.kubernetes.io/instance": names.operatorsRelease, "control-plane": "controller-manager" },
        mongodbOperator: { "app.kubernetes.io/name": "mongodb-kubernetes-operator", "app.kubernetes.io/component": "controller" },
        retentionJob: retentionJobLabels(releaseName),
    };
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
    };
    const secrets: Record<string, unknown> = {
        // Same URI as the chart's default, now rendered into clickstack-secret (the template is tpl'd there too).
        MONGO_URI: 'mongodb://hyperdx:{{ .Values.hyperdx.secrets.MONGODB_PASSWORD }}@{{ include "clickstack.mongodb.svc" . }}:27017/hyperdx?authSource=hyperdx',
        MONGODB_PASSWORD: input.mongodbPassword,
        // The chart never sets it, and HyperDX then falls back to a default from its source (hyperdx#3089).
        EXPRESS_SESSION_SECRET: input.sessionSecret,
        // Only the chart's DEFAULT_CONNECTIONS and ClickHouse users read it; both are replaced below.
        CLICKHOUSE_APP_PASSWORD: null,
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
    const { clickhouse: clickhouseSizing, ...fromFile } = loadValuesObject(file);
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
 * values file's, with the capacity plan's over ClickHouse's.
 */
export function selfHostedResources(sizing?: ClickStackValuesInput["clickhouseSizing"], file: string = VALUES_FILE): { clickhouse: ContainerResources; keeper: ContainerResources } {
    const fromFile = (loadValuesObject(file).clickhouse ?? {}) as {
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
export function selfHostedResourceProblems(sizing?: ClickStackValuesInput["clickhouseSizing"], file: string = VALUES_FILE): string[] {
    const resources = selfHostedResources(sizing, file);
    const source = path.relative(path.join(__dirname, "..", ".."), file);
    return [
        ...operatorResourceProblems(sizing ? "the plan's ClickHouse resources" : `${source} clickhouse.cluster.spec.containerTemplate.resources`, "clickhouse", resources.clickhouse),
        ...operatorResourceProblems(`${source} clickhouse.keeper.spec.containerTemplate.resources`, "keeper", resources.keeper),
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

/** The custom resources the ClickHouse operator builds its StatefulSets from. */
const OPERATOR_CUSTOM_RESOURCES = new Set(["kubernetes:clickhouse.com/v1alpha1:ClickHouseCluster", "kubernetes:clickhouse.com/v1alpha1:KeeperCluster"]);

/**
 * Deletes the ClickHouseCluster and KeeperCluster in the background. The Kubernetes provider deletes
 * in the foreground by default (pulumi-kubernetes pkg/metadata/overrides.go DeletionPropagation): the
 * custom resource then waits for its StatefulSets, Services and PodDisruptionBudgets to go, while the
 * operator, which does not look at a deletion in progress, builds them again; `pulumi destroy` waited
 * until its delete timeout (found by running the real operator in the e2e). In the background the
 * custom resource goes at once, the operator stops, and the garbage collector removes what it owned.
 */
export const deleteOperatorResourcesInBackground: pulumi.ResourceTransform = (args) => {
    if (!OPERATOR_CUSTOM_RESOURCES.has(args.type)) return undefined;
    const props = args.props as { metadata?: { annotations?: Record<string, string> } };
    return {
        props: {
            ...args.props,
            metadata: { ...props.metadata, annotations: { ...props.metadata?.annotations, "pulumi.com/deletionPropagationPolicy": "background" } },
        },
        opts: args.opts,
    };
};

export class ClickStack extends pulumi.ComponentResource {
    /** The operators release (CRDs and the MongoDB and ClickHouse operators). */
    public readonly operators: kubernetes.helm.v4.Chart;
    /** The clickstack release. */
    public readonly chart: kubernetes.helm.v4.Chart;
    public readonly releaseName: string;
    public readonly namespace: pulumi.Output<string>;
    /** The gateway collector's Service name, `<release>-otel-collector`. */
    public readonly collectorServiceName: pulumi.Output<string>;
    /** Host the in-cluster senders use for the gateway collector, `<service>.<namespace>`. */
    public readonly collectorHost: pulumi.Output<string>;
    /** OTLP/HTTP endpoint of the gateway collector, `http://<service>.<namespace>:4318`. */
    public readonly collectorOtlpHttpEndpoint: pulumi.Output<string>;
    public readonly hyperdxServiceName: pulumi.Output<string>;
    /** HyperDX inside the cluster, `http://<app service>.<namespace>:3000` (the app proxies /api to the API). */
    public readonly hyperdxInternalUrl: pulumi.Output<string>;
    /** The HyperDX image the chart runs. */
    public readonly hyperdxImage: string;
    /** The labels on each workload's pods, for NetworkPolicies. */
    public readonly pods: ClickStackPods;
    /** Whether ClickHouse and Keeper run in the cluster. */
    public readonly selfHosted: boolean;
    /** Command that opens the HyperDX UI on http://localhost:3000. */
    public readonly portForwardCommand: pulumi.Output<string>;
    /** The ClickHouse HTTP endpoint and the user the retention Job connects as (password a secret). */
    public readonly retentionClickHouse: { readonly url: pulumi.Input<string>; readonly user: string; readonly password: pulumi.Output<string> };
    /** Where users open HyperDX: the Ingress URL, or localhost through the port-forward. */
    public readonly uiUrl: pulumi.Output<string>;
    /** With `otlpIngress`: the OTLP/HTTP endpoint for agents elsewhere, `https://<host>`. */
    public readonly otlpEndpoint?: pulumi.Output<string>;

    constructor(name: string, args: ClickStackArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.clickhouse.kind === "managed" && args.ingress) {
            throw new Error("ClickStack: an ingress is not allowed with managed ClickHouse (the in-cluster HyperDX must not be exposed)");
        }
        // Before any resource: a ClickHouse or Keeper pod the operator would build and the API server refuse.
        const resourceProblems = args.clickhouse.kind === "self-hosted" ? selfHostedResourceProblems(args.clickhouseSizing) : [];
        if (resourceProblems.length > 0) {
            throw new Error(`ClickStack: the ClickHouse operator would build pods the API server refuses:\n  - ${resourceProblems.join("\n  - ")}`);
        }
        super("clickstack:clickstack:ClickStack", name, {}, opts);
        this.releaseName = args.releaseName ?? "my-clickstack";
        this.namespace = pulumi.output(args.namespace);
        const names = this.namespace.apply((ns) => clickstackNames(this.releaseName, ns));
        const keep: pulumi.CustomResourceOptions = { protect: args.protectData ?? false, retainOnDelete: args.protectData ?? false };

        // Passwords the chart would otherwise default to "hyperdx" / "otelcollectorpass".
        const password = (purpose: string) => new random.RandomPassword(`${name}-${purpose}`, {
            length: 32,
            special: false, // they end up inside a MongoDB URI and ClickHouse XML: keep them URI- and XML-safe
        }, { parent: this }).result;
        const mongodbPassword = password("mongodb-password");
        // 64 characters, stable in the state: sessions survive every `pulumi up`.
        const sessionSecret = new random.RandomPassword(`${name}-session-secret`, { length: 64, special: false }, { parent: this }).result;
        const target = args.clickhouse;
        const clickhouse: pulumi.Output<ClickStackValuesInput["clickhouse"]> = target.kind === "managed"
            ? pulumi.output(target.password).apply((cloudPassword) => ({ ...target, password: cloudPassword }))
            : pulumi.all([password("clickhouse-otelcollector-password"), password("clickhouse-app-password"), password("clickhouse-retention-password")])
                .apply(([collectorPassword, appPassword, retentionPassword]) => ({ kind: "self-hosted" as const, dataSize: target.dataSize, collectorPassword, appPassword, retentionPassword }));
        // Who may change TTLs: self-hosted, the dedicated user; managed, the configured Cloud user.
        this.retentionClickHouse = target.kind === "managed"
            ? { url: target.url, user: target.user, password: pulumi.secret(target.password) }
            : {
                url: names.apply((n) => `http://${n.clickhouseHeadlessService}:${CLICKHOUSE_HTTP_PORT}`),
                user: RETENTION_USER,
                password: pulumi.secret(clickhouse.apply((c) => (c.kind === "self-hosted" ? c.retentionPassword! : ""))),
            };

        const connections = new kubernetes.core.v1.Secret(`${name}-hyperdx-connections`, {
            metadata: { name: names.connectionsSecret, namespace: this.namespace },
            type: "Opaque",
            stringData: pulumi.secret(pulumi.all([clickhouse, names]).apply(([target, n]) => ({
                [CONNECTIONS_KEY]: buildHyperdxConnections(target, n),
                [SOURCES_KEY]: buildHyperdxSources(target.kind),
            }))),
        }, { parent: this });

        this.operators = new kubernetes.helm.v4.Chart(`${name}-operators`, {
            ...chartLocation(args.chartSources?.clickstackOperators ?? UPSTREAM, OPERATORS_CHART, args.chartVersions?.clickstackOperators ?? OPERATORS_CHART.version),
            name: clickstackNames(this.releaseName, "").operatorsRelease,
            namespace: this.namespace,
            values: mergeValues(loadValuesObject(OPERATORS_VALUES_FILE), operatorsImageValues(args.images ?? UPSTREAM_IMAGES)),
        }, { parent: this, ...keep });

        this.chart = new kubernetes.helm.v4.Chart(name, {
            ...chartLocation(args.chartSources?.clickstack ?? UPSTREAM, CLICKSTACK_CHART, args.chartVersions?.clickstack ?? CLICKSTACK_CHART.version),
            name: this.releaseName,
            namespace: this.namespace,
            values: pulumi.secret(pulumi.all([clickhouse, mongodbPassword, sessionSecret, this.namespace]).apply(([target, mongo, session, ns]) => buildClickStackValues({
                releaseName: this.releaseName,
                namespace: ns,
                clickhouse: target,
                mongodbPassword: mongo,
                sessionSecret: session,
                storageClass: args.storageClass,
                ingress: args.ingress,
                otlpIngress: args.otlpIngress,
                images: args.images,
                tablesTtlHours: args.tablesTtlHours,
                clickhouseSizing: args.clickhouseSizing,
                highAvailability: args.highAvailability,
            }))),
        }, { parent: this, dependsOn: [this.operators, connections], transforms: [deleteOperatorResourcesInBackground], ...keep });

        this.collectorServiceName = names.collectorService;
        this.collectorHost = names.collectorHost;
        this.collectorOtlpHttpEndpoint = names.collectorOtlpHttpEndpoint;
        this.hyperdxServiceName = names.hyperdxService;
        this.pods = clickstackPods(this.releaseName);
        this.selfHosted = args.clickhouse.kind === "self-hosted";
        this.hyperdxImage = mirrorImage(HYPERDX_IMAGE, args.images?.registry);
        this.hyperdxInternalUrl = pulumi.interpolate`http://${names.hyperdxService}.${this.namespace}:${HYPERDX_APP_PORT}`;
        this.portForwardCommand = pulumi.interpolate`kubectl port-forward --namespace ${this.namespace} service/${names.hyperdxService} ${HYPERDX_APP_PORT}:${HYPERDX_APP_PORT}`;
        this.uiUrl = pulumi.output(args.ingress ? `https://${args.ingress.host}` : `http://localhost:${HYPERDX_APP_PORT}`);
        this.otlpEndpoint = args.otlpIngress ? pulumi.output(`https://${args.otlpIngress.host}`) : undefined;

        this.registerOutputs({
            collectorOtlpHttpEndpoint: this.collectorOtlpHttpEndpoint,
            hyperdxServiceName: this.hyperdxServiceName,
            portForwardCommand: this.portForwardCommand,
            uiUrl: this.uiUrl,
        });
    }
}
