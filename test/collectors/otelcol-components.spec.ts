// Issue 23: the collector the e2e builds (e2e/otelcol-builder.yaml) has every component the collectors'
// rendered configs name, and nothing they and the gateway stand-in do not use. The rendered configs are
// test/fixtures/collector-configs.yaml (real Helm, real chart), checked against today's values by hash
// (test/collectors/rendered-values.ts).
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../root";
import { renderedValues, valuesHash } from "./rendered-values";

type Kind = "receivers" | "processors" | "exporters" | "extensions";
const KINDS: Kind[] = ["receivers", "processors", "exporters", "extensions"];

/** Each built module's component type, as its factory registers it (type names at collector 0.152.0). */
const TYPE_OF_MODULE: Record<string, string> = {
    k8sclusterreceiver: "k8s_cluster", k8sobjectsreceiver: "k8sobjects", kubeletstatsreceiver: "kubeletstats",
    filelogreceiver: "file_log", hostmetricsreceiver: "hostmetrics", otlpreceiver: "otlp", prometheusreceiver: "prometheus",
    k8sattributesprocessor: "k8s_attributes", resourceprocessor: "resource", memorylimiterprocessor: "memory_limiter", batchprocessor: "batch", transformprocessor: "transform",
    otlphttpexporter: "otlphttp", debugexporter: "debug", fileexporter: "file",
    healthcheckextension: "health_check", bearertokenauthextension: "bearertokenauth",
};
/** What the gateway stand-in (e2e/telemetry.ts) uses on top of the collectors' configs. */
const GATEWAY: Record<Kind, string[]> = { receivers: ["otlp"], processors: [], exporters: ["file"], extensions: ["bearertokenauth", "health_check"] };

const manifest = yaml.load(fs.readFileSync(path.join(ROOT, "e2e", "otelcol-builder.yaml"), "utf8")) as Record<Kind, { gomod: string }[]>;
const fixtureText = fs.readFileSync(path.join(ROOT, "test", "fixtures", "collector-configs.yaml"), "utf8");
const rendered = (yaml.loadAll(fixtureText) as ({ kind: string; relay: Record<string, unknown> } | null)[]).filter((d) => d !== null);

/**
 * The component types a config declares (`type/name` → type). The collector refuses a config that
 * declares an unknown type even where no pipeline uses it (the chart declares `debug`), so every
 * declared one counts; and every one a pipeline or service.extensions names is declared.
 */
function used(config: Record<string, unknown>): Record<Kind, Set<string>> {
    const service = config.service as { extensions?: string[]; pipelines: Record<string, Partial<Record<Kind, string[]>>> };
    const type = (id: string) => id.split("/")[0];
    const declared = Object.fromEntries(KINDS.map((k) => [k, Object.keys((config[k] ?? {}) as object)])) as Record<Kind, string[]>;
    for (const p of Object.values(service.pipelines)) for (const k of ["receivers", "processors", "exporters"] as const) for (const id of p[k] ?? []) expect(declared[k]).toContain(id);
    for (const id of service.extensions ?? []) expect(declared.extensions).toContain(id);
    return Object.fromEntries(KINDS.map((k) => [k, new Set(declared[k].map(type))])) as Record<Kind, Set<string>>;
}

describe("the e2e collector's components", () => {
    it("the fixture is of today's values (re-render it when they change)", () => {
        for (const kind of ["daemonset", "deployment"] as const) {
            expect([kind, new RegExp(`values-sha256 ${kind}: ([0-9a-f]{64})`).exec(fixtureText)?.[1]])
                .toEqual([kind, valuesHash(renderedValues(kind))]);
        }
        expect(rendered.map((d) => d.kind)).toEqual(["daemonset", "deployment"]);
    });

    it("every module of the manifest has a known type, and the manifest builds exactly what the configs and the gateway stand-in use", () => {
        const built = Object.fromEntries(KINDS.map((k) => [k, (manifest[k] ?? []).map((m) => {
            const module = m.gomod.split(" ")[0].split("/").pop()!;
            expect([module, TYPE_OF_MODULE[module]]).toEqual([module, expect.any(String)]);
            return TYPE_OF_MODULE[module];
        }).sort()]));
        const needed = Object.fromEntries(KINDS.map((k) => [k, [...new Set([...rendered.flatMap((d) => [...used(d.relay)[k]]), ...GATEWAY[k]])].sort()]));
        expect(built).toEqual(needed);
    });

    it("every module is pinned to the one OTELCOL_VERSION of e2e/versions.env", () => {
        expect(fs.readFileSync(path.join(ROOT, "e2e", "versions.env"), "utf8")).toMatch(/^OTELCOL_VERSION=v0\.\d+\.\d+$/m);
        for (const k of KINDS) for (const m of manifest[k] ?? []) expect(m.gomod).toMatch(/ @VERSION@$/);
    });
});
