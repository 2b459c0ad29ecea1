// The sizes a stack can take, and the node each is made for. Each component reads its own values for
// a size (components/clickstack/clickstack-small.yaml, components/collectors/k8s-small.yaml, the
// demo's request scale); this table only names them and the node they fit.

export type Size = "small" | "standard";

export interface SizeSpec {
    /** The node it is made for, as the README and errors say it. */
    readonly node: string;
    /** That node's allocatable CPU (cores) and memory (GiB), where the size is made to fit one node. */
    readonly allocatable?: { readonly cpu: number; readonly memoryGi: number };
    /**
     * What the demo's containers ask for, as a share of the manifest's requests (limits unchanged). The
     * demo alone asks for 2.35 vCPU and 3.8 GiB: beside ClickStack and the cluster's own pods, more than
     * a 4 vCPU / 8 GiB node has.
     */
    readonly demoRequestsScale: number;
}

export const SIZES: Readonly<Record<Size, SizeSpec>> = {
    small: {
        node: "one node with 4 vCPU and 8 GiB allocatable, the demo included (kind, minikube, k3d on a laptop)",
        allocatable: { cpu: 4, memoryGi: 8 },
        demoRequestsScale: 0.5,
    },
    standard: {
        node: "the Monitoring Kubernetes guide's node (32 GiB), or several smaller ones",
        demoRequestsScale: 1,
    },
};

/**
 * What a kind cluster's own pods ask for on its one node, which a size made to fit that node leaves
 * free: kubeadm's static pods (kube-apiserver 250m, kube-controller-manager 200m, kube-scheduler
 * 100m, etcd 100m and 100Mi), two CoreDNS replicas (100m and 70Mi each) and kindnet (100m, 50Mi).
 */
export const CLUSTER_OWN_PODS = { cpu: 0.95, memoryGi: 290 / 1024 } as const;
