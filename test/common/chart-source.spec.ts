// `chartSource`: where every chart comes from. Bad values are refused before any resource with the
// key, the value and what is allowed; a local folder must hold each chart at exactly the pinned version.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig } from "../../config";
import { chartLocation, parseChartSource } from "../../components/common/chart-source";
import { CLICKSTACK_CHART, OPERATORS_CHART } from "../../components/clickstack/names";
import { COLLECTOR_CHART } from "../../components/collectors/collectors";
import { configProblems, runProgram, T } from "../harness";

const problems = configProblems;

/** A folder with the three charts as `<folder>/<name>/Chart.yaml`, versions overridable. */
function chartFolder(versions: Partial<Record<string, string>> = {}, omit: string[] = []): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-"));
    for (const c of [OPERATORS_CHART, CLICKSTACK_CHART, COLLECTOR_CHART].filter((c) => !omit.includes(c.chart))) {
        fs.mkdirSync(path.join(dir, c.chart));
        fs.writeFileSync(path.join(dir, c.chart, "Chart.yaml"), `apiVersion: v2\nname: ${c.chart}\nversion: ${versions[c.chart] ?? c.version}\n`);
    }
    return dir;
}

describe("chartSource: bad values are refused with the key, the value and what is allowed", () => {
    const cases: [string, string, RegExp][] = [
        ["a relative folder", "charts/mirror", /^chartSource must be a Helm repository URL \(https:\/\/…\), an OCI registry path \(oci:\/\/…\) or an absolute folder path .* \(given: "charts\/mirror"\)$/],
        ["http:// to a public host", "http://charts.example.com/mirror", /^chartSource may use http:\/\/ only to a loopback or cluster-local host .* \(given: "http:\/\/charts.example.com\/mirror"\)$/],
        ["another scheme", "ftp://charts.example.com", /^chartSource must be a Helm repository URL .* \(given: "ftp:\/\/charts.example.com"\)$/],
    ];
    it.each(cases)("%s", (_, value, expected) => {
        expect(problems({ chartSource: value })).toEqual([expect.stringMatching(expected)]);
    });

    it("a folder without one of the charts", () => {
        const dir = chartFolder({}, [CLICKSTACK_CHART.chart]);
        expect(problems({ chartSource: dir })).toEqual([
            `chartSource has no chart clickstack (expected ${dir}/clickstack/Chart.yaml, the unpacked chart at version ${CLICKSTACK_CHART.version}) (given: "${dir}")`,
        ]);
    });

    it("a folder whose chart is at another version than the pin", () => {
        const dir = chartFolder({ [COLLECTOR_CHART.chart]: "0.171.0" });
        expect(problems({ chartSource: dir })).toEqual([
            `chartSource holds opentelemetry-collector 0.171.0; the pinned version is ${COLLECTOR_CHART.version} (given: "${dir}")`,
        ]);
    });

    it("a folder checked against chartVersions when they override the pins", () => {
        const dir = chartFolder();
        expect(problems({ chartSource: dir, chartVersions: { clickstack: "3.0.3" } })).toEqual([
            expect.stringMatching(/^chartSource holds clickstack 3.0.2; the pinned version is 3.0.3/),
        ]);
    });

    it("an agent stack needs only the collector chart in the folder", () => {
        const dir = chartFolder({}, [CLICKSTACK_CHART.chart, OPERATORS_CHART.chart]);
        const agent = { mode: "agent", gatewayEndpoint: "https://otlp.example.com", ingestionApiKey: "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f" };
        expect(problems({ ...agent, chartSource: dir })).toEqual([]);
    });
});

describe("chartSourceOverrides: one chart from elsewhere", () => {
    it("replaces chartSource for that chart only", () => {
        const dir = chartFolder();
        const sources = parseStackConfig({ chartSource: dir, chartSourceOverrides: { otelCollector: "oci://registry.internal/helm" } }).chartSources;
        expect(sources).toEqual({
            clickstackOperators: { kind: "folder", path: dir }, clickstack: { kind: "folder", path: dir }, otelCollector: { kind: "oci", url: "oci://registry.internal/helm" },
        });
    });

    it("checks an overriding folder for its own chart, and names the override", () => {
        const dir = chartFolder({}, [COLLECTOR_CHART.chart]);
        expect(problems({ chartSourceOverrides: { otelCollector: dir } })).toEqual([
            expect.stringMatching(/^chartSourceOverrides.otelCollector has no chart opentelemetry-collector/),
        ]);
        // The folder lacks only the collector chart: fine for the two charts it serves.
        expect(problems({ chartSource: dir, chartSourceOverrides: { otelCollector: "https://open-telemetry.github.io/opentelemetry-helm-charts" } })).toEqual([]);
    });

    it("refuses a bad value and an unknown chart with the key and what is allowed", () => {
        expect(problems({ chartSourceOverrides: { clickstack: "charts/here" } })).toEqual([expect.stringMatching(/^chartSourceOverrides.clickstack must be a Helm repository URL .* \(given: "charts\/here"\)$/)]);
        expect(problems({ chartSourceOverrides: { hyperdx: "oci://x.example.com/h" } })).toEqual([expect.stringMatching(/^chartSourceOverrides unknown key\(s\) hyperdx; allowed: clickstackOperators, clickstack, otelCollector/)]);
    });
});

describe("chartSource: accepted values and where each chart is then found", () => {
    const pinned = { repo: "https://clickhouse.github.io/ClickStack-helm-charts", chart: "clickstack" };

    it('"" keeps every chart on its upstream repository', () => {
        expect(parseStackConfig({}).chartSources.clickstack).toEqual({ kind: "upstream" });
        expect(chartLocation({ kind: "upstream" }, pinned, "3.0.2")).toEqual({ chart: "clickstack", version: "3.0.2", repositoryOpts: { repo: pinned.repo } });
    });

    it("a mirror repository (https, or http to loopback or a cluster-local Service) replaces every repository", () => {
        for (const url of ["https://charts.internal/mirror", "http://127.0.0.1:8879", "http://localhost:8879", "http://chartmuseum.tools.svc:8080"]) {
            const source = parseStackConfig({ chartSource: url }).chartSources.clickstack;
            expect(source).toEqual({ kind: "repository", url });
            expect(chartLocation(source, pinned, "3.0.2")).toEqual({ chart: "clickstack", version: "3.0.2", repositoryOpts: { repo: url } });
        }
    });

    it("an OCI registry path names each chart under it, version pinned", () => {
        const source = parseChartSource("oci://registry.internal/helm/");
        expect(chartLocation(source as never, pinned, "3.0.2")).toEqual({ chart: "oci://registry.internal/helm/clickstack", version: "3.0.2" });
    });

    it("a local folder gives each chart's absolute path (its version was checked from Chart.yaml)", () => {
        const dir = chartFolder();
        const source = parseStackConfig({ chartSource: dir }).chartSources.clickstack;
        expect(chartLocation(source, pinned, "3.0.2")).toEqual({ chart: path.join(dir, "clickstack") });
    });
});

describe.each(["dev", "prod"] as const)("the %s stack under mocks: every chart follows chartSource", (stack) => {
    const charts = [OPERATORS_CHART.chart, CLICKSTACK_CHART.chart, "collectors-deployment", "collectors-daemonset"];

    it("a mirror repository: the same chart names and pinned versions, the mirror's URL", async () => {
        const run = await runProgram(stack, { chartSource: "https://charts.internal/mirror" });
        const recorded = run.ofType(T.chart);
        expect(recorded.map((c) => c.name).sort()).toEqual([...charts].sort());
        for (const c of recorded) {
            expect(c.plain.repositoryOpts).toEqual({ repo: "https://charts.internal/mirror" });
            expect(c.plain.version).toMatch(/^[0-9]+\.[0-9]+\.[0-9]+$/);
        }
    });

    it("a local folder: each chart from its absolute path there, no repository", async () => {
        const dir = chartFolder();
        const run = await runProgram(stack, { chartSource: dir });
        const byName = Object.fromEntries(run.ofType(T.chart).map((c) => [c.name, c.plain]));
        expect(byName[OPERATORS_CHART.chart]).toMatchObject({ chart: path.join(dir, OPERATORS_CHART.chart) });
        expect(byName[CLICKSTACK_CHART.chart]).toMatchObject({ chart: path.join(dir, CLICKSTACK_CHART.chart) });
        expect(byName["collectors-daemonset"]).toMatchObject({ chart: path.join(dir, COLLECTOR_CHART.chart) });
        for (const c of Object.values(byName)) expect(c.repositoryOpts).toBeUndefined();
    });
});
