// NetworkPolicies for the ports the charts leave open to every pod in the cluster: HyperDX's OpAMP
// (it hands out every team's ingestion key without authentication), the gateway's unauthenticated
// fluent-forward receiver, ClickHouse, Keeper and MongoDB. One policy per workload, each selecting
// only that workload's pods, so nothing else in the namespace (the demo, the collectors) is affected.
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClickStackPods, PodLabels } from "./names";

/**
 * Ports: clickstack 3.0.2 values and templates; ClickHouse and Keeper from the ClickHouse operator
 * (internal/controller/{clickhouse,keeper}/constants.go, where it points ClickHouse at Keeper in
 * clickhouse/config.go and templates/base.yaml.tmpl, and dials them in {clickhouse,keeper}/commands.go).
 */
export const PORTS = {
    hyperdxApp: 3000,
    hyperdxOpamp: 4320,
    otlpGrpc: 4317,
    otlpHttp: 4318,
    /** mongod, for clients and for the replica set's own replication and elections. */
    mongodb: 27017,
    clickhouseHttp: 8123,
    /** Replicas fetch parts from each other here (`interserver_http_port`). */
    clickhouseInterserver: 9009,
    /** The operator's commands, and the replicas of the `default` cluster (`remote_servers`) to each other. */
    clickhouseManagement: 9001,
    /** Keeper's client port: ClickHouse's `zookeeper` nodes, and the operator's commands (2281 only with TLS, which is not set). */
    keeperClient: 2181,
    /** Keeper replicas to each other (Raft). */
    keeperRaft: 9234,
} as const;

type Peer = {
    podSelector?: { matchLabels: PodLabels };
    namespaceSelector?: { matchLabels?: PodLabels; matchExpressions?: { key: string; operator: "In" | "NotIn"; values: string[] }[] };
};
interface IngressRule { ports?: { protocol: "TCP"; port: number }[]; from?: Peer[] }
export interface NetworkPolicySpec {
    podSelector: { matchLabels: PodLabels };
    policyTypes: ["Ingress"];
    ingress: IngressRule[];
}

const pods = (labels: PodLabels): Peer => ({ podSelector: { matchLabels: labels } });
/** Any pod in any namespace: the cluster, not the internet (a NodePort or LoadBalancer would be). */
const anyPodInCluster: Peer = { namespaceSelector: {} };
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP" as const, port }));
const policy = (selected: PodLabels, ...ingress: IngressRule[]): NetworkPolicySpec => ({
    podSelector: { matchLabels: selected },
    policyTypes: ["Ingress"],
    ingress,
});

/**
 * The policies, by name suffix. Pure. Pods a policy selects accept only what its rules allow; pods
 * no policy selects are untouched.
 */
export function buildNetworkPolicies(p: ClickStackPods, selfHosted: boolean): Record<string, NetworkPolicySpec> {
    return {
        // The UI (port-forward, the Ingress controller, the bootstrap Job) from anywhere; OpAMP only
        // from the gateway; the API port 8000 only from inside the pod (the app proxies /api to it).
        hyperdx: policy(p.hyperdx,
            { ports: tcp(PORTS.hyperdxApp) },
            { ports: tcp(PORTS.hyperdxOpamp), from: [pods(p.gateway)] }),
        // OTLP from every pod in the cluster (senders authenticate with the key); fluent-forward
        // 24225, metrics 8888 and health 13133 from nowhere else (kubelet probes are not pod traffic).
        "otel-collector": policy(p.gateway, { ports: tcp(PORTS.otlpGrpc, PORTS.otlpHttp), from: [anyPodInCluster] }),
        // The other members: a replica set replicates and elects over the same port.
        mongodb: policy(p.mongodb, { ports: tcp(PORTS.mongodb), from: [pods(p.hyperdxAll), pods(p.mongodbOperator), pods(p.mongodb)] }),
        ...(selfHosted ? {
            clickhouse: policy(p.clickhouse,
                // HyperDX and the gateway: every port they use (HTTP 8123, native 9000, metrics 9363).
                { from: [pods(p.hyperdxAll), pods(p.gateway)] },
                // The other replicas: parts (interserver) and the cluster's own queries (management).
                { ports: tcp(PORTS.clickhouseInterserver, PORTS.clickhouseManagement), from: [pods(p.clickhouse)] },
                { ports: tcp(PORTS.clickhouseManagement), from: [pods(p.clickhouseOperator)] },
                // The retention Job: the HTTP interface only.
                { ports: tcp(PORTS.clickhouseHttp), from: [pods(p.retentionJob)] }),
            // Keeper serves ClickHouse and the operator on its client port, and its replicas on Raft.
            keeper: policy(p.keeper,
                { ports: tcp(PORTS.keeperClient), from: [pods(p.clickhouse), pods(p.clickhouseOperator)] },
                { ports: tcp(PORTS.keeperRaft), from: [pods(p.keeper)] }),
        } : {}),
    };
}

export interface NetworkPoliciesArgs {
    /** Namespace of ClickStack. */
    readonly namespace: pulumi.Input<string>;
    /** Prefix of the policies' names (`<releaseName>-hyperdx`, …). */
    readonly releaseName: string;
    /** The labels on each ClickStack workload's pods (ClickStack.pods). */
    readonly pods: ClickStackPods;
    /** Whether ClickHouse and Keeper run in the cluster (they get policies too). */
    readonly selfHosted: boolean;
}

export class NetworkPolicies extends pulumi.ComponentResource {
    public readonly policies: kubernetes.networking.v1.NetworkPolicy[];

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clickstack:network:NetworkPolicies", name, {}, opts);
        this.policies = Object.entries(buildNetworkPolicies(args.pods, args.selfHosted)).map(([workload, spec]) =>
            new kubernetes.networking.v1.NetworkPolicy(`${name}-${workload}`, {
                metadata: { name: `${args.releaseName}-${workload}`, namespace: args.namespace },
                spec,
            }, { parent: this }));
        this.registerOutputs({ names: this.policies.map((p) => p.metadata.name) });
    }
}
