// Issue 21: the ClickHouse operator fills whatever `containerTemplate.resources` leaves out with its own
// defaults (a CPU limit of 1), and the API server refused the StatefulSet it built from `requests.cpu: 2`.
// Every ClickHouse and Keeper sizing the program produces must give a valid pod after the chart's values
// (Helm merges them under ours) and the operator's defaults (api/v1alpha1/*_types.go WithDefaults).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { deleteOperatorResourcesInBackground } from "../../components/clickstack/clickstack";
import { selfHostedResourceProblems, selfHostedResources } from "../../components/clickstack/values";
import {
    ContainerResources, OPERATOR_RESOURCE_DEFAULTS, operatorResourceProblems, refusals, withOperatorDefaults,
} from "../../components/clickstack/operator-resources";
import { parseQuantity } from "../../components/common/quantity";
import { parseStackConfig, StackConfigError } from "../../config";
import { ROOT, runProgram } from "../harness";

const SHARED = path.join(ROOT, "..", "shared");
const OPERATOR_SOURCE = path.join(SHARED, "sources", "clickhouse-operator", "api", "v1alpha1", "defaults.go");
const CHART_VALUES = path.join(SHARED, "upstream", "clickstack-3.0.2", "values.yaml");
const CHART = "kubernetes:helm.sh/v4:Chart";

/** The chart's own ClickHouse and Keeper resources, which Helm keeps wherever our values leave a key out. */
function chartDefaults(): { clickhouse: ContainerResources; keeper: ContainerResources } {
    if (!fs.existsSync(CHART_VALUES)) {
        process.stdout.write(`operator-resources: ${CHART_VALUES} is absent; the chart's own resources are not merged under ours\n`);
        return { clickhouse: {}, keeper: {} };
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const v = yaml.load(fs.readFileSync(CHART_VALUES, "utf8")) as any;
    return {
        clickhouse: v.clickhouse.cluster.spec.containerTemplate?.resources ?? {},
        keeper: v.clickhouse.keeper.spec.containerTemplate?.resources ?? {},
    };
}

/** Helm's coalesce for two levels of plain maps: ours over the chart's, key by key. */
const overChart = (chart: ContainerResources, ours: ContainerResources): ContainerResources => ({
    requests: { ...chart.requests, ...ours.requests },
    limits: { ...chart.limits, ...ours.limits },
});

describe("the operator's defaulting, as its source applies it", () => {
    it("matches api/v1alpha1/defaults.go of the operator the e2e builds", () => {
        if (!fs.existsSync(OPERATOR_SOURCE)) {
            process.stdout.write(`operator-resources: ${OPERATOR_SOURCE} is absent; the defaults are not compared with the operator's source\n`);
            return;
        }
        const go = fs.readFileSync(OPERATOR_SOURCE, "utf8");
        const constant = (name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]+)"`).exec(go)?.[1];
        for (const [kind, prefix] of [["clickhouse", "DefaultClickHouse"], ["keeper", "DefaultKeeper"]] as const) {
            expect(OPERATOR_RESOURCE_DEFAULTS[kind]).toEqual({
                requests: { cpu: constant(`${prefix}CPURequest`), memory: constant(`${prefix}MemoryRequest`) },
                limits: { cpu: constant(`${prefix}CPULimit`), memory: constant(`${prefix}MemoryLimit`) },
            });
        }
    });

    it("fills each missing key of requests and limits (controllerutil.ApplyDefault on a map), keeping what is given", () => {
        expect(withOperatorDefaults({ requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } }, OPERATOR_RESOURCE_DEFAULTS.clickhouse))
            .toEqual({ requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "1", memory: "8Gi" } });
        expect(withOperatorDefaults({}, OPERATOR_RESOURCE_DEFAULTS.keeper)).toEqual(OPERATOR_RESOURCE_DEFAULTS.keeper);
    });

    it("the sizing main shipped (requests.cpu 2, no CPU limit) is refused as the API server refused it", () => {
        const shipped = { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } };
        expect(refusals(withOperatorDefaults(shipped, OPERATOR_RESOURCE_DEFAULTS.clickhouse)))
            .toEqual(["requests.cpu 2 must be less than or equal to the cpu limit of 1"]);
        expect(operatorResourceProblems("here", "clickhouse", shipped)).toEqual([
            "here: limits.cpu is not set (the ClickHouse operator would default it to 1); state all of requests.cpu, requests.memory, limits.cpu, limits.memory",
            "here: requests.cpu 2 must be less than or equal to the cpu limit of 1; the API server would refuse the ClickHouse StatefulSet's pods",
        ]);
        // A memory request above the default 1Gi limit is the same failure on memory.
        expect(refusals(withOperatorDefaults({ requests: { memory: "2Gi" } }, OPERATOR_RESOURCE_DEFAULTS.keeper)))
            .toEqual(["requests.memory 2Gi must be less than or equal to the memory limit of 1Gi"]);
    });

    it("a values file with main's sizing is refused, naming the file and the key", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "operator-resources-"));
        const file = path.join(dir, "clickstack.yaml");
        fs.writeFileSync(file, yaml.dump({
            clickhouse: {
                cluster: { spec: { containerTemplate: { resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } } } } },
                keeper: { spec: { containerTemplate: { resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } } } } },
            },
        }));
        const problems = selfHostedResourceProblems(undefined, "standard", file);
        expect(problems).toHaveLength(2);
        expect(problems.every((p) => p.includes("clickhouse.cluster.spec.containerTemplate.resources"))).toBe(true);
        expect(problems[1]).toContain("requests.cpu 2 must be less than or equal to the cpu limit of 1");
    });
});

describe("every sizing the program produces is a valid pod after the chart's and the operator's defaults", () => {
    const chart = chartDefaults();
    const effective = (kind: "clickhouse" | "keeper", ours: ContainerResources) =>
        withOperatorDefaults(overChart(chart[kind], ours), OPERATOR_RESOURCE_DEFAULTS[kind]);

    // Today's defaults, and capacity plans from the smallest to ones far past a single node.
    const cases: [string, Record<string, unknown>][] = [
        ["dev (the values file)", {}],
        ["capacity 1 MB/s", { capacity: { ingestMBps: 1 } }],
        ["capacity 20 MB/s, 2 query cores", { capacity: { ingestMBps: 20, queryCores: 2 } }],
        ["capacity 250 MB/s, 16 query cores", { capacity: { ingestMBps: 250, queryCores: 16 } }],
        ["capacity 0.1 MB/s", { capacity: { ingestMBps: 0.1 } }],
    ];
    it.each(cases)("%s", async (_, overrides) => {
        const values = (await runProgram("dev", { ...overrides, clickhouseDataSize: "100Gi" })).find(CHART, "clickstack").plain.values;
        const clickhouse: ContainerResources = values.clickhouse.cluster.spec.containerTemplate.resources;
        const keeper: ContainerResources = values.clickhouse.keeper.spec.containerTemplate.resources;
        for (const [kind, ours] of [["clickhouse", clickhouse], ["keeper", keeper]] as const) {
            // Stated in full, so neither the chart nor the operator decides a figure.
            expect([kind, Object.keys(ours.requests ?? {}).sort(), Object.keys(ours.limits ?? {}).sort()]).toEqual([kind, ["cpu", "memory"], ["cpu", "memory"]]);
            const pod = effective(kind, ours);
            expect(pod).toEqual(withOperatorDefaults(ours, OPERATOR_RESOURCE_DEFAULTS[kind])); // the chart's keys are all overridden
            for (const name of ["cpu", "memory"]) {
                expect([kind, name, parseQuantity(pod.requests[name]) <= parseQuantity(pod.limits[name])]).toEqual([kind, name, true]);
            }
        }
        // ClickHouse: Guaranteed QoS (request = limit for both).
        expect(clickhouse.requests).toEqual(clickhouse.limits);
    });

    it("managed and agent stacks give the operator no ClickHouse or Keeper to build", async () => {
        const prod = await runProgram("prod");
        expect(prod.find(CHART, "clickstack").plain.values.clickhouse).toEqual({ enabled: false });
        const agent = await runProgram("dev", { mode: "agent", gatewayEndpoint: "https://otlp.example.com", ingestionApiKey: "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f", clickhouseDataSize: "100Gi", demo: {} });
        expect(agent.ofType(CHART).map((c) => c.name)).not.toContain("clickstack");
    });

    it("the shipped values file and every plan pass the program's own check, which the config runs before any resource", () => {
        expect(selfHostedResourceProblems()).toEqual([]);
        expect(selfHostedResources().clickhouse).toEqual({ requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "2", memory: "8Gi" } });
        expect(() => parseStackConfig({ capacity: { ingestMBps: "400", queryCores: "32" } })).not.toThrow(StackConfigError);
    });
});

describe("deleting what the operator builds from", () => {
    const transform = (type: string) => deleteOperatorResourcesInBackground({
        custom: true, type, name: "x", opts: {},
        props: { apiVersion: "clickhouse.com/v1alpha1", kind: type.split(":").pop(), metadata: { name: "x", labels: { a: "b" }, annotations: { keep: "me" } }, spec: { replicas: 1 } },
    }) as { props: { metadata: Record<string, unknown>; spec: unknown } } | undefined;

    it("ClickHouseCluster and KeeperCluster are deleted in the background (the operator rebuilds what a foreground deletion waits for)", () => {
        for (const type of ["kubernetes:clickhouse.com/v1alpha1:ClickHouseCluster", "kubernetes:clickhouse.com/v1alpha1:KeeperCluster"]) {
            expect(transform(type)!.props).toEqual({
                apiVersion: "clickhouse.com/v1alpha1", kind: type.split(":").pop(), spec: { replicas: 1 },
                metadata: { name: "x", labels: { a: "b" }, annotations: { keep: "me", "pulumi.com/deletionPropagationPolicy": "background" } },
            });
        }
    });

    it("everything else keeps the provider's foreground deletion", () => {
        for (const type of ["kubernetes:apps/v1:Deployment", "kubernetes:mongodbcommunity.mongodb.com/v1:MongoDBCommunity", "kubernetes:core/v1:Secret"]) expect(transform(type)).toBeUndefined();
    });

    it("the clickstack chart carries the transform (its children are the custom resources)", async () => {
        const run = await runProgram("dev");
        expect(run.find(CHART, "clickstack").transforms).toBe(1);
        expect(run.find(CHART, "clickstack-operators").transforms).toBe(0);
    });
});
