// ClickStack: the operators chart (CRDs for the MongoDB and ClickHouse operators), then the
// clickstack chart (HyperDX, MongoDB, the gateway collector and, self-hosted, ClickHouse). Its values
// are values.ts's; its objects' names and pods names.ts's.
import * as path from "path";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ChartSource, chartLocation, UPSTREAM } from "../common/chart-source";
import { HYPERDX_IMAGE, ImageSource, operatorsImageValues, UPSTREAM_IMAGES } from "./clickstack-images";
import { HighAvailability } from "../high-availability/config";
import { WorkloadRequests } from "../sizing/requests";
import { Size } from "../sizing/sizes";
import { clickstackRequests } from "./requests";
import { mirrorImage } from "../common/images";
import { loadValuesObject, mergeValues } from "../common/values-file";
import { CLICKHOUSE_HTTP_PORT, ClickStackPods, clickstackNames, clickstackPods, CLICKSTACK_CHART, HYPERDX_APP_PORT, OPERATORS_CHART } from "./names";
import {
    buildClickStackValues, buildHyperdxConnections, buildHyperdxSources, ClickHouseTarget, ClickStackValuesInput, CONNECTIONS_KEY,
    RETENTION_USER, selfHostedResourceProblems, SOURCES_KEY, TlsIngress,
} from "./values";

const OPERATORS_VALUES_FILE = path.join(__dirname, "clickstack-operators.yaml");

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
    /** What each workload asks the scheduler for (components/sizing). @default "standard" */
    readonly size?: Size;
    /** Send usage data to the vendors: HyperDX's usage statistics and the MongoDB operator's telemetry. @default false */
    readonly usageStats?: boolean;
}

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
    /** What its workloads ask the scheduler for, the operators' pods included. */
    public readonly requests: Readonly<Record<string, WorkloadRequests>>;

    constructor(name: string, args: ClickStackArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.clickhouse.kind === "managed" && args.ingress) {
            throw new Error("ClickStack: an ingress is not allowed with managed ClickHouse (the in-cluster HyperDX must not be exposed)");
        }
        // Before any resource: a ClickHouse or Keeper pod the operator would build and the API server refuse.
        const resourceProblems = args.clickhouse.kind === "self-hosted" ? selfHostedResourceProblems(args.clickhouseSizing, args.size) : [];
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

        const operatorsValues = mergeValues(mergeValues(loadValuesObject(OPERATORS_VALUES_FILE), operatorsImageValues(args.images ?? UPSTREAM_IMAGES)),
            args.usageStats ? { "mongodb-operator": { operator: { telemetry: { enabled: true } } } } : {});
        // The clickstack chart's values for these credentials: the chart gets the generated ones, the
        // requests output placeholders (no credential sizes anything).
        const valuesFor = (target: ClickStackValuesInput["clickhouse"], mongodbPassword: string, sessionSecret: string, namespace: string) => buildClickStackValues({
            releaseName: this.releaseName,
            namespace,
            clickhouse: target,
            mongodbPassword,
            sessionSecret,
            storageClass: args.storageClass,
            ingress: args.ingress,
            otlpIngress: args.otlpIngress,
            images: args.images,
            tablesTtlHours: args.tablesTtlHours,
            clickhouseSizing: args.clickhouseSizing,
            highAvailability: args.highAvailability,
            size: args.size,
            usageStats: args.usageStats,
        });

        this.operators = new kubernetes.helm.v4.Chart(`${name}-operators`, {
            ...chartLocation(args.chartSources?.clickstackOperators ?? UPSTREAM, OPERATORS_CHART, args.chartVersions?.clickstackOperators ?? OPERATORS_CHART.version),
            name: clickstackNames(this.releaseName, "").operatorsRelease,
            namespace: this.namespace,
            values: operatorsValues,
        }, { parent: this, ...keep });

        this.chart = new kubernetes.helm.v4.Chart(name, {
            ...chartLocation(args.chartSources?.clickstack ?? UPSTREAM, CLICKSTACK_CHART, args.chartVersions?.clickstack ?? CLICKSTACK_CHART.version),
            name: this.releaseName,
            namespace: this.namespace,
            values: pulumi.secret(pulumi.all([clickhouse, mongodbPassword, sessionSecret, this.namespace]).apply(([target, mongo, session, ns]) => valuesFor(target, mongo, session, ns))),
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
        const withoutCredentials: ClickStackValuesInput["clickhouse"] = target.kind === "managed"
            ? { ...target, password: "" }
            : { kind: "self-hosted", dataSize: target.dataSize, collectorPassword: "", appPassword: "" };
        this.requests = clickstackRequests(valuesFor(withoutCredentials, "", "", ""), operatorsValues);

        this.registerOutputs({
            collectorOtlpHttpEndpoint: this.collectorOtlpHttpEndpoint,
            hyperdxServiceName: this.hyperdxServiceName,
            portForwardCommand: this.portForwardCommand,
            uiUrl: this.uiUrl,
        });
    }
}
