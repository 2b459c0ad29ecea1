// What a stack asks the scheduler for: per workload and in total, CPU, memory and storage, the pods
// the operators make included. Each component reports its own workloads (ClickStack.requests,
// KubernetesCollectors.requests, OtelDemo.requests) from the same values it deploys; index.ts adds them
// up into the `requests` output. Jobs are left out: they run for seconds and then hold nothing.
import { parseQuantity } from "../common/quantity";

/** A container's `resources`, as in a pod spec or Helm values. */
export interface Resources {
    readonly requests?: Readonly<Record<string, string | number>>;
    readonly limits?: Readonly<Record<string, string | number>>;
}

export interface PodSpecResources {
    readonly containers?: readonly { readonly name?: string; readonly resources?: Resources }[];
    readonly initContainers?: readonly { readonly name?: string; readonly resources?: Resources }[];
}

/** One workload: how many pods, and what they ask for together. */
export interface WorkloadRequests {
    readonly pods: number;
    /** Cores. */
    readonly cpu: number;
    readonly memoryGi: number;
    /** Persistent volume claims. */
    readonly storageGi: number;
    /** A DaemonSet: `pods` and the figures are for one node; each node runs one more. */
    readonly perNode?: true;
}

export interface StackRequests {
    readonly workloads: Readonly<Record<string, WorkloadRequests>>;
    /** On one node (a DaemonSet's pod counted once). */
    readonly total: { readonly pods: number; readonly cpu: number; readonly memoryGi: number; readonly storageGi: number };
}

/** A container's request for `name`: its `requests`, or its `limits` where it states no request (the API server's default). */
const request = (resources: Resources | undefined, name: "cpu" | "memory"): number => {
    const value = resources?.requests?.[name] ?? resources?.limits?.[name];
    if (value === undefined) return 0;
    const parsed = parseQuantity(String(value));
    if (Number.isNaN(parsed)) throw new Error(`requests.${name} "${value}" is not a Kubernetes quantity`);
    return parsed;
};

/**
 * What the scheduler counts for one pod (its effective request): the larger of its containers'
 * requests added up and its largest init container's (init containers run one at a time, before
 * the others), a limit standing for a request that is not stated. CPU in cores, memory in bytes.
 */
export function podRequests(spec: PodSpecResources): { cpu: number; memory: number } {
    const of = (name: "cpu" | "memory") => Math.max(
        (spec.containers ?? []).reduce((sum, c) => sum + request(c.resources, name), 0),
        ...(spec.initContainers ?? []).map((c) => request(c.resources, name)),
    );
    return { cpu: of("cpu"), memory: of("memory") };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** `pods` pods of one spec, with `storage` (quantities) claimed by each. */
export function workloadRequests(pods: number, spec: PodSpecResources, storage: readonly string[] = [], perNode = false): WorkloadRequests {
    const one = podRequests(spec);
    const storageGi = storage.reduce((sum, q) => sum + parseQuantity(q) / 2 ** 30, 0);
    return {
        pods,
        cpu: round(one.cpu * pods, 3),
        memoryGi: round((one.memory * pods) / 2 ** 30, 3),
        storageGi: round(storageGi * pods, 2),
        ...(perNode ? { perNode: true as const } : {}),
    };
}

/** Every component's workloads, and their sum on one node. */
export function stackRequests(...parts: readonly Readonly<Record<string, WorkloadRequests>>[]): StackRequests {
    const workloads: Record<string, WorkloadRequests> = {};
    for (const part of parts) {
        for (const [name, w] of Object.entries(part)) {
            if (name in workloads) throw new Error(`two components report a workload named ${name}`);
            workloads[name] = w;
        }
    }
    const sum = (key: "pods" | "cpu" | "memoryGi" | "storageGi") => Object.values(workloads).reduce((s, w) => s + w[key], 0);
    return { workloads, total: { pods: sum("pods"), cpu: round(sum("cpu"), 3), memoryGi: round(sum("memoryGi"), 3), storageGi: round(sum("storageGi"), 2) } };
}
