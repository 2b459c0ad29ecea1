// Issue 24: what the clickstack chart renders from the replicated layout's values, rendered by real
// Helm from the real chart (test/fixtures/high-availability-render.yaml, checked against today's
// values by hash): the workloads' replicas, budgets, spread and update strategy, the autoscaler, the
// alerts CronJob and the operators' custom resources; and the pack's replicated-workloads policy on
// those objects, passing as rendered and catching each guard taken away.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { buildClickStackValues, ClickStackValuesInput } from "../../components/clickstack/values";
import { HA_DEFAULTS } from "../../components/high-availability/config";
import { selects } from "../../policies/kubernetes";
import { policy } from "../../policies/rules/replicated-workloads-guarded";
import { kubeResource, stackViolations } from "../policies/policy-args";
import { ROOT } from "../root";

/** The input the fixture was rendered from: the switch's layout, self-hosted, release my-clickstack. */
const HA_INPUT: ClickStackValuesInput = {
    releaseName: "my-clickstack",
    namespace: "otel-demo",
    clickhouse: { kind: "self-hosted", dataSize: "100Gi", collectorPassword: "collector-pw", appPassword: "app-pw", retentionPassword: "retention-pw" },
    mongodbPassword: "mongo-pw",
    sessionSecret: "session-secret",
    highAvailability: { ...HA_DEFAULTS },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: any; data?: Record<string, string> };
const fixtureText = fs.readFileSync(path.join(ROOT, "test", "fixtures", "high-availability-render.yaml"), "utf8");
const objects = (yaml.loadAll(fixtureText) as (K8sObject | null)[]).filter((d): d is K8sObject => d !== null);
const find = (kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`${kind} ${name} is not in the fixture`);
    return found;
};

it("the fixture is of today's values (re-render it when they change)", () => {
    const values = buildClickStackValues(HA_INPUT);
    expect(/values-sha256: ([0-9a-f]{64})/.exec(fixtureText)?.[1]).toBe(crypto.createHash("sha256").update(JSON.stringify(values)).digest("hex"));
});

describe("HyperDX", () => {
    const app = find("Deployment", "my-clickstack-app");
    const labels = app.spec.template.metadata.labels;

    it("two replicas; no strategy, so Kubernetes' default (maxUnavailable 25% rounded down: 0 of 2) never takes the last ready pod", () => {
        // The default (25% rounded down) then allows 0 of 2 unavailable: what holds it is that the chart sets no strategy.
        expect(app.spec.replicas).toBe(2);
        expect(app.spec.strategy).toBeUndefined();
    });

    it("spread across zones and nodes, each constraint selecting its own pods", () => {
        expect(app.spec.template.spec.topologySpreadConstraints.map((c: { topologyKey: string; whenUnsatisfiable: string; labelSelector: object }) =>
            [c.topologyKey, c.whenUnsatisfiable, selects(c.labelSelector, labels)])).toEqual([
            ["topology.kubernetes.io/zone", "DoNotSchedule", true],
            ["kubernetes.io/hostname", "DoNotSchedule", true],
        ]);
    });

    it("the chart's budget selects the app's pods and not the alert task's", () => {
        const pdb = find("PodDisruptionBudget", "my-clickstack-pdb");
        expect(pdb.spec.minAvailable).toBe(1);
        expect(selects(pdb.spec.selector, labels)).toBe(true);
        expect(selects(pdb.spec.selector, find("CronJob", "my-clickstack-check-alerts").spec.jobTemplate.spec.template.metadata.labels)).toBe(false);
    });

    it("alerts: the app pods leave them to the CronJob, which runs check-alerts once a minute, never two at a time", () => {
        expect(find("ConfigMap", "clickstack-config").data).toEqual({ RUN_SCHEDULED_TASKS_EXTERNALLY: "true" });
        const cron = find("CronJob", "my-clickstack-check-alerts");
        expect([cron.spec.schedule, cron.spec.concurrencyPolicy]).toEqual(["*/1 * * * *", "Forbid"]);
        expect(cron.spec.jobTemplate.spec.template.spec.containers[0].command.slice(-1)).toEqual(["check-alerts"]);
    });
});

describe("the gateway", () => {
    const gateway = find("Deployment", "my-clickstack-otel-collector");
    const labels = gateway.spec.template.metadata.labels;

    it("the autoscaler owns its replica count (2 to 6 on CPU); updates add a pod before removing one", () => {
        expect(gateway.spec.replicas).toBeUndefined();
        const hpa = find("HorizontalPodAutoscaler", "my-clickstack-otel-collector");
        expect(hpa.apiVersion).toBe("autoscaling/v2");
        expect(hpa.spec).toMatchObject({ scaleTargetRef: { kind: "Deployment", name: "my-clickstack-otel-collector" }, minReplicas: 2, maxReplicas: 6 });
        expect(hpa.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
        expect(gateway.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    });

    it("spread and a budget that select its pods", () => {
        expect(gateway.spec.template.spec.topologySpreadConstraints.every((c: { labelSelector: object }) => selects(c.labelSelector, labels))).toBe(true);
        const pdb = find("PodDisruptionBudget", "my-clickstack-otel-collector");
        expect([pdb.spec.minAvailable, selects(pdb.spec.selector, labels)]).toEqual([1, true]);
    });
});

describe("the operators' custom resources", () => {
    it("ClickHouse: 2 replicas in 1 shard; Keeper 3; both with the operator's spread keys", () => {
        const spread = { topologyZoneKey: "topology.kubernetes.io/zone", nodeHostnameKey: "kubernetes.io/hostname" };
        expect(find("ClickHouseCluster", "my-clickstack-clickhouse").spec).toMatchObject({ replicas: 2, shards: 1, podTemplate: spread });
        expect(find("KeeperCluster", "my-clickstack-keeper").spec).toMatchObject({ replicas: 3, podTemplate: spread });
    });

    it("MongoDB: 3 members spread across zones and nodes; the budget from additionalManifests keeps 2 (the majority)", () => {
        const mongodb = find("MongoDBCommunity", "my-clickstack-mongodb");
        expect(mongodb.spec.members).toBe(3);
        const podLabels = { app: "my-clickstack-mongodb-svc" };
        expect(mongodb.spec.statefulSet.spec.template.spec.topologySpreadConstraints.map((c: { topologyKey: string; labelSelector: object }) => [c.topologyKey, selects(c.labelSelector, podLabels)]))
            .toEqual([["topology.kubernetes.io/zone", true], ["kubernetes.io/hostname", true]]);
        const pdb = find("PodDisruptionBudget", "my-clickstack-mongodb");
        expect([pdb.metadata.namespace, pdb.spec.minAvailable, selects(pdb.spec.selector, podLabels)]).toEqual(["otel-demo", 2, true]);
    });
});

describe("replicated-workloads-guarded on the rendered objects", () => {
    const asResources = (list: K8sObject[]) => list.map((o) => kubeResource(o));
    const without = (kind: string, name: string) => objects.filter((o) => !(o.kind === kind && o.metadata.name === name));
    const edit = (kind: string, name: string, change: (o: K8sObject) => void) => objects.map((o) => {
        if (o.kind !== kind || o.metadata.name !== name) return o;
        const copy = JSON.parse(JSON.stringify(o)) as K8sObject;
        change(copy);
        return copy;
    });

    it("passes as rendered", async () => {
        expect(await stackViolations(policy, asResources(objects))).toEqual([]);
    });

    it.each([
        ["HyperDX without its budget", without("PodDisruptionBudget", "my-clickstack-pdb"),
            "Deployment otel-demo/my-clickstack-app runs 2 replicas but no PodDisruptionBudget selects its pods: one drain may evict them all; add a budget (minAvailable 1) or allow-list it. [my-clickstack-app]"],
        ["the gateway (replicas from its autoscaler) without its budget", without("PodDisruptionBudget", "my-clickstack-otel-collector"),
            "Deployment otel-demo/my-clickstack-otel-collector runs 2 replicas but no PodDisruptionBudget selects its pods: one drain may evict them all; add a budget (minAvailable 1) or allow-list it. [my-clickstack-otel-collector]"],
        ["HyperDX without spread", edit("Deployment", "my-clickstack-app", (o) => { delete o.spec.template.spec.topologySpreadConstraints; }),
            "Deployment otel-demo/my-clickstack-app runs 2 replicas with no spread across zones or nodes (topologySpreadConstraints or podAntiAffinity selecting its pods): they may share the node that fails. [my-clickstack-app]"],
        ["Keeper without the operator's spread keys", edit("KeeperCluster", "my-clickstack-keeper", (o) => { delete o.spec.podTemplate; }),
            "KeeperCluster otel-demo/my-clickstack-keeper runs 3 replicas without spec.podTemplate.topologyZoneKey or nodeHostnameKey: the operator spreads its pods only when one is set. [my-clickstack-keeper]"],
        ["MongoDB without its budget", without("PodDisruptionBudget", "my-clickstack-mongodb"),
            "MongoDBCommunity otel-demo/my-clickstack-mongodb has 3 members but no PodDisruptionBudget selects them (the operator writes none): add one that keeps a majority (minAvailable 2). [my-clickstack-mongodb]"],
        ["MongoDB without spread", edit("MongoDBCommunity", "my-clickstack-mongodb", (o) => { delete o.spec.statefulSet.spec.template.spec.topologySpreadConstraints; }),
            "MongoDBCommunity otel-demo/my-clickstack-mongodb has 3 members with no spread in spec.statefulSet.spec.template.spec: they may share the node that fails. [my-clickstack-mongodb]"],
        ["a budget in another namespace", edit("PodDisruptionBudget", "my-clickstack-pdb", (o) => { o.metadata.namespace = "elsewhere"; }),
            "Deployment otel-demo/my-clickstack-app runs 2 replicas but no PodDisruptionBudget selects its pods: one drain may evict them all; add a budget (minAvailable 1) or allow-list it. [my-clickstack-app]"],
    ])("catches %s", async (_, changed, expected) => {
        expect(await stackViolations(policy, asResources(changed))).toEqual([expected]);
    });

    it("the live gateway, with the replicas the API server filled in, still counts its autoscaler's floor", async () => {
        const live = edit("Deployment", "my-clickstack-otel-collector", (o) => { o.spec.replicas = 1; });
        expect(await stackViolations(policy, asResources(live.filter((o) => !(o.kind === "PodDisruptionBudget" && o.metadata.name === "my-clickstack-otel-collector")))))
            .toEqual([expect.stringMatching(/^Deployment otel-demo\/my-clickstack-otel-collector runs 2 replicas but no PodDisruptionBudget/)]);
    });

    it("a single replica needs neither; the allow-list skips a workload", async () => {
        const single = edit("Deployment", "my-clickstack-app", (o) => { o.spec.replicas = 1; delete o.spec.template.spec.topologySpreadConstraints; });
        expect(await stackViolations(policy, asResources(single.filter((o) => o.metadata.name !== "my-clickstack-pdb")))).toEqual([]);
        expect(await stackViolations(policy, asResources(without("PodDisruptionBudget", "my-clickstack-pdb")), { allow: ["otel-demo/my-clickstack-app"] })).toEqual([]);
    });

    it("a ClickHouseCluster without replicas gets the operator's default of 3, so it needs the spread keys", async () => {
        const unset = edit("ClickHouseCluster", "my-clickstack-clickhouse", (o) => { delete o.spec.replicas; delete o.spec.podTemplate; });
        expect(await stackViolations(policy, asResources(unset))).toEqual([
            "ClickHouseCluster otel-demo/my-clickstack-clickhouse runs 3 replicas without spec.podTemplate.topologyZoneKey or nodeHostnameKey: the operator spreads its pods only when one is set. [my-clickstack-clickhouse]",
        ]);
    });
});

describe("label selectors as Kubernetes reads them", () => {
    const labels = { app: "a", tier: "web" };
    it.each([
        [{ matchLabels: { app: "a" } }, true],
        [{ matchLabels: { app: "b" } }, false],
        [{}, true],
        [{ matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }] }, true],
        [{ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] }, false],
        [{ matchExpressions: [{ key: "zone", operator: "Exists" }] }, false],
        [{ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, true],
        [{ matchExpressions: [{ key: "tier", operator: "Gt", values: ["1"] }] }, false],
    ])("%j → %s", (selector, expected) => expect(selects(selector, labels)).toBe(expected));
    it("no selector selects nothing", () => expect(selects(undefined, labels)).toBe(false));
});
