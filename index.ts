// clickstack-k8s: config → provider → ClickStack → ingestion wiring → collectors → demo → outputs.
import * as kubernetes from "@pulumi/kubernetes";
import { loadConfig } from "./config";
import { ClickStack } from "./components/clickstack";
import { KubernetesCollectors } from "./components/collectors";
import { Ingestion } from "./components/ingestion";
import { OtelDemo } from "./components/otel-demo";

const config = loadConfig();

// The cluster of the current kube context (or the `kubernetes:context` / `kubernetes:kubeconfig` config).
const provider = new kubernetes.Provider("cluster", {});

const keepData = { protect: config.protectData, retainOnDelete: config.protectData };
const namespace = new kubernetes.core.v1.Namespace("namespace", {
    metadata: { name: config.namespace },
}, { provider, ...keepData });

const clickstack = new ClickStack("clickstack", {
    namespace: namespace.metadata.name,
    releaseName: config.releaseName,
    clickhouse: config.managedClickHouse
        ? { kind: "managed", ...config.managedClickHouse }
        : { kind: "self-hosted", dataSize: config.clickhouseDataSize },
    storageClass: config.storageClass,
    ingress: config.ingress,
    protectData: config.protectData,
    chartVersions: config.chartVersions,
}, { provider });

const ingestion = new Ingestion("ingestion", {
    namespace: namespace.metadata.name,
    collectorEndpoint: clickstack.collectorOtlpHttpEndpoint,
    apiKey: config.ingestionApiKey,
    portForwardCommand: clickstack.portForwardCommand,
    uiUrl: clickstack.uiUrl,
}, { provider, dependsOn: [clickstack] });

if (config.collectors.enabled) {
    new KubernetesCollectors("collectors", {
        namespace: namespace.metadata.name,
        ingestion,
        imageTag: config.collectors.imageTag,
        chartVersion: config.chartVersions.otelCollector,
    }, { provider, dependsOn: [clickstack, ingestion] });
}

const demo = config.demo.enabled
    ? new OtelDemo("otel-demo", {
        namespace: namespace.metadata.name,
        collectorHost: clickstack.collectorHost,
        ingestion,
        source: config.demo.source,
    }, { provider, dependsOn: [clickstack, ingestion] })
    : undefined;

export const namespaceName = namespace.metadata.name;
export const mode = config.mode;
export const collectorEndpoint = clickstack.collectorOtlpHttpEndpoint;
export const hyperdxService = clickstack.hyperdxServiceName;
export const hyperdxPortForward = clickstack.portForwardCommand;
export const hyperdxUrl = clickstack.uiUrl;
export const kubernetesDashboardUrl = clickstack.uiUrl.apply((url) => `${url}/kubernetes`);
export const nextSteps = ingestion.nextSteps;
export const demoPortForward = demo?.portForwardCommand;
