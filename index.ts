// clickstack-k8s: config → provider → ClickStack → ingestion wiring → collectors → demo → outputs.
import * as kubernetes from "@pulumi/kubernetes";
import { loadConfig } from "./config";
import { ClickStack } from "./components/clickstack";
import { KubernetesCollectors } from "./components/collectors";
import { Ingestion } from "./components/ingestion";
import { loadDemoManifest, OtelDemo } from "./components/otel-demo";

export = async () => {
    // Everything that can be wrong with the input fails here, before any resource is registered.
    const config = loadConfig();
    const demoManifest = config.demo.enabled ? await loadDemoManifest(config.demo.source) : undefined;

    // `kubernetes:context` / `kubernetes:kubeconfig` when set, else the current kube context.
    const provider = new kubernetes.Provider("cluster", { context: config.cluster.context, kubeconfig: config.cluster.kubeconfig });

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

    const demo = demoManifest && new OtelDemo("otel-demo", {
        namespace: namespace.metadata.name,
        collectorHost: clickstack.collectorHost,
        ingestion,
        manifest: demoManifest,
    }, { provider, dependsOn: [clickstack, ingestion] });

    return {
        namespace: namespace.metadata.name,
        mode: config.mode,
        collectorEndpoint: clickstack.collectorOtlpHttpEndpoint,
        hyperdxService: clickstack.hyperdxServiceName,
        hyperdxPortForward: clickstack.portForwardCommand,
        hyperdxUrl: clickstack.uiUrl,
        kubernetesDashboardUrl: clickstack.uiUrl.apply((url) => `${url}/kubernetes`),
        // Only outputs that have a value: the CLI warns about every undefined one.
        ...(ingestion.nextSteps ? { nextSteps: ingestion.nextSteps } : {}),
        ...(demo ? { demoPortForward: demo.portForwardCommand } : {}),
    };
};
