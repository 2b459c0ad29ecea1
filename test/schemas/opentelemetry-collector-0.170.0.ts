// The parts of the opentelemetry-collector chart's values.schema.json (chart 0.170.0,
// charts/opentelemetry-collector/values.schema.json in open-telemetry/opentelemetry-helm-charts)
// that cover the keys this project sets, written down by reading it. Like the upstream schema, the
// top level and the typed sub-objects refuse unknown keys. Validated with ajv in the tests; the
// chart itself validates the merged values with the full schema at render time.
const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ({ type: "object", additionalProperties: false, properties, ...extra });
const flags = (...names: string[]) => object(Object.fromEntries(names.map((n) => [n, n === "maxRecombineLogSize" ? { type: "integer" } : { type: "boolean" }])));

export const collectorValuesSchema = object({
    enabled: { type: "boolean" }, global: { type: "object" }, nameOverride: { type: "string" }, fullnameOverride: { type: "string" },
    mode: { type: "string", enum: ["daemonset", "deployment", "statefulset", ""] },
    apiVersion: { type: "string" }, namespaceOverride: { type: "string" }, rewriteDeprecatedComponentNames: { type: "boolean" },
    presets: object({
        logsCollection: flags("enabled", "includeCollectorLogs", "storeCheckpoints", "maxRecombineLogSize"),
        hostMetrics: flags("enabled"),
        kubeletMetrics: flags("enabled"),
        kubernetesAttributes: flags("enabled", "extractAllPodLabels", "extractAllPodAnnotations"),
        kubernetesEvents: flags("enabled", "useK8sEventsReceiver"),
        kubernetesObjects: { type: "object" },
        clusterMetrics: flags("enabled", "disableLeaderElection"),
        annotationDiscovery: { type: "object" }, resourceDetection: { type: "object" }, profiling: { type: "object" },
    }),
    configMap: { type: "object" }, alternateConfig: { type: "object" }, config: { type: "object" },
    image: object({
        registry: { type: "string" }, repository: { type: "string" }, tag: { type: "string" }, digest: { type: "string" },
        pullPolicy: { type: "string", enum: ["IfNotPresent", "Always", "Never"] },
    }),
    imagePullSecrets: { type: "array" }, command: { type: "object" }, serviceAccount: { type: "object" },
    clusterRole: object({
        create: { type: "boolean" }, annotations: { type: "object" }, name: { type: "string" },
        rules: { type: "array", items: { type: "object" } }, clusterRoleBinding: { type: "object" },
    }, { required: ["create"] }),
    podSecurityContext: { type: "object" }, securityContext: { type: "object" }, nodeSelector: { type: "object" },
    tolerations: { type: "array" }, affinity: { type: "object" }, topologySpreadConstraints: { type: "array" },
    priorityClassName: { type: "string" }, runtimeClassName: { type: "string" },
    extraContainers: { type: "array" }, initContainers: { type: "array" },
    extraEnvs: { type: "array", items: { type: "object" } }, extraEnvsFrom: { type: "array" },
    extraVolumes: { type: "array" }, extraVolumeMounts: { type: "array" }, extraManifests: { type: "array" },
    ports: { type: "object" }, resizePolicy: { type: "array" },
    resources: object({
        limits: object({ cpu: { type: ["string", "integer"] }, "ephemeral-storage": { type: "string" }, memory: { type: "string" } }),
        requests: object({ cpu: { type: ["string", "integer"] }, "ephemeral-storage": { type: "string" }, memory: { type: "string" } }),
    }),
    lifecycleHooks: { type: "object" }, livenessProbe: { type: "object" }, readinessProbe: { type: "object" }, startupProbe: { type: "object" },
    enableConfigChecksumAnnotation: { type: "boolean" },
    podAnnotations: { type: "object" }, podLabels: { type: "object" }, additionalLabels: { type: "object" },
    hostNetwork: { type: "boolean" }, hostPID: { type: "boolean" }, hostAliases: { type: "array" },
    dnsPolicy: { type: "string" }, dnsConfig: { type: "object" }, schedulerName: { type: "string" },
    replicaCount: { type: "integer" }, revisionHistoryLimit: { type: "integer" }, annotations: { type: "object" },
    service: { type: "object" }, ingress: { type: "object" }, httproute: { type: "object" },
    podMonitor: { type: "object" }, serviceMonitor: { type: "object" }, podDisruptionBudget: { type: "object" },
    autoscaling: { type: "object" }, rollout: { type: "object" }, prometheusRule: { type: "object" }, statefulset: { type: "object" },
    networkPolicy: { type: "object" }, internalTelemetryViaOTLP: { type: "object" },
    useGOMEMLIMIT: { type: "boolean" }, shareProcessNamespace: { type: "boolean" }, terminationGracePeriodSeconds: { type: "integer" },
}, { required: ["mode"] }); // upstream also requires apiVersion, which the chart's values.yaml defaults

/**
 * The chart's defaults (values.yaml at 0.170.0) for what this project turns off: the receiver
 * ports (each with a hostPort, published in daemonset mode), the Service, the listening receivers
 * and the pipelines that use them. Written down by reading the chart; merged under the project's
 * values in the tests the way Helm coalesces values.
 */
export const chartDefaults = {
    ports: {
        "otlp": { enabled: true, containerPort: 4317, servicePort: 4317, hostPort: 4317, protocol: "TCP", appProtocol: "grpc" },
        "otlp-http": { enabled: true, containerPort: 4318, servicePort: 4318, hostPort: 4318, protocol: "TCP" },
        "jaeger-compact": { enabled: true, containerPort: 6831, servicePort: 6831, hostPort: 6831, protocol: "UDP" },
        "jaeger-thrift": { enabled: true, containerPort: 14268, servicePort: 14268, hostPort: 14268, protocol: "TCP" },
        "jaeger-grpc": { enabled: true, containerPort: 14250, servicePort: 14250, hostPort: 14250, protocol: "TCP" },
        "zipkin": { enabled: true, containerPort: 9411, servicePort: 9411, hostPort: 9411, protocol: "TCP" },
        "metrics": { enabled: false, containerPort: 8888, servicePort: 8888, protocol: "TCP" },
    },
    service: { enabled: true, type: "ClusterIP" },
    config: {
        receivers: {
            jaeger: { protocols: { grpc: { endpoint: "${env:MY_POD_IP}:14250" }, thrift_http: { endpoint: "${env:MY_POD_IP}:14268" }, thrift_compact: { endpoint: "${env:MY_POD_IP}:6831" } } },
            otlp: { protocols: { grpc: { endpoint: "${env:MY_POD_IP}:4317" }, http: { endpoint: "${env:MY_POD_IP}:4318" } } },
            prometheus: { config: { scrape_configs: [{ job_name: "opentelemetry-collector", scrape_interval: "10s", static_configs: [{ targets: ["${env:MY_POD_IP}:8888"] }] }] } },
            zipkin: { endpoint: "${env:MY_POD_IP}:9411" },
        },
        service: {
            pipelines: {
                logs: { exporters: ["debug"], processors: ["memory_limiter", "batch"], receivers: ["otlp"] },
                metrics: { exporters: ["debug"], processors: ["memory_limiter", "batch"], receivers: ["otlp", "prometheus"] },
                traces: { exporters: ["debug"], processors: ["memory_limiter", "batch"], receivers: ["otlp", "jaeger", "zipkin"] },
            },
        },
    },
};

/**
 * Helm's coalescing of user values over chart defaults: maps merge key by key, lists and scalars
 * replace, and a `null` deletes the default (helm.sh/helm pkg/chart/common/util/coalesce.go).
 */
export function helmCoalesce(defaults: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
    const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
    const merged: Record<string, unknown> = { ...defaults };
    for (const [key, value] of Object.entries(values)) {
        if (value === null) delete merged[key];
        else merged[key] = isMap(value) && isMap(merged[key]) ? helmCoalesce(merged[key] as Record<string, unknown>, value) : value;
    }
    return merged;
}
