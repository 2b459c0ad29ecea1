// Issue 35 in the real engine: the dev scenario's node is a laptop's (4 vCPU, 8 GiB allocatable), shared
// with what a kind cluster runs itself; every pod is placed by the real kube-scheduler; and the stack's
// `requests` output is compared with what the scheduler counts on the node.
import * as fs from "fs";
import * as path from "path";
import { podRequests, PodSpecResources, Resources } from "../components/sizing/requests";
import { CLUSTER_OWN_PODS, SIZES } from "../components/sizing/sizes";
import { kubectl, kubectlJson, RUN_DIR } from "./harness";
import { runNodeScript, ScriptResult } from "../test/run-script";

/** kwokctl's node template (sigs.k8s.io/kwok v0.8.0 kustomize/kwokctl/resource/node.yaml): what a node has unless changed. */
const KWOK_NODE = { cpu: "32", memory: "256Gi" };
const SMALL_NODE = { cpu: String(SIZES.small.allocatable!.cpu), memory: `${SIZES.small.allocatable!.memoryGi}Gi` };
/** The stand-in for a kind cluster's own pods (components/sizing/sizes.ts CLUSTER_OWN_PODS). */
const CLUSTER_OWN_PODS_STAND_IN = { namespace: "kube-system", name: "e2e-stand-in-kind-system-pods" };
/** The stand-in for the MongoDB member pod: the MongoDB operator does not run here. */
export const MONGODB_MEMBER_STAND_IN = "e2e-stand-in-mongodb-member";
const STAND_IN_LABEL = "e2e.clickstack-k8s/stands-in-for";

interface Pod {
    metadata: { name: string; namespace: string; ownerReferences?: { kind: string }[]; labels?: Record<string, string> };
    spec: PodSpecResources & { nodeName?: string };
    status: { phase: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

const nodes = () => kubectlJson<{ items: { metadata: { name: string } }[] }>(["get", "nodes"]).items.map((n) => n.metadata.name);

/** Sets every node's allocatable and capacity (kwok's node stages leave both alone once a node is Ready). */
function sizeNodes(size: { cpu: string; memory: string }): void {
    for (const node of nodes()) {
        const patch = JSON.stringify({ status: { allocatable: { cpu: size.cpu, memory: size.memory }, capacity: { cpu: size.cpu, memory: size.memory } } });
        const r = kubectl(["patch", "node", node, "--subresource=status", "--type=merge", "-p", patch]);
        if (r.status !== 0) throw new Error(`kubectl patch node ${node}: ${r.stderr}`);
    }
}

export function nodeAllocatable(): { name: string; cpu: string; memory: string }[] {
    return kubectlJson<{ items: { metadata: { name: string }; status: { allocatable: { cpu: string; memory: string } } }[] }>(["get", "nodes"]).items
        .map((n) => ({ name: n.metadata.name, cpu: n.status.allocatable.cpu, memory: n.status.allocatable.memory }));
}

const pausePod = (name: string, namespace: string, standsInFor: string, spec: PodSpecResources) => ({
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace, labels: { [STAND_IN_LABEL]: standsInFor } },
    spec: {
        containers: (spec.containers ?? []).map((c, i) => ({ name: c.name ?? `c${i}`, image: "registry.k8s.io/pause:3.10", resources: c.resources })),
        initContainers: (spec.initContainers ?? []).map((c, i) => ({ name: c.name ?? `i${i}`, image: "registry.k8s.io/pause:3.10", resources: c.resources })),
    },
});

function apply(object: object): void {
    const r = kubectl(["apply", "-f", "-"], JSON.stringify(object));
    if (r.status !== 0) throw new Error(`kubectl apply: ${r.stderr}`);
}

/** The dev scenario's node: a laptop's, with a kind cluster's own pods already on it. */
export function makeSmallNode(): void {
    sizeNodes(SMALL_NODE);
    const quantity = (gi: number) => `${Math.round(gi * 1024)}Mi`;
    apply(pausePod(CLUSTER_OWN_PODS_STAND_IN.name, CLUSTER_OWN_PODS_STAND_IN.namespace, "kind-system-pods", {
        containers: [{ name: "system", resources: { requests: { cpu: `${Math.round(CLUSTER_OWN_PODS.cpu * 1000)}m`, memory: quantity(CLUSTER_OWN_PODS.memoryGi) } } }],
    }));
}

/** Back to kwok's node, without the kind stand-in: the later scenarios size for other clusters. */
export function restoreNodes(): void {
    sizeNodes(KWOK_NODE);
    kubectl(["delete", "pod", CLUSTER_OWN_PODS_STAND_IN.name, "--namespace", CLUSTER_OWN_PODS_STAND_IN.namespace, "--ignore-not-found", "--wait=false"]);
}

/**
 * The MongoDB member pod as the operator would make it from the MongoDBCommunity the API server holds:
 * its override's containers and init containers by name, and the operator's own requests (0.5 CPU,
 * 400M: mongodb-community-operator pkg/kube/resourcerequirements Defaults()) where the override states none.
 */
export function addMongodbMemberStandIn(namespace: string, customResource: string): void {
    type Stated = { name: string; resources?: Resources }[];
    const cr = kubectlJson<{ spec: { statefulSet?: { spec?: { template?: { spec?: { containers?: Stated; initContainers?: Stated } } } } } }>(
        ["get", "mongodbcommunity", customResource, "--namespace", namespace]);
    const override = cr.spec.statefulSet?.spec?.template?.spec ?? {};
    const operatorDefault: Resources = { requests: { cpu: "500m", memory: "400M" } };
    const member = (names: string[], stated: Stated = []) => names.map((name) => {
        const given = stated.find((c) => c.name === name)?.resources;
        return { name, resources: given?.requests ? given : operatorDefault };
    });
    apply(pausePod(MONGODB_MEMBER_STAND_IN, namespace, "mongodb-member", {
        containers: member(["mongod", "mongodb-agent"], override.containers),
        initContainers: member(["mongod-posthook", "mongodb-agent-readinessprobe"], override.initContainers),
    }));
}

const pods = (namespace: string): Pod[] => kubectlJson<{ items: Pod[] }>(["get", "pods", "--namespace", namespace]).items;
/** Pods that stay (not a Job's, not finished), as the scheduling check counts them. */
export const lastingPods = (namespace: string) => pods(namespace)
    .filter((p) => !(p.metadata.ownerReferences ?? []).some((o) => o.kind === "Job") && !["Succeeded", "Failed"].includes(p.status.phase));
export const unschedulable = (p: Pod) => p.status.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable");

/** What the scheduler counts for these pods together: CPU in cores, memory in GiB. */
export function scheduledRequests(list: Pod[]): { pods: number; cpu: number; memoryGi: number } {
    const each = list.map((p) => podRequests(p.spec));
    return {
        pods: list.length,
        cpu: Math.round(each.reduce((s, r) => s + r.cpu, 0) * 1000) / 1000,
        memoryGi: Math.round((each.reduce((s, r) => s + r.memory, 0) / 2 ** 30) * 1000) / 1000,
    };
}

/**
 * Runs the scheduling check's script as its Job would: the file from its ConfigMap as the API server
 * holds it, with the Job's env (`overrides` on top), against the API server on 127.0.0.1 with a token of
 * the Job's ServiceAccount.
 */
export async function runSchedulingCheck(namespace: string, jobName: string, overrides: Record<string, string> = {}): Promise<ScriptResult> {
    const job = kubectlJson<{ spec: { template: { spec: { serviceAccountName: string; volumes: { configMap?: { name: string } }[]; containers: { command: string[]; env: { name: string; value: string }[] }[] } } } }>(
        ["get", "job", jobName, "--namespace", namespace]).spec.template.spec;
    const container = job.containers[0];
    const configMap = kubectlJson<{ data: Record<string, string> }>(["get", "configmap", job.volumes.find((v) => v.configMap)!.configMap!.name, "--namespace", namespace]);
    const dir = fs.mkdtempSync(path.join(RUN_DIR, "scheduling-check-"));
    const file = path.join(dir, path.basename(container.command[1]));
    fs.writeFileSync(file, configMap.data[path.basename(container.command[1])]);
    const kube = kubectlJson<{ clusters: { cluster: { server: string; "certificate-authority-data": string } }[] }>(["config", "view", "--minify", "--raw", "--flatten"]).clusters[0].cluster;
    const token = kubectl(["create", "token", job.serviceAccountName, "--namespace", namespace, "--duration", "10m"]);
    if (token.status !== 0) throw new Error(`kubectl create token: ${token.stderr}`);
    fs.writeFileSync(path.join(dir, "token"), token.stdout.trim());
    fs.writeFileSync(path.join(dir, "ca.crt"), Buffer.from(kube["certificate-authority-data"], "base64"));
    return runNodeScript(file, {
        ...Object.fromEntries(container.env.map((e) => [e.name, e.value])),
        KUBERNETES_API_URL: kube.server,
        SERVICEACCOUNT_DIR: dir,
        ...overrides,
    });
}
