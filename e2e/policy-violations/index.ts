// One violation of each mandatory policy in policies/, for `pulumi preview --policy-pack` in the
// real-engine test. Never deployed: the preview fails on the first mandatory violation set.
import * as kubernetes from "@pulumi/kubernetes";
import * as random from "@pulumi/random";

const namespace = "e2e-policy-violations";
const labels = { app: "violations" };

// services-cluster-ip-only
new kubernetes.core.v1.Service("load-balancer", {
    metadata: { namespace },
    spec: { type: "LoadBalancer", selector: labels, ports: [{ port: 80 }] },
});

// ingress-tls
new kubernetes.networking.v1.Ingress("no-tls", {
    metadata: { namespace },
    spec: { rules: [{ host: "violations.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "x", port: { number: 80 } } } }] } }] },
});

// no-host-network-exposure
new kubernetes.apps.v1.Deployment("host-port", {
    metadata: { namespace },
    spec: {
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: "main", image: "registry.k8s.io/pause:3.10", ports: [{ containerPort: 8080, hostPort: 8080 }] }] } },
    },
});

// no-plain-credentials
new kubernetes.core.v1.ConfigMap("plain-password", {
    metadata: { namespace },
    data: { DATABASE_PASSWORD: "correct-horse-battery-staple" },
});

// helm-release-pinned. The provider's Check resolves a Release's version from the chart it loads,
// so a policy only ever sees an unpinned Release whose inputs are still unknown at preview: then
// Check skips loading (pulumi-kubernetes provider/pkg/provider/helm_release.go). The repository is
// never contacted.
const seed = new random.RandomPassword("unknown-at-preview", { length: 16, special: false });
new kubernetes.helm.v3.Release("unpinned", {
    chart: "clickstack",
    repositoryOpts: { repo: "http://127.0.0.1:9" },
    namespace,
    values: { seed: seed.result },
});

// replicated-workloads-guarded (a stack policy): two replicas, no budget, no spread.
new kubernetes.apps.v1.Deployment("replicated-unguarded", {
    metadata: { namespace },
    spec: {
        replicas: 2,
        selector: { matchLabels: { app: "replicated" } },
        template: { metadata: { labels: { app: "replicated" } }, spec: { containers: [{ name: "main", image: "registry.k8s.io/pause:3.10" }] } },
    },
});
