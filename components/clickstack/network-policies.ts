// NetworkPolicies for the ports the charts leave open to every pod in the cluster: HyperDX's OpAMP
// (it hands out every team's ingestion key without authentication), the gateway's unauthenticated
// fluent-forward receiver, ClickHouse, Keeper and MongoDB. One policy per workload, each selecting
// only that workload's pods, so nothing else in the namespace (the demo, the collectors) is affected.
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClickStackPods, PodLabels } from "./clickstack";

/** Ports (clickstack 3.0.2 values and templates). */
export const PORTS = {
    hyperdxApp: 3000,
    hyperdxOpamp: 4320,
    otlpGrpc: 4317,
    otlpHttp: 4318,
    mongodb: 27017,
    clickhouseHttp: 8123,
} as const;

type Peer = { podSelector?: { matchLabels: PodLabels }; namespaceSelector?: { matchLabels?: PodLabels } };
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
        mongodb: policy(p.mongodb, { ports: tcp(PORTS.mongodb), from: [pods(p.hyperdxAll), pods(p.mongodbOperator), pods(p.mongodb)] }),
        ...(selfHosted ? {
            // All of ClickHouse's ports (HTTP 8123, native 9000, interserver 9009, metrics 9363) to its clients and peers.
            clickhouse: policy(p.clickhouse,
                { from: [pods(p.hyperdxAll), pods(p.gateway), pods(p.clickhouseOperator), pods(p.clickhouse), pods(p.keeper)] },
                // The retention Job: the HTTP interface only.
                { ports: tcp(PORTS.clickhouseHttp), from: [pods(p.retentionJob)] }),
            // Keeper only serves ClickHouse, the operator and the other Keeper replicas.
            keeper: policy(p.keeper, { from: [pods(p.clickhouse), pods(p.keeper), pods(p.clickhouseOperator)] }),
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
