// ClickHouse retention: brings the TTL of every ClickStack table in line with the stack's `retention`.
// Runs as a Job after ClickStack; configured only through environment variables, so it also runs
// outside the cluster against fakes. Standalone on purpose: Node >= 20 and its standard library.
//
// The tables and their TTL columns are those the collector image's migrate step creates
// (hyperdxio/hyperdx @hyperdx/otel-collector@2.30.1, docker/otel-collector/schema/seed/*.sql), with the
// interval written the way that step writes it (cmd/migrate ttlToClickHouseInterval): whole days as
// toIntervalDay(N), other whole hours as toIntervalHour(N). ClickHouse's HTTP interface: POST / with the
// query as body, X-ClickHouse-User / X-ClickHouse-Key headers, settings and `param_*` as URL parameters,
// FORMAT JSON answers {"data": [...]}, any error a non-2xx status with the exception as text.
//
// It never prints the password. Exit 0: every table has its signal's TTL (a second run issues no ALTER).
// Exit 1: one line on stderr saying what failed.

import { basename } from "node:path";

const REQUEST_TIMEOUT_MS = 30_000;

/** Every table of each signal, with the expression its TTL adds the interval to. */
const TABLES = {
    logs: {
        otel_logs: "toDateTime(Timestamp)",
        otel_logs_kv_rollup_15m: "Timestamp",
        otel_logs_key_rollup_15m: "Timestamp",
    },
    traces: {
        otel_traces: "toDate(Timestamp)",
        otel_traces_kv_rollup_15m: "Timestamp",
        otel_traces_key_rollup_15m: "Timestamp",
    },
    metrics: {
        otel_metrics_gauge: "toDateTime(TimeUnix)",
        otel_metrics_sum: "toDateTime(TimeUnix)",
        otel_metrics_histogram: "toDateTime(TimeUnix)",
        otel_metrics_exponential_histogram: "toDateTime(TimeUnix)",
        otel_metrics_summary: "toDateTime(TimeUnix)",
    },
    sessions: {
        hyperdx_sessions: "TimestampTime",
    },
};

class Failure extends Error {}

function readSettings(env) {
    const required = ["CLICKHOUSE_URL", "CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD", "RETENTION_LOGS", "RETENTION_TRACES", "RETENTION_METRICS", "RETENTION_SESSIONS"];
    const missing = required.filter((name) => !env[name]);
    if (missing.length > 0) throw new Failure(`missing environment variable(s): ${missing.join(", ")}`);
    let url;
    try {
        url = new URL(env.CLICKHOUSE_URL);
    } catch {
        throw new Failure("CLICKHOUSE_URL is not a URL (its value is not printed: it may carry credentials)");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Failure(`CLICKHOUSE_URL must be http:// or https://, got ${url.protocol}`);
    if (url.username || url.password) throw new Failure("CLICKHOUSE_URL must not carry credentials; use CLICKHOUSE_USER and CLICKHOUSE_PASSWORD");
    const hours = {};
    for (const signal of Object.keys(TABLES)) {
        const name = `RETENTION_${signal.toUpperCase()}`;
        const match = /^([1-9][0-9]*)h$/.exec(env[name]);
        if (!match) throw new Failure(`${name} must be whole hours such as 720h, got ${env[name]}`);
        hours[signal] = Number(match[1]);
    }
    const waitSeconds = Number(env.WAIT_SECONDS ?? "600");
    if (!Number.isInteger(waitSeconds) || waitSeconds <= 0) throw new Failure(`WAIT_SECONDS must be a positive integer, got ${env.WAIT_SECONDS}`);
    // How often it looks for the tables the gateway creates (2 s in the Job).
    const pollMs = Number(env.POLL_MS ?? "2000");
    if (!Number.isInteger(pollMs) || pollMs <= 0) throw new Failure(`POLL_MS must be a positive integer, got ${env.POLL_MS}`);
    const database = env.CLICKHOUSE_DATABASE || "default";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Failure(`CLICKHOUSE_DATABASE must be a plain identifier, got ${database}`);
    return { url: url.href.replace(/\/+$/, ""), user: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD, database, hours, waitSeconds, pollMs };
}

/** The interval as the migrate step writes it: whole days when they are, else hours. */
function interval(hours) {
    return hours % 24 === 0 ? `toIntervalDay(${hours / 24})` : `toIntervalHour(${hours})`;
}

/** The hours a TTL clause adds, read from system.tables' engine_full, or undefined without one. */
function ttlHours(engineFull) {
    const ttl = / TTL (.+?)(?: SETTINGS |$)/.exec(engineFull)?.[1];
    if (ttl === undefined) return undefined;
    const m = /\+ toInterval(Day|Hour)\(([0-9]+)\)\s*$/.exec(ttl);
    if (!m) return Number.NaN; // a TTL this script did not write: replaced by the signal's
    return m[1] === "Day" ? Number(m[2]) * 24 : Number(m[2]);
}

/** One statement over HTTP; the password never reaches a message. */
async function query(settings, sql, params = {}) {
    const url = new URL(`${settings.url}/`);
    url.searchParams.set("database", settings.database);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    let response;
    try {
        response = await fetch(url, {
            method: "POST",
            headers: { "X-ClickHouse-User": settings.user, "X-ClickHouse-Key": settings.password, "content-type": "text/plain" },
            body: sql,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
    } catch (err) {
        throw new Failure(`ClickHouse at ${settings.url} did not answer: ${err.cause?.code ?? err.name}`);
    }
    const text = await response.text();
    if (!response.ok) {
        const first = text.split("\n")[0].split(settings.password).join("[password]").slice(0, 400);
        throw new Failure(`ClickHouse answered ${response.status} to ${sql.split(" ").slice(0, 4).join(" ")}…: ${first}`);
    }
    return text;
}

async function currentTables(settings) {
    const text = await query(settings, "SELECT name, engine_full FROM system.tables WHERE database = {db:String} FORMAT JSON", { param_db: settings.database });
    let rows;
    try {
        rows = JSON.parse(text).data;
    } catch {
        throw new Failure("ClickHouse's answer to the system.tables query is not JSON");
    }
    return new Map(rows.map((r) => [r.name, r.engine_full]));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(env, out) {
    const settings = readSettings(env);
    const wanted = Object.entries(TABLES).flatMap(([signal, tables]) =>
        Object.entries(tables).map(([table, column]) => ({ signal, table, column, hours: settings.hours[signal] })));

    // The gateway creates the tables when it starts: wait for all of them, bounded.
    const deadline = Date.now() + settings.waitSeconds * 1000;
    let tables = await currentTables(settings);
    let missing = wanted.filter((w) => !tables.has(w.table));
    while (missing.length > 0) {
        if (Date.now() >= deadline) {
            throw new Failure(`after ${settings.waitSeconds}s these tables do not exist in database ${settings.database}: ${missing.map((w) => w.table).join(", ")} (the gateway collector creates them when it starts)`);
        }
        await sleep(settings.pollMs);
        tables = await currentTables(settings);
        missing = wanted.filter((w) => !tables.has(w.table));
    }

    let altered = 0;
    for (const w of wanted) {
        const current = ttlHours(tables.get(w.table));
        if (current === w.hours) continue;
        // Growing: rewrite existing parts so their expiry moves out too. Shrinking: do not rewrite; the
        // parts written under the old TTL age out under it (whole parts drop: ttl_only_drop_parts).
        const grow = current === undefined || Number.isNaN(current) || w.hours > current;
        await query(settings, `ALTER TABLE \`${settings.database}\`.\`${w.table}\` MODIFY TTL ${w.column} + ${interval(w.hours)}`,
            { materialize_ttl_after_modify: grow ? "1" : "0" });
        altered++;
        const was = current === undefined ? "none" : Number.isNaN(current) ? "another expression" : `${current}h`;
        out.log(`${w.table}: TTL ${was} -> ${w.hours}h (${w.signal}, ${grow ? "existing parts rewritten" : "existing parts keep their old expiry"})`);
    }
    out.log(altered === 0 ? `all ${wanted.length} tables already have their retention` : `altered ${altered} of ${wanted.length} tables`);
}

/**
 * The whole Job against `env`, its lines written through `out`; resolves to its exit code. The unit tests
 * call it in-process; the Job runs the file.
 */
export async function run(env, out = console) {
    try {
        await main(env, out);
        return 0;
    } catch (err) {
        out.error(err instanceof Failure ? `retention: ${err.message}` : `retention: unexpected error: ${err.message}`);
        return 1;
    }
}

// Run by the Job (`node clickhouse-retention.mjs`, the name it has in its ConfigMap); imported, it only defines run().
if (basename(process.argv[1] ?? "") === "clickhouse-retention.mjs") {
    run(process.env).then((code) => {
        if (code !== 0) process.exit(code);
    });
}
