// The default Kubernetes pack: one dashboard of pods and nodes per cluster, and the alerts a platform
// team wants first. Every metric is one the collectors send (kubeletstats on the DaemonSet with the
// *_limit_utilization metrics enabled in values/k8s-daemonset.yaml; k8s_cluster on the Deployment
// with node conditions and allocatable in values/k8s-deployment.yaml); test/content/content-packs.spec.ts checks
// each name against the receivers' metadata. Events are log rows of the k8sobjects receiver: the
// watched event in the attribute `object` (JSON), its type (Normal, Warning) read as HyperDX's own
// Kubernetes page reads it (packages/app/src/KubernetesDashboardPage.tsx, eventAttributeExpressions).
import { ContentPack, SelectItem, Tile } from "./types";

const CLUSTER = "ResourceAttributes['k8s.cluster.name']";
const POD = "ResourceAttributes['k8s.pod.name']";
const NODE = "ResourceAttributes['k8s.node.name']";
/**
 * Warning events in the Logs source, in SQL: the page's lucene `-Severity:"Normal"` only works there
 * because `Severity` is an alias of its own table's select, which a saved search or tile does not have.
 */
export const WARNING_EVENTS = "LogAttributes['k8s.resource.name'] = 'events' AND JSONExtractString(LogAttributes['object'], 'type') = 'Warning'";

const gauge = (aggFn: SelectItem["aggFn"], metricName: string, extra: Partial<SelectItem> = {}): SelectItem =>
    ({ aggFn, valueExpression: "Value", metricType: "gauge", metricName, ...extra });

const line = (name: string, x: number, y: number, select: SelectItem[], groupBy?: string): Tile =>
    ({ name, x, y, w: 12, h: 8, config: { displayType: "line", source: "Metrics", select, ...(groupBy ? { groupBy } : {}) } });

/** Tile names the alerts point at. */
const TILES = {
    restarts: "Container restarts (per bucket)",
    podPhase: "Pod phase (1 Pending, 2 Running, 3 Succeeded, 4 Failed, 5 Unknown)",
    nodeReady: "Node ready (1 ready, 0 not)",
    reporting: (cluster: string) => `Nodes reporting ready: ${cluster}`,
};

/**
 * The pack for the clusters that send to this HyperDX: `clusters` are the `k8s.cluster.name` values
 * (this stack's clusterName, plus the agents'), one "no data" tile and alert each.
 */
export function kubernetesPack(clusters: readonly string[]): ContentPack {
    const reportingRow = 32;
    return {
        savedSearches: [{
            key: "k8s-warnings",
            name: "Kubernetes warning events",
            source: "Logs",
            where: WARNING_EVENTS,
            whereLanguage: "sql",
        }],
        dashboards: [{
            key: "kubernetes",
            name: "Kubernetes: pods, nodes and events",
            filters: [{ name: "Cluster", expression: CLUSTER, source: "Metrics", sourceMetricType: "gauge" }],
            tiles: [
                line("Pod CPU against its limit", 0, 0, [gauge("max", "k8s.pod.cpu_limit_utilization", { alias: "CPU / limit" })], POD),
                line("Pod memory against its limit", 12, 0, [gauge("max", "k8s.pod.memory_limit_utilization", { alias: "memory / limit" })], POD),
                line("Node CPU against allocatable (cores)", 0, 8, [
                    gauge("avg", "k8s.node.cpu.usage", { alias: "used" }),
                    gauge("avg", "k8s.node.allocatable_cpu", { alias: "allocatable" }),
                ], NODE),
                line("Node memory against allocatable (bytes)", 12, 8, [
                    gauge("avg", "k8s.node.memory.working_set", { alias: "working set" }),
                    gauge("avg", "k8s.node.allocatable_memory", { alias: "allocatable" }),
                ], NODE),
                // The restart count only grows: the change per bucket is what climbs.
                line(TILES.restarts, 0, 16, [gauge("max", "k8s.container.restarts", { periodAggFn: "delta", alias: "restarts" })], POD),
                line(TILES.podPhase, 12, 16, [gauge("max", "k8s.pod.phase", { alias: "phase" })], POD),
                line(TILES.nodeReady, 0, 24, [gauge("min", "k8s.node.condition_ready", { alias: "ready" })], NODE),
                {
                    name: "Warning events", x: 12, y: 24, w: 12, h: 8,
                    config: { displayType: "stacked_bar", source: "Logs", select: [{ aggFn: "count", where: WARNING_EVENTS, whereLanguage: "sql", alias: "warning events" }], groupBy: "ResourceAttributes['k8s.namespace.name']" },
                },
                // One per cluster: an empty bucket counts as 0, so a silent cluster falls below 1.
                ...clusters.map((cluster, i): Tile => ({
                    name: TILES.reporting(cluster), x: (i % 4) * 6, y: reportingRow + Math.floor(i / 4) * 4, w: 6, h: 4,
                    config: { displayType: "number", source: "Metrics", select: [gauge("max", "k8s.node.condition_ready", { where: `ResourceAttributes.k8s.cluster.name:"${cluster}"` })] },
                })),
            ],
        }],
        alerts: [
            {
                key: "k8s-restarts",
                name: "Container restarts climbing",
                message: "A container restarted 3 or more times in 15 minutes. Open the Kubernetes dashboard's restarts tile for the pod, then its logs (search its k8s.pod.name) and `kubectl describe pod` for the last state: OOMKilled means raise the memory limit, Error means read the previous logs (`kubectl logs --previous`).",
                on: { dashboard: "kubernetes", tile: TILES.restarts },
                interval: "15m", threshold: 3, thresholdType: "above",
            },
            {
                key: "k8s-pods-not-running",
                name: "Pods not running",
                message: "A pod has been Pending, Failed or Unknown for 10 minutes (or no pod phase arrived at all: see \"No data from cluster\"). Pending: `kubectl describe pod` (unschedulable: CPU/memory requests or node selectors; image pull errors: the registry and imagePullSecrets). Failed/Unknown: its node (see the node-ready tile) and its logs.",
                on: { dashboard: "kubernetes", tile: TILES.podPhase },
                interval: "5m", threshold: 2, thresholdMax: 3, thresholdType: "not_between", numConsecutiveWindows: 2,
            },
            {
                key: "k8s-node-not-ready",
                name: "Node not ready",
                message: "A node has reported Ready=false for 10 minutes. `kubectl describe node` shows the condition's reason (kubelet stopped posting status, memory/disk/PID pressure, network unavailable); its pods are being evicted.",
                on: { dashboard: "kubernetes", tile: TILES.nodeReady },
                interval: "5m", threshold: 1, thresholdType: "below", numConsecutiveWindows: 2,
            },
            {
                key: "k8s-warning-events",
                name: "Warning events bursting",
                message: "More than 50 Kubernetes warning events in 5 minutes. Open the saved search \"Kubernetes warning events\" and group by reason: FailedScheduling, BackOff, FailedMount and Unhealthy point at scheduling, crashing containers, volumes and probes.",
                on: { savedSearch: "k8s-warnings" },
                interval: "5m", threshold: 50, thresholdType: "above_exclusive",
            },
            ...clusters.map((cluster) => ({
                key: `k8s-no-data-${cluster}`,
                name: `No data from cluster ${cluster}`,
                message: `No node of cluster ${cluster} has reported ready for 10 minutes: either the cluster is down or its telemetry stopped. Check the k8s-otel-deployment collector there (\`kubectl get pods -l app.kubernetes.io/instance=k8s-otel-deployment\`, its logs), its ingestion key (hyperdx-secret) and the path to the gateway; the pipeline dashboard shows its export failures.`,
                on: { dashboard: "kubernetes", tile: TILES.reporting(cluster) },
                interval: "5m" as const, threshold: 1, thresholdType: "below" as const, numConsecutiveWindows: 2,
            })),
        ],
    };
}
