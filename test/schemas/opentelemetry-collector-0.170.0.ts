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
