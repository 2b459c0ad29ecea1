// The content packs (components/content/packs/): every definition is a valid v2 request body at @hyperdx/api
// 2.30.1 (schemas written from the source, test/schemas/hyperdx-v2.ts), every metric is one the
// collectors' receivers emit and have enabled (test/fixtures/collector-metrics.yaml, read from the
// receivers' metadata), and a pack that contradicts itself is refused.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { checkPack, definedAlerts, KEY_PATTERN, PACK_NAMES, PACKS, renderContent } from "../../components/content/packs";
import { kubernetesPack, WARNING_EVENTS } from "../../components/content/packs/kubernetes";
import { pipelinePack } from "../../components/content/packs/pipeline";
import { SelectItem } from "../../components/content/packs/types";
import { sendingQueueSize } from "../../components/collectors/collectors";
import { loadValuesFile, loadValuesObject } from "../../components/common/values-file";
import { ROOT } from "../root";
import { alertBody, createDashboardBody, savedSearchBody, updateDashboardBody } from "../schemas/hyperdx-v2";

const SOURCE_ID = "0123456789abcdef01234567";
const CLUSTERS = ["dev", "edge-1"];
const packs = PACK_NAMES.map((name) => [name, PACKS[name](CLUSTERS)] as const);

interface MetricInfo { type: string; enabled: boolean }
const FIXTURE = yaml.load(fs.readFileSync(path.join(ROOT, "test", "fixtures", "collector-metrics.yaml"), "utf8")) as
    { kubeletstats: Record<string, MetricInfo>; k8s_cluster: Record<string, MetricInfo>; k8s_cluster_dynamic: Record<string, string>; collector: Record<string, MetricInfo> };

/** Metrics the collectors send: enabled by default, or enabled in our values; plus the k8s_cluster names our values ask for. */
function sentMetrics(): Map<string, string> {
    const daemonset = loadValuesObject(path.join(ROOT, "components", "collectors", "k8s-daemonset.yaml")) as { config: { receivers: { kubeletstats: { metrics: Record<string, { enabled: boolean }> } } } };
    const deployment = loadValuesObject(path.join(ROOT, "components", "collectors", "k8s-deployment.yaml")) as { config: { receivers: { k8s_cluster: { node_conditions_to_report: string[]; allocatable_types_to_report: string[] } } } };
    const enabledHere = daemonset.config.receivers.kubeletstats.metrics;
    const sent = new Map<string, string>();
    for (const [name, m] of Object.entries(FIXTURE.kubeletstats)) if (m.enabled || enabledHere[name]?.enabled) sent.set(name, m.type);
    for (const [name, m] of Object.entries(FIXTURE.k8s_cluster)) if (m.enabled) sent.set(name, m.type);
    for (const [name, m] of Object.entries(FIXTURE.collector)) if (m.enabled) sent.set(name, m.type);
    const k8sCluster = deployment.config.receivers.k8s_cluster;
    // internal/node/nodes.go: "k8s.node.condition_" + strcase.ToSnake(type), "k8s.node.allocatable_" + ToSnake(type)
    for (const c of k8sCluster.node_conditions_to_report) sent.set(`k8s.node.condition_${c.toLowerCase()}`, FIXTURE.k8s_cluster_dynamic["k8s.node.condition_"]);
    for (const a of k8sCluster.allocatable_types_to_report) sent.set(`k8s.node.allocatable_${a.toLowerCase()}`, FIXTURE.k8s_cluster_dynamic["k8s.node.allocatable_"]);
    return sent;
}

const normalized = (s: SelectItem) => ({ ...s, where: s.where ?? "", whereLanguage: s.whereLanguage ?? "lucene" });

describe.each(packs)("pack %s", (_name, pack) => {
    test("dashboards are valid create and update bodies", () => {
        for (const d of pack.dashboards) {
            const tiles = d.tiles.map((t) => ({ name: t.name, x: t.x, y: t.y, w: t.w, h: t.h, config: { ...t.config, source: undefined, sourceId: SOURCE_ID, select: t.config.select.map(normalized) } }));
            for (const tile of tiles) delete (tile.config as { source?: string }).source;
            const filters = (d.filters ?? []).map((f) => ({ type: "QUERY_EXPRESSION", name: f.name, expression: f.expression, sourceMetricType: f.sourceMetricType, sourceId: SOURCE_ID }));
            const body = { name: d.name, tags: ["clickstack-k8s", `clickstack-k8s/${d.key}`], tiles, filters };
            expect(createDashboardBody.safeParse(body).error?.issues).toBeUndefined();
            expect(updateDashboardBody.safeParse({ ...body, filters: filters.map((f, i) => ({ id: `f${i}`, ...f })) }).error?.issues).toBeUndefined();
            // Tiles stay on the 24-column grid and do not overlap.
            for (const [i, a] of d.tiles.entries()) {
                expect(a.x + a.w).toBeLessThanOrEqual(24);
                for (const b of d.tiles.slice(i + 1)) {
                    const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
                    expect(overlap ? `${a.name} overlaps ${b.name}` : "").toBe("");
                }
            }
        }
    });

    test("saved searches and alerts are valid bodies", () => {
        for (const s of pack.savedSearches) {
            expect(savedSearchBody.safeParse({ name: s.name, sourceId: SOURCE_ID, where: s.where, whereLanguage: s.whereLanguage, tags: ["clickstack-k8s", `clickstack-k8s/${s.key}`] }).error?.issues).toBeUndefined();
            expect(s.key).toMatch(KEY_PATTERN);
        }
        for (const a of pack.alerts) {
            const target = "dashboard" in a.on ? { source: "tile", dashboardId: SOURCE_ID, tileId: SOURCE_ID } : { source: "saved_search", savedSearchId: SOURCE_ID };
            const fields = { name: a.name, message: a.message, interval: a.interval, threshold: a.threshold, thresholdType: a.thresholdType, thresholdMax: a.thresholdMax, numConsecutiveWindows: a.numConsecutiveWindows };
            expect(alertBody.safeParse({ ...fields, ...target, note: `Managed by clickstack-k8s (key ${a.key})`, channel: { type: "webhook", webhookId: SOURCE_ID } }).error?.issues).toBeUndefined();
            // Each message says where to look, not only what happened.
            expect(a.message.length).toBeGreaterThan(80);
        }
    });

    test("every metric is one the collectors send, with the table (gauge or sum) it lands in", () => {
        const sent = sentMetrics();
        const used = pack.dashboards.flatMap((d) => d.tiles.flatMap((t) => t.config.select)).filter((s) => s.metricName !== undefined);
        expect(used.length).toBeGreaterThan(0);
        for (const s of used) {
            expect(`${s.metricName}: ${sent.get(s.metricName!) ?? "not sent"}`).toBe(`${s.metricName}: ${s.metricType}`);
            // increase is for counters (sums) only (common-utils AggregateFunctionSchema).
            if (s.aggFn === "increase") expect(s.metricType).toBe("sum");
        }
    });
});

describe("the sources the packs name are the ones this stack gives HyperDX (values/hyperdx-sources.yaml)", () => {
    const sources = loadValuesFile(path.join(ROOT, "components", "clickstack", "hyperdx-sources.yaml")) as { name: string; kind: string; eventAttributesExpression?: string }[];
    const kind = new Map(sources.map((s) => [s.name, s.kind]));
    test.each(packs)("pack %s", (_name, pack) => {
        for (const d of pack.dashboards) {
            for (const t of d.tiles) {
                // A metric series needs the metric source; a log series a log source.
                expect(`${t.name}: ${kind.get(t.config.source)}`).toBe(`${t.name}: ${t.config.select.some((s) => s.metricName) ? "metric" : "log"}`);
            }
            for (const f of d.filters ?? []) expect(kind.get(f.source)).toBe("metric");
        }
        for (const s of pack.savedSearches) expect(kind.get(s.source)).toBe("log");
    });
    test("warning events are read from the Logs source's event attributes, as HyperDX's Kubernetes page reads an event's type", () => {
        const attributes = sources.find((s) => s.name === "Logs")!.eventAttributesExpression;
        // KubernetesDashboardPage.tsx: Severity = JSONExtractString(<eventAttributesExpression>['object'], 'type') for Map attributes.
        expect(WARNING_EVENTS).toContain(`JSONExtractString(${attributes}['object'], 'type') = 'Warning'`);
        expect(WARNING_EVENTS).toContain(`${attributes}['k8s.resource.name'] = 'events'`);
    });
});

describe("the default packs", () => {
    test("Kubernetes: what the issue asks for, per cluster", () => {
        const pack = kubernetesPack(CLUSTERS);
        const metrics = new Set(pack.dashboards[0].tiles.flatMap((t) => t.config.select.map((s) => s.metricName)));
        for (const m of ["k8s.pod.cpu_limit_utilization", "k8s.pod.memory_limit_utilization", "k8s.node.cpu.usage", "k8s.node.memory.working_set", "k8s.container.restarts", "k8s.pod.phase", "k8s.node.condition_ready"]) {
            expect(metrics).toContain(m);
        }
        expect(pack.dashboards[0].filters?.map((f) => f.expression)).toEqual(["ResourceAttributes['k8s.cluster.name']"]);
        expect(pack.alerts.map((a) => a.key)).toEqual(["k8s-restarts", "k8s-pods-not-running", "k8s-node-not-ready", "k8s-warning-events", "k8s-no-data-dev", "k8s-no-data-edge-1"]);
        // "No data for 10 minutes": two 5-minute windows below 1, on a tile filtered to that cluster.
        const noData = pack.alerts.find((a) => a.key === "k8s-no-data-edge-1")!;
        expect([noData.interval, noData.numConsecutiveWindows, noData.thresholdType, noData.threshold]).toEqual(["5m", 2, "below", 1]);
        const tile = pack.dashboards[0].tiles.find((t) => "tile" in noData.on && t.name === noData.on.tile)!;
        expect(tile.config.select[0].where).toBe('ResourceAttributes.k8s.cluster.name:"edge-1"');
        expect(pack.savedSearches[0].where).toBe(WARNING_EVENTS);
    });

    test("pipeline: the queue alert follows the collectors' queue size", () => {
        const size = sendingQueueSize();
        expect(size).toBe((loadValuesObject(path.join(ROOT, "components", "collectors", "k8s-common.yaml")) as { config: { exporters: { otlphttp: { sending_queue: { queue_size: number } } } } }).config.exporters.otlphttp.sending_queue.queue_size);
        expect(pipelinePack(size).alerts.find((a) => a.key === "pipeline-queue-full")!.threshold).toBe(Math.floor(size * 0.8));
        expect(pipelinePack(5000).alerts.find((a) => a.key === "pipeline-queue-full")!.threshold).toBe(4000);
        // An alert's tile has one series: HyperDX compares each series with the threshold.
        const pack = pipelinePack(size);
        for (const a of pack.alerts) {
            const tile = pack.dashboards[0].tiles.find((t) => "tile" in a.on && t.name === a.on.tile)!;
            expect(tile.config.select).toHaveLength(1);
        }
    });
});

describe("renderContent", () => {
    const webhooks = [{ name: "platform-slack", service: "slack" as const }];

    test("every alert gets the channel; without one, no alert (HyperDX requires a channel)", () => {
        const doc = renderContent({ packs: ["kubernetes", "pipeline"], clusters: ["dev"], webhooks, channel: "platform-slack" });
        expect(doc.alerts.length).toBe(definedAlerts({ packs: ["kubernetes", "pipeline"], clusters: ["dev"], webhooks }));
        expect(new Set(doc.alerts.map((a) => a.channel))).toEqual(new Set(["platform-slack"]));
        const none = renderContent({ packs: ["kubernetes"], clusters: ["dev"], webhooks: [] });
        expect(none.alerts).toEqual([]);
        expect(none.dashboards.map((d) => d.key)).toEqual(["kubernetes"]);
    });

    test("no pack: an empty document (the Job then deletes what it made)", () => {
        const doc = renderContent({ packs: [], clusters: ["dev"], webhooks });
        expect([doc.dashboards, doc.savedSearches, doc.alerts]).toEqual([[], [], []]);
        expect(doc.webhooks).toEqual(webhooks);
    });

    test("a tile HyperDX would refuse is refused here first: count with a valueExpression, another aggregation without one", () => {
        const tile = (select: SelectItem[]) => ({ name: "t", x: 0, y: 0, w: 6, h: 3, config: { displayType: "line" as const, source: "Logs" as const, select } });
        const dashboard = { key: "d", name: "D", tiles: [tile([{ aggFn: "count", valueExpression: "Body" }, { aggFn: "max" }])] };
        expect(() => checkPack([], [dashboard], [])).toThrow(
            "Content packs contradict themselves:\n  - dashboard d tile \"t\" select 0: count takes no valueExpression\n  - dashboard d tile \"t\" select 1: max needs a valueExpression");
        expect(() => checkPack([], [{ ...dashboard, tiles: [tile([{ aggFn: "count" }, { aggFn: "max", valueExpression: "Value" }])] }], [])).not.toThrow();
    });

    test("a channel that is not a webhook is refused", () => {
        expect(() => renderContent({ packs: ["pipeline"], clusters: ["dev"], webhooks, channel: "pager" }))
            .toThrow("alert channel pager is not one of the webhooks (platform-slack)");
    });
});
