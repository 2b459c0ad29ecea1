// Issue 24: the replicated layout under mocks: the config and its refusals, the values each part of
// the clickstack chart gets, the capacity plan per replica. What the chart renders from these values
// is test/high-availability/rendered.spec.ts (real Helm); the placement, budgets and evictions are
// the e2e's (e2e/engine.test.ts, scenario 13).
import { parseStackConfig } from "../../config";
import { HA_DEFAULTS } from "../../components/high-availability/config";
import { majority, spreadConstraints } from "../../components/high-availability/layout";
import { configProblems as problems, ProgramRun, Recorded, runProgram, T } from "../harness";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Values = Record<string, any>;
const HA = { highAvailability: { enabled: true } };
const valuesOf = (run: ProgramRun): Values => run.find(T.chart, "clickstack").plain.values;

const HYPERDX = { "app.kubernetes.io/name": "clickstack", "app.kubernetes.io/instance": "my-clickstack", app: "my-clickstack" };
const GATEWAY = { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/instance": "my-clickstack", component: "standalone-collector" };
const MONGODB = { app: "my-clickstack-mongodb-svc" };
const zoneAndNode = (labels: Record<string, string>) => [
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
];

describe("highAvailability config", () => {
    it("the switch alone gives the sound layout", () => {
        expect(parseStackConfig(HA).highAvailability).toEqual({
            clickhouseReplicas: 2, keeperReplicas: 3, mongodbMembers: 3, hyperdxReplicas: 2, gatewayReplicas: 2, gatewayMaxReplicas: 6, zoneKey: "topology.kubernetes.io/zone",
        });
        expect(HA_DEFAULTS.keeperReplicas % 2).toBe(1);
    });

    it("is off by default and when enabled is false", () => {
        expect(parseStackConfig({}).highAvailability).toBeUndefined();
        expect(parseStackConfig({ highAvailability: { enabled: "false" } }).highAvailability).toBeUndefined();
    });

    it("takes overrides, and zoneKey \"\" for nodes only", () => {
        expect(parseStackConfig({ highAvailability: { enabled: "true", keeperReplicas: "5", gatewayMaxReplicas: 10, zoneKey: "" } }).highAvailability)
            .toMatchObject({ keeperReplicas: 5, gatewayMaxReplicas: 10, zoneKey: undefined });
    });

    it.each([
        ["an even Keeper count", { enabled: true, keeperReplicas: 4 }, "mode self-hosted",
            "highAvailability.keeperReplicas is 4; it must be odd (1, 3 or 5): Keeper needs a majority to work, and 4 replicas survive no more losses than 3; set 3 or 5 (given: 4)"],
        ["replicated ClickHouse with one Keeper", { enabled: true, keeperReplicas: 1 }, "mode self-hosted",
            "highAvailability.keeperReplicas is 1 with 2 ClickHouse replicas; replication needs 3 Keepers: with one, losing its node stops every insert and all replication; set keeperReplicas to 3 (given: 1)"],
        ["an even MongoDB member count", { enabled: true, mongodbMembers: 2 }, "mode self-hosted",
            "highAvailability.mongodbMembers is 2; it must be odd (1, 3 or 5): a replica set elects a primary only with a majority, and 2 members survive no more losses than 1; set 1 or 3 (given: 2)"],
        ["an autoscaler ceiling below its floor", { enabled: true, gatewayReplicas: 4, gatewayMaxReplicas: 3 }, "mode self-hosted",
            "highAvailability.gatewayMaxReplicas is 3, below gatewayReplicas 4; the autoscaler's ceiling must be at least its floor (given: 3)"],
        ["an override without the switch", { hyperdxReplicas: 3 }, "mode self-hosted",
            "highAvailability.hyperdxReplicas has no effect unless highAvailability.enabled is true; set enabled: true, or remove it (given: 3)"],
        ["a zone key that is no label key", { enabled: true, zoneKey: "my zone" }, "mode self-hosted",
            "highAvailability.zoneKey must be a node label key such as topology.kubernetes.io/zone, or \"\" to spread across nodes only (given: \"my zone\")"],
        ["a fraction", { enabled: true, hyperdxReplicas: 1.5 }, "mode self-hosted", "highAvailability.hyperdxReplicas must be a whole number (given: 1.5)"],
        ["zero", { enabled: true, gatewayReplicas: 0 }, "mode self-hosted", "highAvailability.gatewayReplicas must be at least 1 (given: 0)"],
        ["too many MongoDB members", { enabled: true, mongodbMembers: 9 }, "mode self-hosted", "highAvailability.mongodbMembers must be at most 7 (given: 9)"],
        ["an unknown key", { enabled: true, shards: 2 }, "mode self-hosted",
            "highAvailability unknown key(s) shards; allowed: enabled, zoneKey, clickhouseReplicas, keeperReplicas, mongodbMembers, hyperdxReplicas, gatewayReplicas, gatewayMaxReplicas (given: {\"enabled\":true,\"shards\":2})"],
    ])("%s is refused with the reason and the fix", (_, highAvailability, __, expected) => {
        expect(problems({ highAvailability })).toEqual([expected]);
    });

    it("ClickHouse and Keeper counts do not apply to a managed stack; the rest does", () => {
        const managed = { mode: "managed", clickhouseUrl: "https://abc.eu-west-1.aws.clickhouse.cloud:8443", clickhousePassword: "pw" };
        expect(problems({ ...managed, highAvailability: { enabled: true, clickhouseReplicas: 3, keeperReplicas: 3 } })).toEqual([
            "highAvailability.clickhouseReplicas does not apply when mode is managed: ClickHouse Cloud runs and replicates ClickHouse; remove it (given: 3)",
            "highAvailability.keeperReplicas does not apply when mode is managed: ClickHouse Cloud runs and replicates ClickHouse; remove it (given: 3)",
        ]);
        expect(parseStackConfig({ ...managed, ...HA }).highAvailability).toMatchObject({ hyperdxReplicas: 2, mongodbMembers: 3 });
    });

    it("an agent stack refuses it", () => {
        expect(problems({ mode: "agent", gatewayEndpoint: "https://otlp.example.com", ingestionApiKey: "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f", ...HA })).toEqual([
            "highAvailability is not allowed when mode is agent: an agent stack runs only the collectors (one per node and one cluster-wide, which must stay single); set it on the central stack (given: {\"enabled\":true})",
        ]);
    });

    it("a refusal comes before any resource", async () => {
        const recorded: Recorded[] = [];
        await expect(runProgram("dev", { highAvailability: { enabled: true, keeperReplicas: 2 } }, recorded)).rejects.toThrow(/keeperReplicas is 2; it must be odd/);
        expect(recorded).toEqual([]);
    });
});

describe("the replicated layout's chart values (dev, self-hosted)", () => {
    let values: Values;
    let single: Values;
    beforeAll(async () => {
        values = valuesOf(await runProgram("dev", HA));
        single = valuesOf(await runProgram("dev"));
    });

    it("HyperDX: two replicas, spread, a budget, and alert checks from the chart's CronJob only", () => {
        expect(values.hyperdx.deployment).toMatchObject({ replicas: 2, topologySpreadConstraints: zoneAndNode(HYPERDX) });
        expect(values.hyperdx.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
        expect(values.hyperdx.config.RUN_SCHEDULED_TASKS_EXTERNALLY).toBe("true");
        expect(values.hyperdx.tasks).toEqual({ enabled: true });
    });

    it("the gateway: autoscaled from 2 to 6 on CPU, spread, a budget, updates that add before they remove", () => {
        expect(values["otel-collector"]).toMatchObject({
            replicaCount: 2,
            autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 80 },
            podDisruptionBudget: { enabled: true, minAvailable: 1 },
            topologySpreadConstraints: zoneAndNode(GATEWAY),
            rollout: { rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        });
        // The autoscaler needs a CPU request to compute utilization: the size's, as without the layout.
        expect(values["otel-collector"].resources.requests.cpu).toMatch(/^[0-9]+m?$/);
        expect(values["otel-collector"].resources).toEqual(single["otel-collector"].resources);
    });

    it("MongoDB: three members, spread, and a budget that keeps the majority (the operator writes none)", () => {
        expect(values.mongodb.spec.members).toBe(3);
        expect(values.mongodb.spec.statefulSet.spec.template.spec.topologySpreadConstraints).toEqual(zoneAndNode(MONGODB));
        // The values file's container resources are still there next to the spread.
        expect(values.mongodb.spec.statefulSet.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(["mongod", "mongodb-agent"]);
        expect(values.additionalManifests).toEqual([{
            apiVersion: "policy/v1", kind: "PodDisruptionBudget",
            metadata: { name: "my-clickstack-mongodb", namespace: "{{ .Release.Namespace }}" },
            spec: { minAvailable: 2, selector: { matchLabels: MONGODB } },
        }]);
    });

    it("ClickHouse 2 replicas and Keeper 3, each with the operator's zone and node spread; sizing unchanged", () => {
        const spread = { topologyZoneKey: "topology.kubernetes.io/zone", nodeHostnameKey: "kubernetes.io/hostname" };
        expect(values.clickhouse.cluster.spec).toMatchObject({ replicas: 2, podTemplate: spread });
        expect(values.clickhouse.keeper.spec).toMatchObject({ replicas: 3, podTemplate: spread });
        // Each replica gets what the one replica gets without the layout.
        expect(values.clickhouse.cluster.spec.containerTemplate.resources).toEqual(single.clickhouse.cluster.spec.containerTemplate.resources);
        expect(values.clickhouse.keeper.spec.containerTemplate.resources).toEqual(single.clickhouse.keeper.spec.containerTemplate.resources);
    });

    it("zoneKey \"\": spread across nodes only, for clusters without zone labels", async () => {
        const v = valuesOf(await runProgram("dev", { highAvailability: { enabled: true, zoneKey: "" } }));
        expect(v.hyperdx.deployment.topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey)).toEqual(["kubernetes.io/hostname"]);
        expect(v.clickhouse.keeper.spec.podTemplate).toEqual({ nodeHostnameKey: "kubernetes.io/hostname" });
    });

    it("a single-replica override gets no budget: one that keeps its only pod would block every drain", async () => {
        const v = valuesOf(await runProgram("dev", { highAvailability: { enabled: true, hyperdxReplicas: 1, mongodbMembers: 1 } }));
        expect(v.hyperdx.podDisruptionBudget.enabled).toBe(false);
        expect(v.additionalManifests).toBeUndefined();
    });
});

describe("what the replicated layout leaves alone", () => {
    it("the default dev stack keeps one of everything and the in-pod alert checks", async () => {
        const v = valuesOf(await runProgram("dev"));
        expect([v.hyperdx.deployment.replicas, v.hyperdx.tasks, v.hyperdx.config.RUN_SCHEDULED_TASKS_EXTERNALLY, v["otel-collector"].autoscaling, v.additionalManifests])
            .toEqual([undefined, undefined, undefined, undefined, undefined]);
        expect(v.clickhouse.cluster.spec.replicas).toBeUndefined();
    });

    it("a managed stack replicates HyperDX, MongoDB and the gateway, and gives the (disabled) ClickHouse nothing", async () => {
        const v = valuesOf(await runProgram("prod", HA));
        expect([v.hyperdx.deployment.replicas, v.mongodb.spec.members, v["otel-collector"].replicaCount]).toEqual([2, 3, 2]);
        expect(v.clickhouse).toEqual({ enabled: false });
    });
});

describe("helpers", () => {
    it("majority", () => expect([1, 2, 3, 4, 5, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4]));
    it("spread constraints copy the labels (values must not share objects)", () => {
        const labels = { app: "x" };
        const [zone, node] = spreadConstraints(labels, "zone");
        expect(zone.labelSelector.matchLabels).not.toBe(labels);
        expect([zone.topologyKey, node.topologyKey]).toEqual(["zone", "kubernetes.io/hostname"]);
    });
});

describe("the capacity plan per replica", () => {
    it("each replica gets the plan's CPU, memory and disk; the totals count every replica; the ceiling is named", () => {
        const plan = parseStackConfig({ ...HA, capacity: { ingestMBps: 5 } }).capacityPlan!;
        expect([plan.replicas, plan.cpu.value, plan.memoryGi.value, plan.dataSizeGi.value]).toEqual([2, 2, 8, 1646]);
        expect(plan.total).toEqual({ cpu: 4, memoryGi: 16, dataSizeGi: 3292 });
        // (64 vCPU − 1 for queries) × 10 MB/s ÷ 2 = 315 MB/s
        expect(plan.ceiling.ingestMBps).toBe(315);
        expect(plan.ceiling.formula).toMatch(/bigger node or Managed ClickStack/);
        // The volume each replica claims is the per-replica size.
        expect(parseStackConfig({ ...HA, capacity: { ingestMBps: 5 } }).clickhouseDataSize).toBe("1646Gi");
    });

    it("a single-replica plan counts one", () => {
        const plan = parseStackConfig({ capacity: { ingestMBps: 5 } }).capacityPlan!;
        expect([plan.replicas, plan.total.dataSizeGi]).toEqual([1, plan.dataSizeGi.value]);
    });
});
