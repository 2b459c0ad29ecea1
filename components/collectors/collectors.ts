// The two Kubernetes collectors of the guide: a one-replica Deployment for cluster-wide data and a
// DaemonSet for node, pod and container data. Both export OTLP/HTTP to the ClickStack gateway.
import * as path from "path";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, chartLocation, UPSTREAM } from "../common/chart-source";
import { ImageSource } from "../clickstack/clickstack-images";
import { MirroredImage, mirrored, mirrorRepository, pullSecretRefs } from "../common/images";
import { API_KEY_CHECKSUM_ANNOTATION, IngestionRefs } from "./ingestion";
import { loadValuesObject, mergeValues } from "../common/values-file";
import { OTLP_PORTS, workloadEndpointPolicy, WorkloadTelemetry, workloadTelemetryValues } from "./workload-telemetry";
import { Resources, workloadRequests, WorkloadRequests } from "../sizing/requests";
import { Size } from "../sizing/sizes";

/**
 * Pinned chart, and the collector image that matches it: the chart's appVersion. The chart rewrites
 * k8sattributes → k8s_attributes and filelog → file_log (rewriteDeprecatedComponentNames), names
 * that collector-contrib knows from MIN_COLLECTOR_IMAGE on.
 */
export const COLLECTOR_CHART = {
    repo: "https://open-telemetry.github.io/opentelemetry-helm-charts",
    chart: "opentelemetry-collector",
    version: "0.170.0",
    imageRepository: "otel/opentelemetry-collector-contrib",
    imageTag: "0.158.0",
} as const;
export const MIN_COLLECTOR_IMAGE = "0.149.0";

export type CollectorKind = "deployment" | "daemonset";

/** Helm release names, as in the guide. */
export const COLLECTOR_RELEASES: Record<CollectorKind, string> = {
    deployment: "k8s-otel-deployment",
    daemonset: "k8s-otel-daemonset",
};

/**
 * The workloads' endpoint as the chart names it for the DaemonSet release: its Service (the chart's
 * fullname helper: `<release>-<chart>`), the labels of its pods (selectorLabels, and the component the
 * chart gives a DaemonSet), its ports, and the NetworkPolicy the component adds.
 */
export const WORKLOAD_ENDPOINT = {
    service: `${COLLECTOR_RELEASES.daemonset}-${COLLECTOR_CHART.chart}`,
    pods: { "app.kubernetes.io/name": COLLECTOR_CHART.chart, "app.kubernetes.io/instance": COLLECTOR_RELEASES.daemonset, component: "agent-collector" },
    grpcPort: OTLP_PORTS.grpc,
    httpPort: OTLP_PORTS.http,
    networkPolicy: `${COLLECTOR_RELEASES.daemonset}-otlp`,
} as const;

/** What both collectors share; each one's own file is merged on top. */
const COMMON_VALUES_FILE = path.join(__dirname, "k8s-common.yaml");
const VALUES_FILES: Record<CollectorKind, string> = {
    deployment: path.join(__dirname, "k8s-deployment.yaml"),
    daemonset: path.join(__dirname, "k8s-daemonset.yaml"),
};
/** `size: small`'s values, merged over both. */
const SMALL_VALUES_FILE = path.join(__dirname, "k8s-small.yaml");

/** A collector's values from the files: k8s-common.yaml, its own file, and the size's. */
function valuesFromFiles(kind: CollectorKind, size: Size = "standard", file: string = VALUES_FILES[kind], commonFile: string = COMMON_VALUES_FILE): Record<string, unknown> {
    const ownFile = mergeValues(loadValuesObject(commonFile), loadValuesObject(file));
    return size === "small" ? mergeValues(ownFile, loadValuesObject(SMALL_VALUES_FILE)) : ownFile;
}

/** What the two collectors ask the scheduler for: the Deployment's replicas, the DaemonSet's pod on each node. */
export function collectorRequests(size: Size = "standard"): Record<string, WorkloadRequests> {
    const of = (kind: CollectorKind) => valuesFromFiles(kind, size) as { resources?: Resources; replicaCount?: number };
    const deployment = of("deployment");
    return {
        [`${COLLECTOR_RELEASES.deployment} collector`]: workloadRequests(deployment.replicaCount ?? 1, { containers: [{ resources: deployment.resources }] }),
        [`${COLLECTOR_RELEASES.daemonset} collector`]: workloadRequests(1, { containers: [{ resources: of("daemonset").resources }] }, [], true),
    };
}

/** The exporter's sending queue length both collectors use (k8s-common.yaml): the pipeline pack alerts near it. */
export function sendingQueueSize(commonFile: string = COMMON_VALUES_FILE): number {
    const exporters = (loadValuesObject(commonFile).config as { exporters?: { otlphttp?: { sending_queue?: { queue_size?: unknown } } } } | undefined)?.exporters;
    const size = exporters?.otlphttp?.sending_queue?.queue_size;
    if (typeof size !== "number") throw new Error(`${commonFile} must set config.exporters.otlphttp.sending_queue.queue_size to a number`);
    return size;
}

/** What the program computes for a collector; everything else comes from its values file. */
export interface CollectorComputedValues {
    readonly imageTag: string;
    readonly secretName: string;
    readonly secretKey: string;
    readonly configMapName: string;
    readonly configMapKey: string;
    readonly apiKeyChecksum: string;
    /** The resource attribute k8s.cluster.name on every record (env K8S_CLUSTER_NAME). */
    readonly clusterName: string;
    /** A mirror for the image, and pull secrets. @default upstream, none */
    readonly images?: ImageSource;
    /** The workloads' OTLP endpoint and pod scraping, which the DaemonSet serves. @default neither */
    readonly workloads?: WorkloadTelemetry;
    /** Which size's values file applies. @default "standard" */
    readonly size?: Size;
}

/** The env var the values files' `resource` processor reads the cluster name from. */
export const CLUSTER_NAME_ENV = "K8S_CLUSTER_NAME";

/**
 * The collector values: k8s-common.yaml with the collector's own file merged on top (both next to
 * this component), plus image, env and annotation.
 */
export function buildCollectorValues(
    kind: CollectorKind, computed: CollectorComputedValues, file: string = VALUES_FILES[kind], commonFile: string = COMMON_VALUES_FILE,
): Record<string, unknown> {
    for (const f of [commonFile, file]) {
        const programOwned = ["image", "imagePullSecrets", "extraEnvs", "podAnnotations"].filter((key) => key in loadValuesObject(f));
        if (programOwned.length > 0) {
            throw new Error(`Values file ${f} sets ${programOwned.join(", ")}, which the program computes; remove them from the file`);
        }
    }
    const ownFile = valuesFromFiles(kind, computed.size, file, commonFile);
    const withWorkloads = kind === "daemonset" && computed.workloads ? mergeValues(ownFile, workloadTelemetryValues(computed.workloads)) : ownFile;
    const fromFile = mergeValues(withWorkloads, {
        // Which collector its own metrics come from: the pipeline dashboard groups by it.
        config: { service: { telemetry: { resource: { "service.name": COLLECTOR_RELEASES[kind] } } } },
    });
    return {
        ...fromFile,
        image: { repository: mirrorRepository(COLLECTOR_CHART.imageRepository, computed.images?.registry), tag: computed.imageTag },
        ...(computed.images?.pullSecrets.length ? { imagePullSecrets: pullSecretRefs(computed.images.pullSecrets) } : {}),
        extraEnvs: [
            // optional: the collectors start before HyperDX has issued a key (first deploy).
            { name: computed.secretKey, valueFrom: { secretKeyRef: { name: computed.secretName, key: computed.secretKey, optional: true } } },
            { name: computed.configMapKey, valueFrom: { configMapKeyRef: { name: computed.configMapName, key: computed.configMapKey } } },
            { name: CLUSTER_NAME_ENV, value: computed.clusterName },
        ],
        // A new key changes the pod template, so the pods restart and read it: no `rollout restart`.
        podAnnotations: { [API_KEY_CHECKSUM_ANNOTATION]: computed.apiKeyChecksum },
    };
}

export interface KubernetesCollectorsArgs {
    readonly namespace: pulumi.Input<string>;
    /** The ingestion Secret and ConfigMap both collectors read; the releases wait for `ingestion.ready`. */
    readonly ingestion: IngestionRefs;
    /** opentelemetry-collector-contrib image tag. @default COLLECTOR_CHART.imageTag */
    readonly imageTag?: string;
    /** opentelemetry-collector chart version. @default COLLECTOR_CHART.version */
    readonly chartVersion?: string;
    /** Where the chart comes from. @default its upstream repository */
    readonly chartSource?: ChartSource;
    /** The value of the resource attribute k8s.cluster.name on every record. */
    readonly clusterName: string;
    /** A mirror for the collector image, and pull secrets. @default upstream, none */
    readonly images?: ImageSource;
    /** The workloads' OTLP endpoint and pod scraping, on the DaemonSet. @default neither */
    readonly workloads?: WorkloadTelemetry;
    /** Whether a NetworkPolicy limits who reaches the workloads' endpoint to its namespaces. @default true */
    readonly networkPolicy?: boolean;
    /** What each collector asks the scheduler for (components/sizing). @default "standard" */
    readonly size?: Size;
}

export class KubernetesCollectors extends pulumi.ComponentResource {
    public readonly deployment: kubernetes.helm.v4.Chart;
    public readonly daemonset: kubernetes.helm.v4.Chart;
    /** The workloads' OTLP endpoint when on: its host (`<service>.<namespace>`; gRPC on 4317) and `http://<host>:4318`. */
    public readonly workloadEndpoint?: { readonly host: pulumi.Output<string>; readonly http: pulumi.Output<string> };
    /** What the two collectors ask the scheduler for. */
    public readonly requests: Readonly<Record<string, WorkloadRequests>>;

    constructor(name: string, args: KubernetesCollectorsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clickstack:collectors:KubernetesCollectors", name, {}, opts);
        const computed = pulumi.all([args.ingestion.secretName, args.ingestion.configMapName, args.ingestion.apiKeyChecksum])
            .apply(([secretName, configMapName, apiKeyChecksum]) => ({
                imageTag: args.imageTag ?? COLLECTOR_CHART.imageTag,
                secretName,
                secretKey: args.ingestion.secretKey,
                configMapName,
                configMapKey: args.ingestion.configMapKey,
                apiKeyChecksum,
                clusterName: args.clusterName,
                images: args.images,
                workloads: args.workloads,
                size: args.size,
            }));
        const collector = (kind: CollectorKind) => new kubernetes.helm.v4.Chart(`${name}-${kind}`, {
            ...chartLocation(args.chartSource ?? UPSTREAM, COLLECTOR_CHART, args.chartVersion ?? COLLECTOR_CHART.version),
            name: COLLECTOR_RELEASES[kind],
            namespace: args.namespace,
            values: computed.apply((c) => buildCollectorValues(kind, c)),
        }, { parent: this, dependsOn: args.ingestion.ready });
        this.deployment = collector("deployment");
        this.daemonset = collector("daemonset");
        const otlp = args.workloads?.otlp;
        if (otlp) {
            const host = pulumi.interpolate`${WORKLOAD_ENDPOINT.service}.${args.namespace}`;
            this.workloadEndpoint = { host, http: pulumi.interpolate`http://${host}:${WORKLOAD_ENDPOINT.httpPort}` };
            if (args.networkPolicy ?? true) {
                new kubernetes.networking.v1.NetworkPolicy(`${name}-workload-otlp`, {
                    metadata: { name: WORKLOAD_ENDPOINT.networkPolicy, namespace: args.namespace },
                    spec: workloadEndpointPolicy(otlp, WORKLOAD_ENDPOINT.pods),
                }, { parent: this });
            }
        }
        this.requests = collectorRequests(args.size);
        this.registerOutputs({ workloadOtlpEndpoint: this.workloadEndpoint?.http });
    }
}

/** The collectors' image and its copy in the mirror. */
export function collectorImages(imageTag: string, images: ImageSource): MirroredImage[] {
    return [mirrored(`${COLLECTOR_CHART.imageRepository}:${imageTag}`, images.registry, "Kubernetes collectors (DaemonSet and Deployment)")];
}
