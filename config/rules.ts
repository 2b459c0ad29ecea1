// The rules that span features: each slice checks its own keys (components/<feature>/config.ts);
// these involve several, and run after them, on the whole parsed config.
import { bootstrapSet } from "../components/bootstrap/config";
import { selfHostedResourceProblems } from "../components/clickstack/values";
import { CLICKSTACK_CHART, OPERATORS_CHART } from "../components/clickstack/names";
import { chartFolderProblem, parseChartSource } from "../components/common/chart-source";
import { Mode, Problem } from "../components/common/config-slice";
import { COLLECTOR_CHART } from "../components/collectors/collectors";
import { isClusterLocalHttp } from "../components/collectors/config";
import { quantityGi } from "../components/common/quantity";
import { DEFAULT_RETENTION_HOURS, longest, planCapacity } from "../components/retention/capacity";
import { DEFAULTS, RawConfig } from "./keys";

/** The bootstrap Job runs on a central stack unless the key comes from config or it is turned off. */
export const bootstrapRuns = (c: { mode: Mode; bootstrap: { enabled: boolean }; ingestionApiKey?: string }) =>
    c.mode !== "agent" && c.bootstrap.enabled && c.ingestionApiKey === undefined;

/** The rules that span features. */
export function crossFeatureRules(c: RawConfig, problem: Problem): void {
    if (c.mode === "agent") {
        // ClickStack-only keys: an agent stack runs no ClickStack. Keys with a Pulumi.yaml default count when changed.
        const clickstackOnly: [string, boolean][] = [
            ["ingress", c.ingress !== undefined],
            ["otlpIngress", c.otlpIngress !== undefined],
            ["bootstrap", bootstrapSet(c.bootstrap)],
            ["clickhouseUrl", c.clickhouseUrl !== undefined],
            ["clickhousePassword", c.clickhousePassword !== undefined],
            ["clickhouseUser", c.clickhouseUser !== DEFAULTS.clickhouseUser],
            ["clickhouseDataSize", c.clickhouseDataSize !== DEFAULTS.clickhouseDataSize],
            ["storageClass", c.storageClass !== DEFAULTS.storageClass],
            ["retention", Object.values(c.retention).some((hours) => hours !== DEFAULT_RETENTION_HOURS)],
            ["capacity", c.capacity !== undefined],
            // The content lives with the central stack; an agent's collectors still send their own metrics.
            ["content", Object.keys(c.content).length > 0],
            ["alerting", c.alerting !== undefined],
        ];
        for (const [key] of clickstackOnly.filter(([, set]) => set)) {
            problem(key, "is not allowed when mode is agent: an agent stack runs only the collectors and sends to the gateway at gatewayEndpoint; set it on the central stack");
        }
        const workloadEndpoint = c.collectors.enabled && c.collectors.otlpEndpoint;
        if (c.demo.enabled === true && !workloadEndpoint && c.gatewayEndpoint !== undefined && !isClusterLocalHttp(c.gatewayEndpoint)) {
            problem("demo.enabled", "needs the workloads' endpoint (collectors.enabled and collectors.otlpEndpoint) or a cluster-local http:// gatewayEndpoint when mode is agent: the demo's services send plain OTLP to <host>:4317/4318 and cannot reach a TLS endpoint");
        }
    }
    if (c.capacity !== undefined && c.mode === "self-hosted" && c.clickhouseDataSize !== DEFAULTS.clickhouseDataSize) {
        const need = planCapacity(c.capacity, c.retention).dataSizeGi.value;
        const given = quantityGi(c.clickhouseDataSize);
        if (given < need) {
            problem("clickhouseDataSize", `is ${c.clickhouseDataSize} (${Math.floor(given)} GiB), below the ${need} GiB that ${c.capacity.ingestMBps} MB/s kept for ${longest(c.retention) / 24} days needs; shorten retention, lower capacity.ingestMBps, or give more disk (clickhouseDataSize ${need}Gi, or remove it to use the plan)`);
        }
    }
    // What the ClickHouse operator builds from the sizing must be a pod the API server accepts.
    if (c.mode === "self-hosted") {
        const plan = c.capacity === undefined ? undefined : planCapacity(c.capacity, c.retention);
        for (const p of selfHostedResourceProblems(plan && { cpu: plan.cpu.value, memoryGi: plan.memoryGi.value }, c.size)) {
            problem(c.capacity === undefined ? "mode" : "capacity", p);
        }
    }
    // A local folder must hold each chart it serves at exactly the pinned version.
    const charts: { key: keyof RawConfig["chartVersions"]; chart: string; used: boolean }[] = [
        { key: "clickstackOperators", chart: OPERATORS_CHART.chart, used: c.mode !== "agent" },
        { key: "clickstack", chart: CLICKSTACK_CHART.chart, used: c.mode !== "agent" },
        { key: "otelCollector", chart: COLLECTOR_CHART.chart, used: c.collectors.enabled },
    ];
    for (const { key, chart } of charts.filter((ch) => ch.used)) {
        const override = c.chartSourceOverrides[key];
        const source = parseChartSource(override ?? c.chartSource);
        if (typeof source === "string" || source.kind !== "folder") continue;
        const folderProblem = chartFolderProblem(source.path, [{ chart, version: c.chartVersions[key] }]);
        if (folderProblem) problem(override !== undefined ? `chartSourceOverrides.${key}` : "chartSource", folderProblem);
    }
    // The content Job logs in as the bootstrap's admin: without the bootstrap there is none to log in as.
    if (c.mode !== "agent" && !bootstrapRuns(c)) {
        const why = c.ingestionApiKey !== undefined ? "ingestionApiKey is set" : "bootstrap.enabled is false";
        if (c.content.packs?.length || c.content.clusters) problem("content", `needs the bootstrap Job (its admin logs in to apply the packs), which does not run because ${why}; remove content`);
        if (c.alerting !== undefined) problem("alerting", `needs the bootstrap Job (its admin logs in to create the channels and alerts), which does not run because ${why}; remove alerting`);
    }
}
