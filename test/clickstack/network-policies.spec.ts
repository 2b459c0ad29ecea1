// The NetworkPolicies, checked the way a CNI applies them: a small evaluator of standard
// NetworkPolicy ingress semantics, run over a table of (source, destination, port) built from the
// labels the charts and operators put on each pod (written down here from their sources, not taken
// from the component), with every row, allowed and denied, asserted.
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { buildNetworkPolicies, NetworkPolicySpec } from "../../components/clickstack/network-policies";
import { clickstackPods } from "../../components/clickstack/names";
import { selects } from "../../policies/kubernetes";
import { ProgramRun, Recorded, runProgram } from "../harness";

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const NS = "otel-demo";

interface Pod { readonly namespace: string; readonly labels: Readonly<Record<string, string>> }
interface Policy { readonly namespace: string; readonly spec: NetworkPolicySpec }

/**
 * Kubernetes NetworkPolicy ingress: a pod that no Ingress policy selects accepts everything; a
 * selected pod accepts a connection if any rule of any policy selecting it allows it. A rule with no
 * `ports` allows every port and one with no `from` every source; a peer with only podSelector means
 * pods in the policy's namespace, with only namespaceSelector pods in matching namespaces, both:
 * pods matching both. (Namespace labels: only `kubernetes.io/metadata.name`, as the API server sets.)
 */
function allowed(policies: readonly Policy[], source: Pod, destination: Pod, port: number): boolean {
    const applicable = policies.filter((p) => p.namespace === destination.namespace
        && p.spec.policyTypes.includes("Ingress") && selects(p.spec.podSelector, destination.labels));
    if (applicable.length === 0) return true;
    const namespaceLabels = { "kubernetes.io/metadata.name": source.namespace };
    return applicable.some((p) => p.spec.ingress.some((rule) => {
        const portOk = rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((rp) => rp.port === port && (rp.protocol ?? "TCP") === "TCP");
        const peerOk = rule.from === undefined || rule.from.length === 0 || rule.from.some((peer) => {
            const inNamespace = peer.namespaceSelector !== undefined ? selects(peer.namespaceSelector, namespaceLabels) : source.namespace === p.namespace;
            const podOk = peer.podSelector !== undefined ? selects(peer.podSelector, source.labels) : true;
            return inNamespace && podOk;
        });
        return portOk && peerOk;
    }));
}

// The pods, with the labels their charts and operators give them for release my-clickstack in otel-demo.
const POD: Record<string, Pod> = {
    // clickstack 3.0.2 templates/hyperdx/deployment.yaml: selectorLabels + app: <fullname>, plus clickstack.labels on the Deployment only
    hyperdx: { namespace: NS, labels: { "app.kubernetes.io/name": "clickstack", "app.kubernetes.io/instance": "my-clickstack", app: "my-clickstack" } },
    // templates/hyperdx/cronjob-check-alerts.yaml: selectorLabels + app.kubernetes.io/component: task
    hyperdxTask: { namespace: NS, labels: { "app.kubernetes.io/name": "clickstack", "app.kubernetes.io/instance": "my-clickstack", "app.kubernetes.io/component": "task" } },
    // opentelemetry-collector subchart, alias otel-collector, deployment mode
    gateway: { namespace: NS, labels: { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/instance": "my-clickstack", component: "standalone-collector" } },
    // clickhouse-operator internal/controller/clickhouse/templates.go (CR my-clickstack-clickhouse)
    clickhouse: { namespace: NS, labels: { app: "my-clickstack-clickhouse-clickhouse", "app.kubernetes.io/instance": "my-clickstack-clickhouse-clickhouse", "app.kubernetes.io/name": "clickhouse-server", "clickhouse.com/role": "clickhouse-server", "clickhouse.com/shard-id": "0", "clickhouse.com/replica-id": "0" } },
    // clickhouse-operator internal/controller/keeper/templates.go (CR my-clickstack-keeper)
    keeper: { namespace: NS, labels: { "app.kubernetes.io/instance": "my-clickstack-keeper-keeper", "app.kubernetes.io/name": "clickhouse-keeper", "clickhouse.com/role": "clickhouse-keeper", "clickhouse.com/keeper-replica-id": "0" } },
    // mongodb-kubernetes 1.7.0 community construct/mongodbstatefulset.go: app: <CR>-svc (CR my-clickstack-mongodb)
    mongodb: { namespace: NS, labels: { app: "my-clickstack-mongodb-svc" } },
    // clickhouse-operator-helm templates/manager/manager.yaml, release my-clickstack-operators
    clickhouseOperator: { namespace: NS, labels: { "app.kubernetes.io/name": "clickhouse-operator", "app.kubernetes.io/instance": "my-clickstack-operators", "app.kubernetes.io/managed-by": "Helm", "control-plane": "controller-manager" } },
    // mongodb-kubernetes 1.7.0 templates/operator.yaml
    mongodbOperator: { namespace: NS, labels: { "app.kubernetes.io/component": "controller", "app.kubernetes.io/name": "mongodb-kubernetes-operator", "app.kubernetes.io/instance": "mongodb-kubernetes-operator" } },
    // this project's Job (components/bootstrap/bootstrap.ts); the Job controller adds job-name etc.
    bootstrap: { namespace: NS, labels: { "batch.kubernetes.io/job-name": "bootstrap-job-x", "job-name": "bootstrap-job-x" } },
    // this project's retention Job (components/retention/retention.ts): its template labels, plus the Job controller's
    retention: { namespace: NS, labels: { "app.kubernetes.io/name": "clickhouse-retention", "app.kubernetes.io/instance": "my-clickstack", "job-name": "retention-job-x" } },
    // the k8s collectors: opentelemetry-collector chart, releases k8s-otel-*
    agent: { namespace: NS, labels: { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": "k8s-otel-daemonset", component: "agent-collector" } },
    // the demo, same namespace (ClickHouse/opentelemetry-demo manifest)
    demo: { namespace: NS, labels: { "opentelemetry.io/name": "frontend", "app.kubernetes.io/name": "frontend", "app.kubernetes.io/part-of": "opentelemetry-demo" } },
    // anything else in the cluster
    otherNamespace: { namespace: "team-a", labels: { app: "whatever" } },
    kubeSystem: { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
    ingressController: { namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } },
};

type Row = [source: keyof typeof POD, destination: keyof typeof POD, port: number, expected: "allowed" | "denied"];
const SELF_HOSTED_TABLE: Row[] = [
    // HyperDX: the UI from anywhere; OpAMP only from the gateway; the API port from no other pod
    ["otherNamespace", "hyperdx", 3000, "allowed"],
    ["ingressController", "hyperdx", 3000, "allowed"],
    ["bootstrap", "hyperdx", 3000, "allowed"],
    ["demo", "hyperdx", 3000, "allowed"],
    ["gateway", "hyperdx", 4320, "allowed"],
    ["demo", "hyperdx", 4320, "denied"],
    ["otherNamespace", "hyperdx", 4320, "denied"],
    ["agent", "hyperdx", 4320, "denied"],
    ["bootstrap", "hyperdx", 4320, "denied"],
    ["demo", "hyperdx", 8000, "denied"],
    // the gateway: OTLP from the whole cluster, nothing else
    ["demo", "gateway", 4317, "allowed"],
    ["demo", "gateway", 4318, "allowed"],
    ["agent", "gateway", 4318, "allowed"],
    ["otherNamespace", "gateway", 4318, "allowed"],
    ["ingressController", "gateway", 4318, "allowed"],
    ["demo", "gateway", 24225, "denied"],
    ["otherNamespace", "gateway", 24225, "denied"],
    ["demo", "gateway", 8888, "denied"],
    ["demo", "gateway", 13133, "denied"],
    // ClickHouse: HyperDX and the gateway on every port; the operator and the other replicas on
    // exactly what the operator's source has them dial (9001 commands and remote_servers, 9009 parts)
    ["hyperdx", "clickhouse", 8123, "allowed"],
    ["hyperdxTask", "clickhouse", 8123, "allowed"],
    ["gateway", "clickhouse", 9000, "allowed"],
    ["gateway", "clickhouse", 8123, "allowed"],
    ["gateway", "clickhouse", 9363, "allowed"],
    ["clickhouseOperator", "clickhouse", 9001, "allowed"],
    ["clickhouseOperator", "clickhouse", 9000, "denied"],
    ["clickhouseOperator", "clickhouse", 8123, "denied"],
    ["clickhouse", "clickhouse", 9009, "allowed"],
    ["clickhouse", "clickhouse", 9001, "allowed"],
    ["clickhouse", "clickhouse", 9000, "denied"],
    ["clickhouse", "clickhouse", 8123, "denied"],
    ["keeper", "clickhouse", 9000, "denied"],
    ["keeper", "clickhouse", 9009, "denied"],
    ["demo", "clickhouse", 9000, "denied"],
    ["demo", "clickhouse", 8123, "denied"],
    ["otherNamespace", "clickhouse", 8123, "denied"],
    ["agent", "clickhouse", 9363, "denied"],
    ["mongodbOperator", "clickhouse", 9000, "denied"],
    // the retention Job: ClickHouse's HTTP interface, nothing more
    ["retention", "clickhouse", 8123, "allowed"],
    ["retention", "clickhouse", 9000, "denied"],
    ["retention", "keeper", 2181, "denied"],
    ["retention", "mongodb", 27017, "denied"],
    ["bootstrap", "clickhouse", 8123, "denied"],
    // Keeper: its client port to ClickHouse and the operator, Raft to the other Keepers
    ["clickhouse", "keeper", 2181, "allowed"],
    ["clickhouse", "keeper", 9234, "denied"],
    ["keeper", "keeper", 9234, "allowed"],
    ["keeper", "keeper", 2181, "denied"],
    ["clickhouseOperator", "keeper", 2181, "allowed"],
    ["clickhouseOperator", "keeper", 9123, "denied"],
    ["clickhouseOperator", "keeper", 9234, "denied"],
    ["hyperdx", "keeper", 2181, "denied"],
    ["demo", "keeper", 2181, "denied"],
    // MongoDB: 27017 from HyperDX, the operator and its members
    ["hyperdx", "mongodb", 27017, "allowed"],
    ["hyperdxTask", "mongodb", 27017, "allowed"],
    ["mongodbOperator", "mongodb", 27017, "allowed"],
    ["mongodb", "mongodb", 27017, "allowed"],
    ["demo", "mongodb", 27017, "denied"],
    ["gateway", "mongodb", 27017, "denied"],
    ["otherNamespace", "mongodb", 27017, "denied"],
    ["clickhouseOperator", "mongodb", 27017, "denied"],
    // nothing else in the namespace is affected
    ["otherNamespace", "demo", 8080, "allowed"],
    ["demo", "demo", 8080, "allowed"],
    ["otherNamespace", "clickhouseOperator", 8081, "allowed"],
    ["otherNamespace", "mongodbOperator", 8080, "allowed"],
    ["otherNamespace", "bootstrap", 1234, "allowed"],
    // the workloads' endpoint on the DaemonSet collector: OTLP from every namespace but kube-system, nothing else
    ["otherNamespace", "agent", 4317, "allowed"],
    ["otherNamespace", "agent", 4318, "allowed"],
    ["demo", "agent", 4318, "allowed"],
    ["gateway", "agent", 4318, "allowed"],
    ["kubeSystem", "agent", 4317, "denied"],
    ["kubeSystem", "agent", 4318, "denied"],
    ["otherNamespace", "agent", 8888, "denied"],
    ["otherNamespace", "agent", 13133, "denied"],
    ["demo", "agent", 4320, "denied"],
    // ... and the gateway's OTLP stays as open as before: kube-system may send there with the key
    ["kubeSystem", "gateway", 4318, "allowed"],
];

const policiesOf = (run: ProgramRun): Policy[] => run.ofType(NP).map((r: Recorded) => ({ namespace: r.plain.metadata.namespace, spec: r.plain.spec }));

describe("the evaluator itself", () => {
    const only = (spec: Partial<NetworkPolicySpec>): Policy[] => [{ namespace: NS, spec: { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress"], ingress: [], ...spec } }];
    const x: Pod = { namespace: NS, labels: { app: "x" } };
    const y: Pod = { namespace: NS, labels: { app: "y" } };
    it("no policy selecting a pod: allow all", () => expect(allowed([], y, x, 1)).toBe(true));
    it("a policy with no rules denies everything", () => expect(allowed(only({}), y, x, 1)).toBe(false));
    it("a podSelector peer is namespace-local", () => {
        const policies = only({ ingress: [{ from: [{ podSelector: { matchLabels: { app: "y" } } }] }] });
        expect(allowed(policies, y, x, 1)).toBe(true);
        expect(allowed(policies, { ...y, namespace: "other" }, x, 1)).toBe(false);
    });
    it("an empty namespaceSelector means every namespace; ports restrict", () => {
        const policies = only({ ingress: [{ ports: [{ protocol: "TCP", port: 80 }], from: [{ namespaceSelector: {} }] }] });
        expect(allowed(policies, { ...y, namespace: "other" }, x, 80)).toBe(true);
        expect(allowed(policies, { ...y, namespace: "other" }, x, 81)).toBe(false);
    });
});

describe("the policies in the dev stack (self-hosted)", () => {
    let run: ProgramRun;
    beforeAll(async () => { run = await runProgram("dev"); });

    it("one policy per protected workload, named after the release, valid against the official schema", () => {
        expect(run.ofType(NP).map((r) => r.plain.metadata.name).sort()).toEqual([
            "k8s-otel-daemonset-otlp", "my-clickstack-clickhouse", "my-clickstack-hyperdx", "my-clickstack-keeper", "my-clickstack-mongodb", "my-clickstack-otel-collector",
        ]);
        for (const r of run.ofType(NP)) expect(() => new NetworkPolicy(r.plain).validate()).not.toThrow();
    });

    it("each policy selects exactly one workload's pods", () => {
        for (const policy of policiesOf(run)) {
            const selected = Object.entries(POD).filter(([, pod]) => pod.namespace === policy.namespace && selects(policy.spec.podSelector, pod.labels)).map(([name]) => name);
            expect(selected).toHaveLength(1);
        }
    });

    it.each(SELF_HOSTED_TABLE)("%s → %s:%d is %s", (source, destination, port, expected) => {
        expect(allowed(policiesOf(run), POD[source], POD[destination], port) ? "allowed" : "denied").toBe(expected);
    });
});

describe("the policies in the prod stack (managed: no ClickHouse, no Keeper in the cluster)", () => {
    let run: ProgramRun;
    beforeAll(async () => { run = await runProgram("prod"); });

    it("protects HyperDX, the gateway and MongoDB", () => {
        expect(run.ofType(NP).map((r) => r.plain.metadata.name).sort()).toEqual(["k8s-otel-daemonset-otlp", "my-clickstack-hyperdx", "my-clickstack-mongodb", "my-clickstack-otel-collector"]);
    });

    it.each(SELF_HOSTED_TABLE.filter(([s, d]) => ![s, d].some((w) => w === "clickhouse" || w === "keeper")))("%s → %s:%d is %s", (source, destination, port, expected) => {
        expect(allowed(policiesOf(run), POD[source], POD[destination], port) ? "allowed" : "denied").toBe(expected);
    });
});

describe("the policies in a highly available dev stack: the replication paths, and nothing more", () => {
    // The second replica of each: the same workload labels with another replica id.
    const second = {
        clickhouse: { ...POD.clickhouse, labels: { ...POD.clickhouse.labels, "clickhouse.com/replica-id": "1" } },
        keeper: { ...POD.keeper, labels: { ...POD.keeper.labels, "clickhouse.com/keeper-replica-id": "2" } },
        mongodb: { ...POD.mongodb, labels: { ...POD.mongodb.labels } },
    };
    let policies: Policy[];
    beforeAll(async () => { policies = policiesOf(await runProgram("dev", { highAvailability: { enabled: true } })); });

    it.each([
        ["ClickHouse replica → replica: parts (interserver)", POD.clickhouse, second.clickhouse, 9009, true],
        ["ClickHouse replica → replica: the cluster's queries (management)", second.clickhouse, POD.clickhouse, 9001, true],
        ["ClickHouse replica → replica: native", POD.clickhouse, second.clickhouse, 9000, false],
        ["ClickHouse → a second Keeper: client port", POD.clickhouse, second.keeper, 2181, true],
        ["Keeper → Keeper: Raft", POD.keeper, second.keeper, 9234, true],
        ["Keeper → Keeper: client port", POD.keeper, second.keeper, 2181, false],
        ["the operator → a second Keeper", POD.clickhouseOperator, second.keeper, 2181, true],
        ["the operator → a second ClickHouse replica", POD.clickhouseOperator, second.clickhouse, 9001, true],
        ["MongoDB member → member", POD.mongodb, second.mongodb, 27017, true],
        ["the demo → a second ClickHouse replica", POD.demo, second.clickhouse, 9009, false],
        ["the demo → a second Keeper", POD.demo, second.keeper, 9234, false],
        ["the alerts task → MongoDB", POD.hyperdxTask, second.mongodb, 27017, true],
    ])("%s: %s", (_, source, destination, port, expected) => {
        expect(allowed(policies, source, destination, port as number)).toBe(expected);
    });

    it("the same policies as the single-replica stack: one layout's table serves both", async () => {
        expect(policies).toEqual(policiesOf(await runProgram("dev")));
    });
});

describe("who may send to the workloads' endpoint (collectors config)", () => {
    const teamB: Pod = { namespace: "team-b", labels: { app: "api" } };
    const agentRule = async (collectors: Record<string, unknown>) => policiesOf(await runProgram("dev", { collectors }));

    it.each<[string, Record<string, unknown>, Pod, boolean]>([
        ["only team-a: team-a sends", { otlpNamespaces: ["team-a"] }, POD.otherNamespace, true],
        ["only team-a: team-b does not", { otlpNamespaces: ["team-a"] }, teamB, false],
        ["only team-a: nor the stack's own namespace", { otlpNamespaces: ["team-a"] }, POD.demo, false],
        ["no exceptions: kube-system sends", { otlpExceptNamespaces: [] }, POD.kubeSystem, true],
        ["team-b refused: team-b does not", { otlpExceptNamespaces: ["team-b"] }, teamB, false],
        ["team-b refused: kube-system now does", { otlpExceptNamespaces: ["team-b"] }, POD.kubeSystem, true],
        ["only team-a, team-b refused: team-a sends", { otlpNamespaces: ["team-a"], otlpExceptNamespaces: ["team-b"] }, POD.otherNamespace, true],
        ["only team-a, team-b refused: kube-system does not", { otlpNamespaces: ["team-a"], otlpExceptNamespaces: ["team-b"] }, POD.kubeSystem, false],
    ])("%s", async (_, collectors, source, expected) => {
        const policies = await agentRule(collectors);
        expect([4317, 4318].map((port) => allowed(policies, source, POD.agent, port))).toEqual([expected, expected]);
        expect(allowed(policies, source, POD.agent, 8888)).toBe(false);
    });

    it("no policy for the DaemonSet without the endpoint (it listens on nothing a pod needs), or without networkPolicies", async () => {
        for (const config of [{ collectors: { otlpEndpoint: false } }, { networkPolicies: false }]) {
            const run = await runProgram("dev", config);
            expect(run.ofType(NP).map((r) => r.plain.metadata.name)).not.toContain("k8s-otel-daemonset-otlp");
        }
    });
});

describe("networkPolicies config", () => {
    it("false: no NetworkPolicy", async () => {
        const run = await runProgram("dev", { networkPolicies: false });
        expect(run.ofType(NP)).toEqual([]);
    });

    it("follows the release name", async () => {
        const run = await runProgram("dev", { releaseName: "observability" });
        const hyperdx = run.find(NP, "network-policies-hyperdx").plain;
        expect(hyperdx.metadata.name).toBe("observability-hyperdx");
        // release names without "clickstack" get it appended in the chart's fullname
        expect(hyperdx.spec.podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "clickstack", "app.kubernetes.io/instance": "observability", app: "observability-clickstack" });
        expect(run.find(NP, "network-policies-mongodb").plain.spec.podSelector.matchLabels).toEqual({ app: "observability-clickstack-mongodb-svc" });
    });

    it("a release name whose operator labels would pass 63 characters fails before any resource", async () => {
        const recorded: Recorded[] = [];
        await expect(runProgram("dev", { releaseName: "a".repeat(45) }, recorded)).rejects.toThrow(/releaseName is too long for the NetworkPolicies: the pod label a{45}-clickstack-clickhouse-clickhouse would exceed 63 characters/);
        expect(recorded).toEqual([]);
    });

    it("not a boolean", async () => {
        await expect(runProgram("dev", { networkPolicies: "maybe" }, [])).rejects.toThrow(/networkPolicies must be true or false \(given: "maybe"\)/);
    });

    it("ClickHouse and Keeper get policies only where they run (the pure builder)", () => {
        const pods = clickstackPods("my-clickstack");
        expect(Object.keys(buildNetworkPolicies(pods, true)).sort()).toEqual(["clickhouse", "hyperdx", "keeper", "mongodb", "otel-collector"]);
        expect(Object.keys(buildNetworkPolicies(pods, false)).sort()).toEqual(["hyperdx", "mongodb", "otel-collector"]);
    });
});
