// The retention Job's script (components/retention/clickhouse-retention.mjs) as the Job runs it: a Node program
// configured by env (test/run-script.ts), against a fake of ClickHouse's HTTP interface on 127.0.0.1 (test/fakes/clickhouse.ts).
// Tables and TTL expressions as the collector's migrate step creates them (hyperdxio/hyperdx
// @hyperdx/otel-collector@2.30.1, docker/otel-collector/schema/seed/*.sql, 720h → toIntervalDay(30)).
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { ClickHouseState, engineFull, fakeClickHouse, FakeTable } from "../fakes/clickhouse";
import { ROOT } from "../root";
import { runNodeScript, runScript, ScriptResult } from "../run-script";

const SCRIPT = path.join(ROOT, "components", "retention", "clickhouse-retention.mjs");
const PASSWORD = "retention-Secret-Pw-7f3a9c";

/** The migrate step's tables: name → the expression its TTL adds the interval to. */
const UPSTREAM: Record<string, string> = {
    otel_logs: "toDateTime(Timestamp)",
    otel_logs_kv_rollup_15m: "Timestamp",
    otel_logs_key_rollup_15m: "Timestamp",
    otel_traces: "toDate(Timestamp)",
    otel_traces_kv_rollup_15m: "Timestamp",
    otel_traces_key_rollup_15m: "Timestamp",
    otel_metrics_gauge: "toDateTime(TimeUnix)",
    otel_metrics_sum: "toDateTime(TimeUnix)",
    otel_metrics_histogram: "toDateTime(TimeUnix)",
    otel_metrics_exponential_histogram: "toDateTime(TimeUnix)",
    otel_metrics_summary: "toDateTime(TimeUnix)",
    hyperdx_sessions: "TimestampTime",
};
const created = (interval = "toIntervalDay(30)") =>
    new Map<string, FakeTable>(Object.entries(UPSTREAM).map(([t, column]) => [t, { engineFull: engineFull(`${column} + ${interval}`) }]));

type Result = ScriptResult;
// Its run() in this process (test/run-script.ts); the last block runs the file as the Job does.
const run = (env: Record<string, string | undefined>): Promise<Result> => runScript(SCRIPT, env);

async function withClickHouse(state: Partial<ClickHouseState>, test: (s: ClickHouseState, env: Record<string, string>) => Promise<void>) {
    const full: ClickHouseState = { user: "retention", password: PASSWORD, tables: created(), statements: [], systemTablesQueries: 0, ...state };
    const server: http.Server = fakeClickHouse(full);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const env = {
        CLICKHOUSE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        CLICKHOUSE_USER: "retention",
        CLICKHOUSE_PASSWORD: PASSWORD,
        RETENTION_LOGS: "720h", RETENTION_TRACES: "720h", RETENTION_METRICS: "720h", RETENTION_SESSIONS: "720h",
        WAIT_SECONDS: "10",
        // Looks for the tables every 20 ms; the Job's own 2 s is kept where the timing is the point.
        POLL_MS: "20",
    };
    try {
        await test(full, env);
    } finally {
        server.close();
    }
}

const alters = (s: ClickHouseState) => s.statements.filter((st) => st.sql.startsWith("ALTER"));
const noPassword = (r: Result) => expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);

describe("the retention script against a fake ClickHouse", () => {
    it("alters every table of each changed signal with its own column and interval; grows rewrite, shrinks do not", () => withClickHouse({}, async (s, env) => {
        const r = await run({ ...env, RETENTION_LOGS: "336h", RETENTION_TRACES: "168h", RETENTION_METRICS: "2160h" });
        expect(r).toMatchObject({ code: 0, stderr: "" });
        const sent = alters(s).map((a) => [a.sql, a.params.materialize_ttl_after_modify, a.params.database]);
        expect(sent).toEqual(expect.arrayContaining([
            ["ALTER TABLE `default`.`otel_logs` MODIFY TTL toDateTime(Timestamp) + toIntervalDay(14)", "0", "default"],
            ["ALTER TABLE `default`.`otel_logs_kv_rollup_15m` MODIFY TTL Timestamp + toIntervalDay(14)", "0", "default"],
            ["ALTER TABLE `default`.`otel_logs_key_rollup_15m` MODIFY TTL Timestamp + toIntervalDay(14)", "0", "default"],
            ["ALTER TABLE `default`.`otel_traces` MODIFY TTL toDate(Timestamp) + toIntervalDay(7)", "0", "default"],
            ["ALTER TABLE `default`.`otel_traces_kv_rollup_15m` MODIFY TTL Timestamp + toIntervalDay(7)", "0", "default"],
            ["ALTER TABLE `default`.`otel_traces_key_rollup_15m` MODIFY TTL Timestamp + toIntervalDay(7)", "0", "default"],
            ...["gauge", "sum", "histogram", "exponential_histogram", "summary"].map((k) =>
                [`ALTER TABLE \`default\`.\`otel_metrics_${k}\` MODIFY TTL toDateTime(TimeUnix) + toIntervalDay(90)`, "1", "default"]),
        ]));
        expect(sent).toHaveLength(11); // sessions stay at 30 days
        expect(r.stdout).toContain("altered 11 of 12 tables");
        noPassword(r);

        // Idempotent: a second run reads the new TTLs and sends no ALTER.
        s.statements = [];
        const again = await run({ ...env, RETENTION_LOGS: "336h", RETENTION_TRACES: "168h", RETENTION_METRICS: "2160h" });
        expect(again.code).toBe(0);
        expect(alters(s)).toEqual([]);
        expect(again.stdout).toContain("all 12 tables already have their retention");
    }));

    it("sends nothing when every table already has its retention", () => withClickHouse({}, async (s, env) => {
        const r = await run(env);
        expect(r.code).toBe(0);
        expect(alters(s)).toEqual([]);
        expect(s.statements.every((st) => st.sql.startsWith("SELECT") && st.params.param_db === "default")).toBe(true);
    }));

    it("writes hours that are not whole days as toIntervalHour, and reads them back", () => withClickHouse({}, async (s, env) => {
        expect((await run({ ...env, RETENTION_SESSIONS: "36h" })).code).toBe(0);
        expect(alters(s).map((a) => [a.sql, a.params.materialize_ttl_after_modify])).toEqual([["ALTER TABLE `default`.`hyperdx_sessions` MODIFY TTL TimestampTime + toIntervalHour(36)", "0"]]);
        s.statements = [];
        expect((await run({ ...env, RETENTION_SESSIONS: "36h" })).code).toBe(0);
        expect(alters(s)).toEqual([]);
    }));

    it("replaces a TTL it did not write (another expression) and rewrites the parts", () => withClickHouse({}, async (s, env) => {
        s.tables.set("otel_logs", { engineFull: engineFull("toDateTime(Timestamp) + toIntervalMonth(1)") });
        expect((await run(env)).code).toBe(0);
        expect(alters(s).map((a) => [a.sql, a.params.materialize_ttl_after_modify])).toEqual([["ALTER TABLE `default`.`otel_logs` MODIFY TTL toDateTime(Timestamp) + toIntervalDay(30)", "1"]]);
    }));

    it("waits for tables that appear late (the gateway creates them when it starts)", () => {
        const late = created();
        const early = new Map([...late].filter(([t]) => !t.startsWith("otel_metrics")));
        return withClickHouse({ tables: early, late: { after: 2, tables: late } }, async (s, env) => {
            const r = await run({ ...env, RETENTION_METRICS: "2160h" });
            expect(r.code).toBe(0);
            expect(s.systemTablesQueries).toBe(3);
            expect(alters(s)).toHaveLength(5);
        });
    });

    it("fails, bounded, naming the tables that never appear", () => withClickHouse({ tables: new Map([...created()].filter(([t]) => t !== "hyperdx_sessions" && t !== "otel_traces")) }, async (s, env) => {
        const started = Date.now();
        // The Job's own 2 s poll (POLL_MS unset), bounded by WAIT_SECONDS.
        const r = await run({ ...env, WAIT_SECONDS: "1", POLL_MS: undefined });
        expect(r.code).toBe(1);
        expect(r.stderr).toBe("retention: after 1s these tables do not exist in database default: otel_traces, hyperdx_sessions (the gateway collector creates them when it starts)\n");
        expect(Date.now() - started).toBeLessThan(6000);
        expect(alters(s)).toEqual([]);
    }));

    it("fails with ClickHouse's message when an ALTER fails", () => withClickHouse({ failAlterOf: "otel_traces" }, async (_s, env) => {
        const r = await run({ ...env, RETENTION_TRACES: "168h" });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^retention: ClickHouse answered 500 to ALTER TABLE `default`.`otel_traces` MODIFY…: Code: 341\. DB::Exception: Exception happened during execution of mutation on otel_traces/);
        noPassword(r);
    }));

    it("fails on wrong credentials without printing the password", () => withClickHouse({ password: "the-real-one" }, async (s, env) => {
        const r = await run(env);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^retention: ClickHouse answered 403 to SELECT name, engine_full FROM…: Code: 516\. DB::Exception: retention: Authentication failed/);
        expect(s.statements).toEqual([]);
        noPassword(r);
    }));

    it("refuses bad configuration before any request", () => withClickHouse({}, async (s, env) => {
        const cases: [Record<string, string>, string][] = [
            [{ RETENTION_LOGS: "14d" }, "retention: RETENTION_LOGS must be whole hours such as 720h, got 14d\n"],
            [{ RETENTION_METRICS: "0h" }, "retention: RETENTION_METRICS must be whole hours such as 720h, got 0h\n"],
            [{ CLICKHOUSE_PASSWORD: "" }, "retention: missing environment variable(s): CLICKHOUSE_PASSWORD\n"],
            [{ CLICKHOUSE_URL: "clickhouse:8123" }, "retention: CLICKHOUSE_URL must be http:// or https://, got clickhouse:\n"],
            [{ CLICKHOUSE_DATABASE: "default; DROP" }, "retention: CLICKHOUSE_DATABASE must be a plain identifier, got default; DROP\n"],
            [{ WAIT_SECONDS: "-1" }, "retention: WAIT_SECONDS must be a positive integer, got -1\n"],
            [{ POLL_MS: "2s" }, "retention: POLL_MS must be a positive integer, got 2s\n"],
        ];
        for (const [override, message] of cases) {
            const r = await run({ ...env, ...override });
            expect([r.code, r.stderr]).toEqual([1, message]);
        }
        expect(s.statements).toEqual([]);
    }));
});

describe("the retention script as the Job runs it (`node clickhouse-retention.mjs`)", () => {
    it("alters the changed tables: exit 0, and the lines run() gives, on stdout", () => withClickHouse({}, async (s, env) => {
        const program = await runNodeScript(SCRIPT, { ...env, RETENTION_SESSIONS: "36h" });
        expect(program).toMatchObject({ code: 0, stderr: "" });
        expect(alters(s)).toHaveLength(1);
        s.tables = created();
        expect(await run({ ...env, RETENTION_SESSIONS: "36h" })).toEqual(program);
        noPassword(program);
    }));

    it("a failure: exit 1 and its one line on stderr, read from the process's own env", () => withClickHouse({}, async (s, env) => {
        const program = await runNodeScript(SCRIPT, { ...env, RETENTION_LOGS: "2w" });
        expect(program).toEqual({ code: 1, stdout: "", stderr: "retention: RETENTION_LOGS must be whole hours such as 720h, got 2w\n" });
        expect(s.statements).toEqual([]);
    }));
});
