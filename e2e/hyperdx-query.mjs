// Asks HyperDX for data the way its UI does, for the e2e (issue 33): HyperDX's own browser client
// (@hyperdx/common-utils/dist/clickhouse/browser, "standard mode") through the app's /api/clickhouse-proxy
// with the user's session cookie and the connection's id, and common-utils' Metadata and
// renderChartConfig (queryChartConfig) to turn a chart config into SQL. Run with HyperDX's Node.
//
// Environment:
//   HYPERDX_SOURCE   HyperDX's built source folder (its node_modules and packages/common-utils/dist)
//   APP_URL          the app's origin (its /api proxy)
//   HYPERDX_COOKIE   the session cookie (connect.sid=…), as the browser sends it
//   QUERY            JSON: {"dashboards": [names], "search": {"source": "Logs", "where": "<lucene>"}, "minutes": 60}
// Prints one JSON line per tile ({dashboard, tile, rows, error?}) and per search ({search, rows, bodies}).
// Exit codes: 0 answered (each line says what it found), 2 bad input, 1 HyperDX did not answer.
import path from "node:path";
import { createRequire } from "node:module";

const { HYPERDX_SOURCE, APP_URL, HYPERDX_COOKIE, QUERY } = process.env;
if (!HYPERDX_SOURCE || !APP_URL || !HYPERDX_COOKIE || !QUERY) {
    console.error("hyperdx-query: HYPERDX_SOURCE, APP_URL, HYPERDX_COOKIE and QUERY are required");
    process.exit(2);
}
const query = JSON.parse(QUERY);
// common-utils prints every query it sends (console.log, console.debug…): to stderr, so stdout holds only the answers.
for (const level of ["log", "debug", "info", "warn"]) console[level] = (...args) => process.stderr.write(`${args.join(" ")}\n`);
const commonUtils = createRequire(path.join(HYPERDX_SOURCE, "packages", "common-utils", "package.json"));
const { ClickhouseClient } = commonUtils("./dist/clickhouse/browser.js");
const { getMetadata } = commonUtils("./dist/core/metadata.js");
const { buildSearchChartConfig } = commonUtils("./dist/core/searchChartConfig.js");

// The browser: the page's origin, and the session cookie on every request to it.
globalThis.window = { origin: APP_URL };
const browserFetch = globalThis.fetch;
globalThis.fetch = (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init.headers);
    if (url.origin === APP_URL) headers.set("cookie", HYPERDX_COOKIE);
    return browserFetch(input, { ...init, headers });
};

async function api(route) {
    const r = await fetch(`${APP_URL}/api${route}`, { headers: { accept: "application/json" } });
    if (!r.ok) throw new Error(`GET /api${route}: HTTP ${r.status}`);
    return r.json();
}

const client = new ClickhouseClient({ host: "/api/clickhouse-proxy" });
const metadata = getMetadata(client);
const end = new Date();
const dateRange = [new Date(end.getTime() - (query.minutes ?? 60) * 60_000), end];
const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

try {
    const [sources, dashboards] = await Promise.all([api("/sources"), api("/dashboards")]);
    const sourceOf = (id) => sources.find((s) => s.id === id || s._id === id);
    for (const name of query.dashboards ?? []) {
        const dashboard = dashboards.find((d) => d.name === name);
        if (!dashboard) {
            print({ dashboard: name, error: "no such dashboard" });
            continue;
        }
        for (const tile of dashboard.tiles) {
            const source = sourceOf(tile.config.source);
            // A builder tile's query, assembled as HyperDX's tile alerts assemble it
            // (packages/api/src/tasks/checkAlerts/index.ts, getChartConfigFromAlert).
            const config = {
                connection: source.connection, dateRange, dateRangeStartInclusive: true, dateRangeEndInclusive: false,
                displayType: tile.config.displayType, from: source.from, granularity: "1 minute",
                groupBy: tile.config.groupBy, select: tile.config.select,
                implicitColumnExpression: source.kind === "metric" ? undefined : source.implicitColumnExpression,
                metricTables: source.kind === "metric" ? source.metricTables : undefined,
                timestampValueExpression: source.timestampValueExpression,
                where: tile.config.where ?? "", whereLanguage: tile.config.whereLanguage ?? "lucene",
            };
            try {
                const result = await client.queryChartConfig({ config, metadata, querySettings: source.querySettings });
                print({ dashboard: name, tile: tile.config.name ?? tile.name, rows: result.data.length });
            } catch (error) {
                print({ dashboard: name, tile: tile.config.name ?? tile.name, rows: 0, error: String(error?.message ?? error).slice(0, 500) });
            }
        }
    }
    if (query.search) {
        const source = sources.find((s) => s.name === query.search.source);
        const config = buildSearchChartConfig(source, {
            where: query.search.where, whereLanguage: "lucene", select: source.defaultTableSelectExpression,
            connection: source.connection, dateRange, limit: { limit: 50 }, orderBy: `${source.timestampValueExpression} DESC`,
        });
        try {
            const result = await client.queryChartConfig({ config, metadata, querySettings: source.querySettings });
            print({ search: query.search.where, rows: result.data.length, rowsData: result.data.slice(0, 5) });
        } catch (error) {
            print({ search: query.search.where, rows: 0, error: String(error?.message ?? error).slice(0, 500) });
        }
    }
} catch (error) {
    console.error(`hyperdx-query: ${error?.message ?? error}`);
    process.exit(1);
}
