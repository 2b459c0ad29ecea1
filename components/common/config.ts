// Where charts and images come from (air-gapped clusters): the chart versions and sources, a mirror
// registry for every image, and the pull secrets every pod gets. Every feature that installs a chart
// or runs a pod reads this slice.
import { z } from "zod";
import { CLICKSTACK_CHART, OPERATORS_CHART } from "../clickstack/names";
import { ImageSource } from "../clickstack/clickstack-images";
import { COLLECTOR_CHART } from "../collectors/collectors";
import { ChartSource, parseChartSource } from "./chart-source";
import { DNS_SUBDOMAIN, slice } from "./config-slice";

export interface SourcesConfig {
    readonly chartVersions: {
        readonly clickstackOperators: string;
        readonly clickstack: string;
        readonly otelCollector: string;
    };
    /** Where each chart comes from (`chartSource`, then `chartSourceOverrides`): upstream, a mirror repository, an OCI registry or a local folder. */
    readonly chartSources: { readonly clickstackOperators: ChartSource; readonly clickstack: ChartSource; readonly otelCollector: ChartSource };
    /** Where every image comes from (`imageRegistry`), and the pull secrets every pod gets (`imagePullSecrets`). */
    readonly images: ImageSource;
}

const EXACT_SEMVER = /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;
// A registry host (with an optional port) and an optional path, as image references start: no scheme, no tag.
const IMAGE_REGISTRY = /^(localhost|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

const exactVersion = z.string().regex(EXACT_SEMVER, "must be an exact chart version such as 1.2.3 (no ranges)");

/** A chart source: "" (upstream), a repository URL, an oci:// path or an absolute folder. */
const chartSourceSchema = z.string().superRefine((value, ctx) => {
    const source = parseChartSource(value);
    if (typeof source === "string") ctx.addIssue({ code: "custom", message: source });
});

const SOURCES_DEFAULTS = {
    chartVersions: {},
    chartSource: "",
    chartSourceOverrides: {},
    imageRegistry: "",
    imagePullSecrets: [],
} as const;

export const sourcesConfig = slice({
    name: "common",
    defaults: SOURCES_DEFAULTS,
    shape: {
        chartVersions: z.strictObject({
            clickstackOperators: exactVersion.default(OPERATORS_CHART.version),
            clickstack: exactVersion.default(CLICKSTACK_CHART.version),
            otelCollector: exactVersion.default(COLLECTOR_CHART.version),
        }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: clickstackOperators, clickstack, otelCollector` : "must be an object" }).default({
            clickstackOperators: OPERATORS_CHART.version, clickstack: CLICKSTACK_CHART.version, otelCollector: COLLECTOR_CHART.version,
        }),
        chartSource: chartSourceSchema.default(SOURCES_DEFAULTS.chartSource),
        chartSourceOverrides: z.strictObject({
            clickstackOperators: chartSourceSchema.optional(),
            clickstack: chartSourceSchema.optional(),
            otelCollector: chartSourceSchema.optional(),
        }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: clickstackOperators, clickstack, otelCollector` : "must be an object" }).default({}),
        imageRegistry: z.union([z.literal(""), z.string().transform((r) => r.replace(/\/+$/, "")).pipe(z.string().regex(IMAGE_REGISTRY, "must be a registry host with an optional path, such as registry.internal/mirror or harbor.example.com:8443/proxy (no https://, no tag, lower case)"))]).default(SOURCES_DEFAULTS.imageRegistry),
        imagePullSecrets: z.array(z.string().regex(DNS_SUBDOMAIN, "must be the name of a Secret in the namespace"), { error: "must be a list of Secret names, e.g. [regcred]" })
            .default([...SOURCES_DEFAULTS.imagePullSecrets]),
    },
    toConfig: (c): SourcesConfig => ({
        chartVersions: c.chartVersions,
        chartSources: {
            clickstackOperators: parseChartSource(c.chartSourceOverrides.clickstackOperators ?? c.chartSource) as ChartSource,
            clickstack: parseChartSource(c.chartSourceOverrides.clickstack ?? c.chartSource) as ChartSource,
            otelCollector: parseChartSource(c.chartSourceOverrides.otelCollector ?? c.chartSource) as ChartSource,
        },
        images: { registry: c.imageRegistry === "" ? undefined : c.imageRegistry, pullSecrets: c.imagePullSecrets },
    }),
});
