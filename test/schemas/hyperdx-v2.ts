// The request bodies of HyperDX's external API v2 at @hyperdx/api 2.30.1, written from its source for
// the parts this project sends: packages/api/src/utils/zod.ts (tiles, select items, alerts, webhooks),
// routers/external-api/v2/utils/dashboards.ts (dashboard bodies), routers/external-api/v2/savedSearches.ts
// (saved searches) and packages/common-utils/src/types.ts (enums, tags, dashboard filters). Tile
// configs cover the builder line, stacked_bar and number tiles (the ones an alert can use); any other
// displayType is refused here, so a new kind of tile needs its schema added first.
import { z } from "zod";

/** objectIdSchema: a 24-hex-digit Mongo ObjectId. */
export const objectId = z.string().regex(/^[0-9a-f]{24}$/, "Invalid ObjectId");

/** common-utils tagsSchema: MAX_TAGS 50, MAX_TAG_LENGTH 32. */
export const tags = z.array(z.string().max(32)).max(50).optional();

const whereLanguage = z.enum(["sql", "lucene", "promql"]).optional();
const aggregateFunction = z.enum(["avg", "count", "count_distinct", "last_value", "max", "min", "quantile", "sum", "any", "none", "increase"]);
const metricsDataType = z.enum(["gauge", "histogram", "sum", "summary", "exponential histogram"]);

/** externalDashboardSelectItemSchema. */
export const selectItem = z.object({
    valueExpression: z.string().max(10000).optional(),
    alias: z.string().max(10000).optional(),
    aggFn: aggregateFunction,
    level: z.number().optional(),
    where: z.string().max(10000).optional().default(""),
    whereLanguage,
    metricType: metricsDataType.optional(),
    metricName: z.string().optional(),
    periodAggFn: z.enum(["delta"]).optional(),
}).strict().superRefine((data, ctx) => {
    if (data.level && data.aggFn !== "quantile") ctx.addIssue({ code: "custom", message: "Level can only be used with quantile aggregation function" });
    if (data.valueExpression && data.aggFn === "count") {
        ctx.addIssue({ code: "custom", message: "Value expression cannot be used with count aggregation function" });
    } else if (!data.valueExpression && data.aggFn !== "count") {
        ctx.addIssue({ code: "custom", message: "Value expression is required for non-count aggregation functions" });
    }
});

/** externalDashboardTimeChartConfigSchema, and the line, stacked_bar and number builder configs. */
const timeChart = {
    sourceId: objectId,
    select: z.array(selectItem).min(1).max(20),
    groupBy: z.string().max(10000).optional(),
    asRatio: z.boolean().optional(),
    alignDateRangeToGranularity: z.boolean().optional(),
    fillNulls: z.boolean().optional(),
};
export const tileConfig = z.discriminatedUnion("displayType", [
    z.object({ displayType: z.literal("line"), ...timeChart, compareToPreviousPeriod: z.boolean().optional(), fitYAxisToData: z.boolean().optional() }).strict(),
    z.object({ displayType: z.literal("stacked_bar"), ...timeChart }).strict(),
    z.object({ displayType: z.literal("number"), sourceId: objectId, select: z.array(selectItem).length(1) }).strict(),
]).superRefine((data, ctx) => {
    if ("asRatio" in data && data.asRatio && data.select.length !== 2) ctx.addIssue({ code: "custom", message: "asRatio can only be used with exactly two select items" });
});

/** externalDashboardTileSchema with the optional caller id (externalDashboardTileSchemaWithOptionalId). */
export const tile = z.object({
    id: z.string().max(36).optional(),
    name: z.string(),
    x: z.number().min(0).max(23),
    y: z.number().min(0),
    w: z.number().min(1).max(24),
    h: z.number().min(1),
    config: tileConfig,
}).strict();

/** DashboardFilterSchema minus `source`, plus `sourceId`, strict; a create takes no id, an update needs one. */
const filterShape = {
    type: z.enum(["QUERY_EXPRESSION"]),
    name: z.string().min(1),
    expression: z.string().min(1),
    sourceId: objectId,
    sourceMetricType: metricsDataType.optional(),
    where: z.string().optional(),
    whereLanguage: z.enum(["sql", "lucene"]).optional(),
    appliesToSourceIds: z.array(z.string().min(1)).optional(),
};
const dashboardBody = (filter: z.ZodType) => z.object({
    name: z.string().max(1024),
    tiles: z.array(tile).max(500).superRefine((tiles, ctx) => {
        const ids = tiles.map((t) => t.id).filter((id) => id !== undefined);
        if (new Set(ids).size !== ids.length) ctx.addIssue({ code: "custom", message: "Duplicate tile IDs. Omit the ID to generate a unique one." });
    }),
    tags,
    filters: z.array(filter).optional(),
}).strict();
/** createDashboardBodySchema / updateDashboardBodySchema. */
export const createDashboardBody = dashboardBody(z.object(filterShape).strict());
export const updateDashboardBody = dashboardBody(z.object({ id: z.string(), ...filterShape }).strict());

/** savedSearchRequestSchema. */
export const savedSearchBody = z.object({
    name: z.string().trim().min(1).max(1024),
    sourceId: objectId,
    select: z.string().max(4096).optional().default(""),
    where: z.string().max(8192).optional().default(""),
    whereLanguage: z.enum(["lucene", "sql"]).optional().default("lucene"),
    orderBy: z.string().max(1024).optional().default(""),
    tags: tags.default([]),
    filters: z.array(z.object({ type: z.enum(["lucene", "sql"]).optional(), condition: z.string() })).max(100).default([]),
}).strict();

/** externalWebhookCreateSchema (headers and queryParams: not sent by this project); no body for slack. */
export const webhookBody = z.object({
    name: z.string().trim().min(1).max(1024),
    service: z.enum(["slack", "generic", "incidentio"]),
    url: z.url().max(2048),
    description: z.string().max(2048).optional(),
    body: z.string().max(16 * 1024).optional(),
}).strict().superRefine((w, ctx) => {
    if (w.service === "slack" && w.body !== undefined) ctx.addIssue({ code: "custom", path: ["body"], message: "body is not supported for the slack webhook service" });
});

/** alertSchema: the common fields and (saved search | tile). */
export const alertBody = z.object({
    channel: z.object({ type: z.literal("webhook"), webhookId: z.string().min(1) }),
    interval: z.enum(["1m", "5m", "15m", "30m", "1h", "6h", "12h", "1d"]),
    threshold: z.number(),
    thresholdType: z.enum(["above", "below", "above_exclusive", "below_or_equal", "equal", "not_equal", "between", "not_between"]),
    thresholdMax: z.number().optional(),
    source: z.enum(["saved_search", "tile"]).default("saved_search"),
    name: z.string().min(1).max(512).nullish(),
    message: z.string().min(1).max(4096).nullish(),
    note: z.string().min(1).max(4096).nullish(),
    numConsecutiveWindows: z.number().int().min(1).nullish(),
    savedSearchId: z.string().min(1).optional(),
    groupBy: z.string().optional(),
    tileId: z.string().min(1).optional(),
    dashboardId: z.string().min(1).optional(),
}).superRefine((a, ctx) => {
    if (a.source === "saved_search" && !a.savedSearchId) ctx.addIssue({ code: "custom", path: ["savedSearchId"], message: "Required" });
    if (a.source === "tile" && (!a.tileId || !a.dashboardId)) ctx.addIssue({ code: "custom", path: ["tileId"], message: "Required" });
    // validateAlertThresholdMax
    if (a.thresholdType === "between" || a.thresholdType === "not_between") {
        if (a.thresholdMax === undefined) ctx.addIssue({ code: "custom", path: ["thresholdMax"], message: "thresholdMax is required for between/not_between threshold types" });
        else if (a.thresholdMax < a.threshold) ctx.addIssue({ code: "custom", path: ["thresholdMax"], message: "thresholdMax must be greater than or equal to threshold" });
    }
});

/** The "Body validation failed: <path>: <message>; …" text of validateRequestWithEnhancedErrors. */
export function bodyValidationMessage(error: z.ZodError): string {
    return `Body validation failed: ${error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; ")}`;
}
