// The replicated layout as values for the clickstack chart (3.0.2) and the custom resources it
// renders. Pure; components/clickstack/values.ts merges it over the values file. Where each key
// comes from:
// - HyperDX: `hyperdx.deployment.replicas`, `.topologySpreadConstraints`, `hyperdx.podDisruptionBudget`
//   (minAvailable) and `hyperdx.tasks` (a CronJob running check-alerts every minute, concurrencyPolicy
//   Forbid). HyperDX's app pod checks alerts itself every minute unless RUN_SCHEDULED_TASKS_EXTERNALLY
//   is "true" (packages/api/src/tasks/index.ts: a `cron` CronJob in each app process), so two replicas
//   would check, and notify, twice; with the variable set the task runs once and exits, and the
//   chart's CronJob runs it once a minute whatever the replica count.
// - The gateway (opentelemetry-collector subchart): `replicaCount`, `autoscaling` (an autoscaling/v2
//   HorizontalPodAutoscaler on CPU; the Deployment then has no replicas field), `podDisruptionBudget`,
//   `topologySpreadConstraints`, `rollout.rollingUpdate`.
// - ClickHouse and Keeper (ClickHouse operator, api/v1alpha1/common.go): `replicas`, and
//   `podTemplate.topologyZoneKey` / `nodeHostnameKey`, from which the operator writes its own required
//   anti-affinity and zone spread (internal/controller/{clickhouse,keeper}/templates.go). It writes the
//   PodDisruptionBudgets too: minAvailable 1 per shard, and Keeper maxUnavailable replicas/2.
// - MongoDB (MongoDBCommunity): `members`, and the StatefulSet override the operator merges into its
//   own. The operator writes no PodDisruptionBudget, so the chart's `additionalManifests` carries one
//   that keeps a majority (a replica set without one has no primary).
// Rolling updates: the gateway's is stated (maxUnavailable 0). The HyperDX Deployment template has
// no strategy, so Kubernetes' default applies: maxUnavailable 25% rounded down, which is 0 for two or
// three replicas and never all of them.
import { HighAvailability } from "./config";

/** The node label every node has (kubelet sets it). */
export const HOSTNAME_KEY = "kubernetes.io/hostname";

type Labels = Readonly<Record<string, string>>;

/** The pods each replicated workload's rules select (ClickStack.pods). */
export interface ReplicatedPods {
    readonly hyperdx: Labels;
    readonly gateway: Labels;
    readonly mongodb: Labels;
}

/**
 * Spread across zones (when a zone key is set) and nodes, at most one pod apart. DoNotSchedule, as
 * the ClickHouse operator's own: a second replica in the same zone is not the protection asked for.
 * Nodes without the zone label then take none of these pods; clusters without zones set zoneKey "".
 */
export function spreadConstraints(labels: Labels, zoneKey: string | undefined) {
    return [zoneKey, HOSTNAME_KEY].filter((key): key is string => key !== undefined).map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { ...labels } },
    }));
}

/** Members that must stay up for a replica set (or Raft quorum) of `n` to keep a majority. */
export const majority = (n: number) => Math.floor(n / 2) + 1;

/** The operator's spread keys for ClickHouse and Keeper pods. */
const operatorSpread = (zoneKey: string | undefined) => ({ ...(zoneKey ? { topologyZoneKey: zoneKey } : {}), nodeHostnameKey: HOSTNAME_KEY });

/** The MongoDB replica set's PodDisruptionBudget: evictions stop before the majority goes. */
export function mongodbDisruptionBudget(name: string, labels: Labels, members: number) {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name, namespace: "{{ .Release.Namespace }}" },
        spec: { minAvailable: majority(members), selector: { matchLabels: { ...labels } } },
    };
}

/** The gateway autoscaler's CPU target: the chart's default, stated. */
export const GATEWAY_CPU_TARGET_PERCENT = 80;

/**
 * Values for the clickstack chart. A PodDisruptionBudget only where there is more than one pod: with
 * one, any budget that keeps it blocks every drain.
 */
export function highAvailabilityValues(ha: HighAvailability, pods: ReplicatedPods, selfHosted: boolean, mongodbBudgetName: string): Record<string, unknown> {
    const spread = (labels: Labels) => spreadConstraints(labels, ha.zoneKey);
    return {
        hyperdx: {
            config: { RUN_SCHEDULED_TASKS_EXTERNALLY: "true" },
            deployment: { replicas: ha.hyperdxReplicas, topologySpreadConstraints: spread(pods.hyperdx) },
            podDisruptionBudget: { enabled: ha.hyperdxReplicas > 1, minAvailable: 1 },
            tasks: { enabled: true },
        },
        "otel-collector": {
            replicaCount: ha.gatewayReplicas,
            autoscaling: {
                enabled: true,
                minReplicas: ha.gatewayReplicas,
                maxReplicas: ha.gatewayMaxReplicas,
                targetCPUUtilizationPercentage: GATEWAY_CPU_TARGET_PERCENT,
            },
            podDisruptionBudget: { enabled: ha.gatewayReplicas > 1, minAvailable: 1 },
            topologySpreadConstraints: spread(pods.gateway),
            rollout: { rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        },
        mongodb: {
            spec: {
                members: ha.mongodbMembers,
                statefulSet: { spec: { template: { spec: { topologySpreadConstraints: spread(pods.mongodb) } } } },
            },
        },
        ...(ha.mongodbMembers > 1 ? { additionalManifests: [mongodbDisruptionBudget(mongodbBudgetName, pods.mongodb, ha.mongodbMembers)] } : {}),
        ...(selfHosted ? {
            clickhouse: {
                cluster: { spec: { replicas: ha.clickhouseReplicas, podTemplate: operatorSpread(ha.zoneKey) } },
                keeper: { spec: { replicas: ha.keeperReplicas, podTemplate: operatorSpread(ha.zoneKey) } },
            },
        } : {}),
    };
}
