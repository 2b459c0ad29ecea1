// clickstack-k8s: config → provider → ClickStack (central stacks) → retention → ingestion wiring → bootstrap →
// dashboards and alerts → collectors → demo → the scheduling check → outputs. An agent stack skips ClickStack and sends to a gateway elsewhere.
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { HyperdxBootstrap } from "./components/bootstrap/bootstrap";
import { HyperdxContent } from "./components/content/content";
import { definedAlerts, renderContent } from "./components/content/packs";
import { ClickStack } from "./components/clickstack/clickstack";
import { longest } from "./components/retention/capacity";
import { clickstackImages } from "./components/clickstack/clickstack-images";
import { collectorImages, KubernetesCollectors } from "./components/collectors/collectors";
import { ApiKeySource, Ingestion } from "./components/collectors/ingestion";
import { NetworkPolicies } from "./components/clickstack/network-policies";
import { ClickHouseRetention } from "./components/retention/retention";
import { demoImages, loadDemoManifest, OtelDemo } from "./components/demo/otel-demo";
import { stackRequests } from "./components/sizing/requests";
import { SchedulingCheck } from "./components/sizing/scheduling-check";
import { SIZES } from "./components/sizing/sizes";

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

    // The central stack runs ClickStack; an agent stack has config.gatewayEndpoint instead.
    const clickstack = config.mode === "agent" ? undefined : new ClickStack("clickstack", {
        namespace: namespace.metadata.name,
        releaseName: config.releaseName,
        clickhouse: config.managedClickHouse
            ? { kind: "managed", ...config.managedClickHouse }
            : { kind: "self-hosted", dataSize: config.clickhouseDataSize },
        storageClass: config.storageClass,
        ingress: config.ingress,
        otlpIngress: config.otlpIngress,
        protectData: config.protectData,
        chartVersions: config.chartVersions,
        chartSources: config.chartSources,
        images: config.images,
        // No table is created shorter than asked; the retention Job shortens the others.
        tablesTtlHours: longest(config.retention),
        clickhouseSizing: config.capacityPlan && { cpu: config.capacityPlan.cpu.value, memoryGi: config.capacityPlan.memoryGi.value },
        highAvailability: config.highAvailability,
        size: config.size,
        usageStats: config.usageStats,
    }, { provider });

    // Existing tables follow `retention` (a TTL in the env only reaches tables created later).
    if (clickstack) {
        new ClickHouseRetention("retention", {
            namespace: namespace.metadata.name,
            releaseName: config.releaseName,
            retention: config.retention,
            clickhouse: clickstack.retentionClickHouse,
            image: clickstack.hyperdxImage,
            clickstack: clickstack.chart,
            imagePullSecrets: config.images.pullSecrets,
        }, { provider });
    }

    // Only their clients reach OpAMP (which hands out the ingestion keys), ClickHouse, Keeper and MongoDB.
    if (clickstack && config.networkPolicies) {
        new NetworkPolicies("network-policies", {
            namespace: namespace.metadata.name,
            releaseName: config.releaseName,
            pods: clickstack.pods,
            selfHosted: clickstack.selfHosted,
        }, { provider });
    }

    // The ConfigMap only names the gateway: it does not wait for ClickStack. (An agent stack always
    // has a key from config: config/ requires it; so "none" only happens with ClickStack here.)
    const apiKeySource: ApiKeySource = config.ingestionApiKey !== undefined ? { from: "config", value: config.ingestionApiKey }
        : clickstack && config.bootstrap.enabled ? { from: "bootstrap" }
            : { from: "none", portForwardCommand: clickstack!.portForwardCommand, uiUrl: clickstack!.uiUrl };
    const ingestion = new Ingestion("ingestion", {
        namespace: namespace.metadata.name,
        collectorEndpoint: clickstack?.collectorOtlpHttpEndpoint ?? config.gatewayEndpoint!,
        apiKey: apiKeySource,
    }, { provider });

    // Registers the admin once ClickStack is ready and writes the ingestion key into the Secret.
    const bootstrap = clickstack && apiKeySource.from === "bootstrap" ? new HyperdxBootstrap("bootstrap", {
        namespace: namespace.metadata.name,
        releaseName: config.releaseName,
        hyperdxUrl: clickstack.hyperdxInternalUrl,
        image: clickstack.hyperdxImage,
        clickstack: clickstack.chart,
        ingestion,
        adminEmail: config.bootstrap.adminEmail,
        rotation: config.bootstrap.rotation,
        imagePullSecrets: config.images.pullSecrets,
    }, { provider }) : undefined;

    // Dashboards, saved searches, alerts and their channels, applied by the bootstrap's admin.
    const content = bootstrap && config.content && new HyperdxContent("content", {
        namespace: namespace.metadata.name,
        releaseName: config.releaseName,
        hyperdxUrl: clickstack!.hyperdxInternalUrl,
        image: clickstack!.hyperdxImage,
        admin: { secret: bootstrap.adminSecret, job: bootstrap.job },
        document: renderContent(config.content.choice),
        webhookUrls: config.content.webhookUrls,
        imagePullSecrets: config.images.pullSecrets,
    }, { provider });

    // The key's readers start once the key is there: after the Job, or with the Secret from config.
    const apiKey = bootstrap?.apiKey ?? ingestion;

    const collectors = config.collectors.enabled ? new KubernetesCollectors("collectors", {
        namespace: namespace.metadata.name,
        ingestion: apiKey,
        imageTag: config.collectors.imageTag,
        chartVersion: config.chartVersions.otelCollector,
        chartSource: config.chartSources.otelCollector,
        clusterName: config.clusterName,
        images: config.images,
        // The workloads' own door: OTLP without a key, and their Prometheus metrics.
        workloads: config.collectors.workloads,
        networkPolicy: config.networkPolicies,
        size: config.size,
    }, { provider }) : undefined;

    // The demo sends like any workload, without the key, when the endpoint is there; else to the
    // gateway with the key (an agent's only to a cluster-local one: config refuses anything else).
    const demo = demoManifest && new OtelDemo("otel-demo", {
        namespace: namespace.metadata.name,
        sendTo: collectors?.workloadEndpoint
            ? { kind: "workload-endpoint", host: collectors.workloadEndpoint.host }
            : { kind: "gateway", host: clickstack?.collectorHost ?? new URL(config.gatewayEndpoint!).hostname, ingestion: apiKey },
        manifest: demoManifest,
        images: config.images,
        requestsScale: SIZES[config.size].demoRequestsScale,
    }, { provider });

    // What the scheduler must find room for, per workload and on one node; a Job that watches the pods
    // from the start fails `up` within minutes, with the scheduler's reason, when one does not fit.
    const requests = stackRequests(clickstack?.requests ?? {}, collectors?.requests ?? {}, demo?.requests ?? {});
    if (clickstack) {
        new SchedulingCheck("scheduling-check", {
            namespace: namespace.metadata.name,
            releaseName: config.releaseName,
            image: clickstack.hyperdxImage,
            requests,
            size: config.size,
            imagePullSecrets: config.images.pullSecrets,
        }, { provider });
    }

    // What this stack pulls, and from where: with `imageRegistry`, the list to copy into the mirror.
    const images = [
        ...(clickstack ? clickstackImages(clickstack.selfHosted, config.images) : []),
        ...(config.collectors.enabled ? collectorImages(config.collectors.imageTag, config.images) : []),
        ...(demoManifest ? demoImages(demoManifest, config.images) : []),
    ];

    // Only outputs that have a value: the CLI warns about every undefined one.
    return {
        namespace: namespace.metadata.name,
        images,
        ...(clickstack ? { retentionDays: Object.fromEntries(Object.entries(config.retention).map(([signal, hours]) => [signal, hours / 24])) } : {}),
        ...(config.capacityPlan ? { capacityPlan: config.capacityPlan } : {}),
        requests: { size: config.size, madeFor: SIZES[config.size].node, ...requests },
        mode: config.mode,
        clusterName: config.clusterName,
        collectorEndpoint: ingestion.collectorEndpoint,
        ...(collectors?.workloadEndpoint ? { workloadOtlpEndpoint: collectors.workloadEndpoint.http } : {}),
        ...(clickstack ? {
            hyperdxService: clickstack.hyperdxServiceName,
            hyperdxPortForward: clickstack.portForwardCommand,
            hyperdxUrl: clickstack.uiUrl,
            kubernetesDashboardUrl: clickstack.uiUrl.apply((url) => `${url}/kubernetes`),
        } : {}),
        ...(clickstack?.otlpEndpoint ? { otlpEndpoint: clickstack.otlpEndpoint } : {}),
        ...(bootstrap ? {
            hyperdxAdminEmail: bootstrap.adminEmail,
            hyperdxAdminPassword: bootstrap.adminPassword,
            // Prints the key from the cluster (Pulumi never holds it); for senders outside this stack.
            ingestionApiKeyCommand: pulumi.interpolate`kubectl${config.cluster.context ? ` --context ${config.cluster.context}` : ""} get secret ${ingestion.secretName} --namespace ${namespace.metadata.name} -o jsonpath='{.data.${ingestion.secretKey}}' | base64 -d`,
        } : {}),
        ...(content ? {
            hyperdxContent: {
                packs: config.content!.choice.packs,
                dashboards: content.dashboards,
                alerts: content.alerts,
                channel: config.content!.choice.channel ?? `none: the ${definedAlerts(config.content!.choice)} alerts of the packs need a channel (alerting.webhooks)`,
            },
        } : {}),
        ...(ingestion.nextSteps ? { nextSteps: ingestion.nextSteps } : {}),
        ...(demo ? { demoPortForward: demo.portForwardCommand } : {}),
    };
};
