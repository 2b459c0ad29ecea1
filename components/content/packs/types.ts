// What a content pack defines: saved searches, dashboards with tiles, and alerts on either, in the
// shape of HyperDX's external API v2 (@hyperdx/api 2.30.1, packages/api/src/utils/zod.ts and
// routers/external-api/v2/utils/dashboards.ts) with names where the API takes ids: sources by name
// (the Logs, Traces, Metrics, Sessions sources registration creates), dashboards and saved searches
// by their key, tiles by name, channels by webhook name. The provisioning Job
// (components/content/hyperdx-content.mjs) resolves the names to ids in the cluster.

/** The sources HyperDX creates at registration (setupTeamDefaults, from the chart's DEFAULT_SOURCES). */
export type SourceName = "Logs" | "Traces" | "Metrics" | "Sessions";

/** One series of a tile (externalDashboardSelectItemSchema): `count` takes no valueExpression, every other aggFn needs one. */
export interface SelectItem {
    readonly aggFn: "avg" | "count" | "count_distinct" | "last_value" | "max" | "min" | "sum" | "increase";
    /** `Value` for metrics; a column or expression for logs and traces. */
    readonly valueExpression?: string;
    /** Legend label. */
    readonly alias?: string;
    /** Metrics only: the table (gauge, sum) and the OTel metric name. */
    readonly metricType?: "gauge" | "sum";
    readonly metricName?: string;
    /** Metrics only: the change over each bucket instead of the value (a gauge that only grows, such as restarts). */
    readonly periodAggFn?: "delta";
    /** Filter of this series. @default "" */
    readonly where?: string;
    /** @default "lucene" (what HyperDX stores when none is given) */
    readonly whereLanguage?: "lucene" | "sql";
}

/** Tiles that can carry an alert (line, stacked_bar, number: displayTypeSupportsBuilderAlerts). */
export interface Tile {
    /** Unique in its dashboard: tile alerts and the stable tile ids follow it. */
    readonly name: string;
    /** Grid position: x 0–23, w 1–24. */
    readonly x: number;
    readonly y: number;
    readonly w: number;
    readonly h: number;
    readonly config: {
        readonly displayType: "line" | "stacked_bar" | "number";
        readonly source: SourceName;
        readonly select: readonly SelectItem[];
        /** An expression, e.g. `ResourceAttributes['k8s.pod.name']`; line and stacked_bar only. */
        readonly groupBy?: string;
    };
}

/** A dashboard filter (DashboardFilterSchema, type QUERY_EXPRESSION): a drop-down of an expression's values. */
export interface DashboardFilter {
    readonly name: string;
    readonly expression: string;
    readonly source: SourceName;
    readonly sourceMetricType?: "gauge" | "sum";
}

export interface Dashboard {
    /** Stable key (1–17 of a–z, 0–9, -), kept in a tag: a rename updates the dashboard in place. */
    readonly key: string;
    readonly name: string;
    readonly tiles: readonly Tile[];
    readonly filters?: readonly DashboardFilter[];
}

export interface SavedSearch {
    /** Stable key, as for dashboards. */
    readonly key: string;
    readonly name: string;
    readonly source: SourceName;
    readonly where: string;
    readonly whereLanguage: "lucene" | "sql";
    /** Columns shown. @default the source's defaults ("") */
    readonly select?: string;
    readonly orderBy?: string;
}

/** alertSchema at 2.30.1. */
export type AlertInterval = "1m" | "5m" | "15m" | "30m" | "1h" | "6h" | "12h" | "1d";
export type ThresholdType = "above" | "below" | "above_exclusive" | "below_or_equal" | "equal" | "not_equal" | "between" | "not_between";

export interface Alert {
    /** Stable key, kept in the alert's note: a rename updates the alert in place. */
    readonly key: string;
    readonly name: string;
    /** The notification text: what broke and where to look. */
    readonly message: string;
    /** A tile of a dashboard in the same pack, or a saved search (`groupBy`: one alert state per value). */
    readonly on: { readonly dashboard: string; readonly tile: string } | { readonly savedSearch: string; readonly groupBy?: string };
    readonly interval: AlertInterval;
    readonly threshold: number;
    readonly thresholdType: ThresholdType;
    /** The upper bound of between and not_between. */
    readonly thresholdMax?: number;
    /** Windows in a row before it fires. @default 1 */
    readonly numConsecutiveWindows?: number;
}

export interface ContentPack {
    readonly savedSearches: readonly SavedSearch[];
    readonly dashboards: readonly Dashboard[];
    readonly alerts: readonly Alert[];
}
