// Where the Helm charts come from: their upstream repositories, or the stack config key
// `chartSource` (a mirror repository, an OCI registry, or a local folder of unpacked charts).
// helm.v4.Chart resolves `chart` with Helm's own locator: a name plus `repositoryOpts.repo`,
// `oci://…/<name>`, or an absolute path to a chart folder.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export type ChartSource =
    | { readonly kind: "upstream" }
    | { readonly kind: "repository"; readonly url: string }
    | { readonly kind: "oci"; readonly url: string }
    | { readonly kind: "folder"; readonly path: string };

export const UPSTREAM: ChartSource = { kind: "upstream" };

/** A chart as its component pins it: the upstream repository and the chart's name. */
export interface PinnedChart {
    readonly repo: string;
    readonly chart: string;
}

/** What helm.v4.Chart needs to find the chart. A local folder's version is checked by `chartFolderProblem`. */
export function chartLocation(source: ChartSource, pinned: PinnedChart, version: string) {
    switch (source.kind) {
        case "upstream": return { chart: pinned.chart, version, repositoryOpts: { repo: pinned.repo } };
        case "repository": return { chart: pinned.chart, version, repositoryOpts: { repo: source.url } };
        case "oci": return { chart: `${source.url.replace(/\/+$/, "")}/${pinned.chart}`, version };
        case "folder": return { chart: path.join(source.path, pinned.chart) };
    }
}

// Hosts whose plain http:// never leaves the machine or the cluster.
const LOCAL_HOST = /^(localhost|127\.[0-9.]+|\[::1\]|[a-z0-9-]+\.[a-z0-9-]+\.svc(\.cluster\.local)?)$/;

/** Parses `chartSource`; "" means upstream. Returns the source or why the value is refused. */
export function parseChartSource(value: string): ChartSource | string {
    if (value === "") return UPSTREAM;
    if (value.startsWith("oci://")) return { kind: "oci", url: value };
    if (value.startsWith("/")) return { kind: "folder", path: path.normalize(value) };
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return "must be a Helm repository URL (https://…), an OCI registry path (oci://…) or an absolute folder path (a relative path depends on where the provider runs)";
    }
    if (url.protocol === "https:") return { kind: "repository", url: value };
    if (url.protocol === "http:" && LOCAL_HOST.test(url.hostname)) return { kind: "repository", url: value };
    if (url.protocol === "http:") return "may use http:// only to a loopback or cluster-local host (<service>.<namespace>.svc); use https:// for a repository elsewhere";
    return "must be a Helm repository URL (https://…), an OCI registry path (oci://…) or an absolute folder path";
}

/**
 * Why a local folder cannot serve these charts, or undefined: each must be an unpacked chart at
 * `<folder>/<name>` whose Chart.yaml has that name and exactly the pinned version. A remote
 * repository's versions are checked by Helm when it resolves `version` (an exact pin).
 */
export function chartFolderProblem(folder: string, charts: readonly { chart: string; version: string }[]): string | undefined {
    for (const { chart, version } of charts) {
        const file = path.join(folder, chart, "Chart.yaml");
        if (!fs.existsSync(file)) return `has no chart ${chart} (expected ${file}, the unpacked chart at version ${version})`;
        const meta = yaml.load(fs.readFileSync(file, "utf8")) as { name?: unknown; version?: unknown } | undefined;
        if (meta?.name !== chart) return `holds ${file} for chart ${String(meta?.name)}, not ${chart}`;
        if (String(meta.version) !== version) return `holds ${chart} ${String(meta.version)}; the pinned version is ${version}`;
    }
    return undefined;
}
