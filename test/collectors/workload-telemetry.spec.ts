// Issue 25 on the real render: what chart opentelemetry-collector 0.170.0 makes of the DaemonSet's
// values with the workloads' telemetry on (test/fixtures/collector-daemonset-ours.yaml, real Helm),
// and its ClusterRole with them off (collector-daemonset-clusterrole-off.yaml). The values under
// mocks are in collectors.spec.ts; the configs running in a real collector are in the e2e (6b).
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { SCRAPE_RECEIVER, workloadEndpointPolicy } from "../../components/collectors/workload-telemetry";
import { WORKLOAD_ENDPOINT } from "../../components/collectors/collectors";
import { selects } from "../../policies/kubernetes";
import { ROOT } from "../root";
import { renderedValues, valuesHash } from "./rendered-values";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = { kind: string; metadata: { name: string }; [key: string]: any };
const read = (file: string) => {
    const text = fs.readFileSync(path.join(ROOT, "test", "fixtures", file), "utf8");
    return { text, docs: (yaml.loadAll(text) as (Doc | null)[]).filter((d): d is Doc => d !== null) };
};
const on = read("collector-daemonset-ours.yaml");
const off = read("collector-daemonset-clusterrole-off.yaml");
const one = (docs: Doc[], kind: string) => {
    const found = docs.filter((d) => d.kind === kind);
    expect([kind, found.length]).toEqual([kind, 1]);
    return found[0];
};
const hashOf = (text: string) => /values-sha256: ([0-9a-f]{64})/.exec(text)?.[1];

const service = one(on.docs, "Service");
const daemonSet = one(on.docs, "DaemonSet");
const pod = daemonSet.spec.template;
const [container] = pod.spec.containers;
const relay = yaml.load(one(on.docs, "ConfigMap").data.relay) as Doc;

it("the fixtures are of today's values, with the workloads' telemetry on and off (re-render them when they change)", () => {
    expect(hashOf(on.text)).toBe(valuesHash(renderedValues("daemonset")));
    expect(hashOf(off.text)).toBe(valuesHash(renderedValues("daemonset", { workloads: false })));
    expect(on.docs.map((d) => d.kind)).toEqual(["ServiceAccount", "ConfigMap", "ClusterRole", "ClusterRoleBinding", "Service", "DaemonSet"]);
});

describe("the endpoint", () => {
    it("is the chart's ClusterIP Service under the documented name, node-local, on the two OTLP ports", () => {
        expect(service.metadata.name).toBe(WORKLOAD_ENDPOINT.service);
        expect(service.spec).toMatchObject({ type: "ClusterIP", internalTrafficPolicy: "Local" });
        expect(service.spec.ports.map((p: Doc) => [p.port, p.targetPort, p.protocol])).toEqual([
            [WORKLOAD_ENDPOINT.grpcPort, WORKLOAD_ENDPOINT.grpcPort, "TCP"],
            [WORKLOAD_ENDPOINT.httpPort, WORKLOAD_ENDPOINT.httpPort, "TCP"],
        ]);
    });

    it("routes to the DaemonSet's pods, which the NetworkPolicy selects too (the labels it is written with)", () => {
        expect(service.spec.selector).toEqual(WORKLOAD_ENDPOINT.pods);
        expect(selects({ matchLabels: service.spec.selector }, pod.metadata.labels)).toBe(true);
        expect(selects(workloadEndpointPolicy({ exceptNamespaces: ["kube-system"] }, WORKLOAD_ENDPOINT.pods).podSelector, pod.metadata.labels)).toBe(true);
    });

    it("is served by container ports only: no hostPort, no host network", () => {
        expect(container.ports).toEqual([
            { name: "otlp", containerPort: WORKLOAD_ENDPOINT.grpcPort, protocol: "TCP" },
            { name: "otlp-http", containerPort: WORKLOAD_ENDPOINT.httpPort, protocol: "TCP" },
        ]);
        expect(JSON.stringify(daemonSet)).not.toMatch(/hostPort/);
        expect(pod.spec.hostNetwork).toBe(false);
    });

    it("stays up through a rollout: the new pod starts before the old one stops", () => {
        expect(daemonSet.spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    });

    it("listens where the Service sends, and forwards traces, metrics and logs with the key and the cluster name", () => {
        expect(relay.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "${env:MY_POD_IP}:4317" }, http: { endpoint: "${env:MY_POD_IP}:4318" } });
        for (const signal of ["traces", "metrics", "logs"]) {
            const p = relay.service.pipelines[signal];
            // The apps' logs have their credentials blanked like the node's (docs/security.md).
            const processors = ["memory_limiter", ...(signal === "logs" ? ["transform/redact-credentials"] : []), "resource", "k8s_attributes", "batch"];
            expect([signal, p.receivers.includes("otlp"), p.processors, p.exporters]).toEqual([signal, true, processors, ["otlphttp"]]);
        }
        expect(relay.exporters.otlphttp.headers).toEqual({ authorization: "${env:HYPERDX_API_KEY}" });
        expect(container.env).toContainEqual({ name: "HYPERDX_API_KEY", valueFrom: { secretKeyRef: { name: "hyperdx-secret", key: "HYPERDX_API_KEY", optional: true } } });
        expect(relay.processors.resource.attributes).toContainEqual({ action: "upsert", key: "k8s.cluster.name", value: "${env:K8S_CLUSTER_NAME}" });
        // The sender's address (node-local, so not rewritten) and the scraper's k8s.pod.uid find the pod.
        expect(relay.processors.k8s_attributes.pod_association).toEqual(expect.arrayContaining([
            { sources: [{ from: "connection" }] }, { sources: [{ from: "resource_attribute", name: "k8s.pod.uid" }] },
        ]));
    });
});

describe("the pod scraping", () => {
    const job = relay.receivers[SCRAPE_RECEIVER].config.scrape_configs[0];

    it("survives the chart's config template (which deletes a receiver named plain `prometheus`) into the metrics pipeline", () => {
        expect(relay.service.pipelines.metrics.receivers).toContain(SCRAPE_RECEIVER);
        expect(job.job_name).toBe("kubernetes-pods");
    });

    it("discovers only its own node's pods, by a variable the container has", () => {
        expect(job.kubernetes_sd_configs).toEqual([{ role: "pod", selectors: [{ role: "pod", field: "spec.nodeName=${env:K8S_NODE_NAME}" }] }]);
        expect(container.env).toContainEqual({ name: "K8S_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } });
    });

    it("keeps Prometheus' `$1` for the collector: its own ${…} expansion turns `$$` into `$`", () => {
        expect(job.relabel_configs.find((r: Doc) => r.target_label === "__address__").replacement).toBe("$$1:$$2");
    });
});

describe("the RBAC delta", () => {
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
    const grants = (rules: Rule[]) => rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)))).sort();
    const rulesOn = one(on.docs, "ClusterRole").rules as Rule[];

    it("is none: the ClusterRole grants the same with the endpoint and the scraping as without", () => {
        expect(grants(rulesOn)).toEqual(grants(one(off.docs, "ClusterRole").rules));
    });

    it("what pod discovery needs (list and watch pods, cluster-wide) was already there, bound to the DaemonSet's account", () => {
        expect(grants(rulesOn)).toEqual(expect.arrayContaining(["/pods:list", "/pods:watch"]));
        const binding = one(on.docs, "ClusterRoleBinding");
        expect(binding.roleRef).toMatchObject({ kind: "ClusterRole", name: one(on.docs, "ClusterRole").metadata.name });
        expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: pod.spec.serviceAccountName, namespace: "otel-demo" }]);
    });
});
