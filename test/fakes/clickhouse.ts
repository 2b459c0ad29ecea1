// A fake of ClickHouse's HTTP interface on 127.0.0.1, for the retention script: POST / with the query
// as body; credentials in X-ClickHouse-User / X-ClickHouse-Key; settings and `param_<name>` as URL
// parameters; `FORMAT JSON` answers {meta, data, rows}; errors are a non-2xx status with the exception
// text and X-ClickHouse-Exception-Code (a wrong password: 403, code 516, "Authentication failed";
// ClickHouse/ClickHouse#72999, #111043). It keeps each table's engine_full the way system.tables shows it.
import * as http from "http";

export interface FakeTable { engineFull: string }

export interface ClickHouseState {
    user: string;
    password: string;
    /** database → table → engine_full. */
    tables: Map<string, FakeTable>;
    /** Tables that appear after this many system.tables queries. */
    late?: { after: number; tables: Map<string, FakeTable> };
    /** An ALTER of this table answers 500. */
    failAlterOf?: string;
    /** Every statement, with the URL parameters it came with. */
    statements: { sql: string; params: Record<string, string> }[];
    systemTablesQueries: number;
}

const PREFIX = "MergeTree PARTITION BY toDate(Timestamp) ORDER BY (ServiceName, TimestampTime)";

/** engine_full of a table created by the migrate step with this TTL expression. */
export const engineFull = (ttl: string) => `${PREFIX} TTL ${ttl} SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

export function fakeClickHouse(state: ClickHouseState): http.Server {
    return http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => { body += c; });
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://127.0.0.1");
            const params = Object.fromEntries(url.searchParams.entries());
            const fail = (status: number, code: number, message: string) => {
                res.writeHead(status, { "content-type": "text/plain; charset=UTF-8", "x-clickhouse-exception-code": String(code) });
                res.end(`Code: ${code}. DB::Exception: ${message}. (version 25.7.1.1 (official build))\n`);
            };
            if (req.method !== "POST" || url.pathname !== "/") return fail(400, 1, "fake: only POST /");
            if (req.headers["x-clickhouse-user"] !== state.user || req.headers["x-clickhouse-key"] !== state.password) {
                return fail(403, 516, `${String(req.headers["x-clickhouse-user"])}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)`);
            }
            state.statements.push({ sql: body, params });
            if (/^SELECT name, engine_full FROM system\.tables WHERE database = \{db:String\} FORMAT JSON$/.test(body)) {
                state.systemTablesQueries++;
                if (state.late && state.systemTablesQueries > state.late.after) {
                    for (const [name, t] of state.late.tables) state.tables.set(name, t);
                    state.late = undefined;
                }
                const data = [...state.tables].map(([name, t]) => ({ name, engine_full: t.engineFull }));
                res.writeHead(200, { "content-type": "application/json; charset=UTF-8", "x-clickhouse-format": "JSON" });
                return res.end(JSON.stringify({ meta: [{ name: "name", type: "String" }, { name: "engine_full", type: "String" }], data, rows: data.length, statistics: { elapsed: 0.001, rows_read: data.length, bytes_read: 100 } }));
            }
            const alter = /^ALTER TABLE `([a-z_]+)`\.`([a-z0-9_]+)` MODIFY TTL (.+)$/.exec(body);
            if (alter) {
                const [, database, table, ttl] = alter;
                if (database !== params.database) return fail(500, 81, `Database ${database} does not exist. (UNKNOWN_DATABASE)`);
                const t = state.tables.get(table);
                if (!t) return fail(404, 60, `Table ${database}.${table} does not exist. (UNKNOWN_TABLE)`);
                if (state.failAlterOf === table) return fail(500, 341, `Exception happened during execution of mutation on ${table}. (UNFINISHED)`);
                t.engineFull = t.engineFull.replace(/ TTL .+? SETTINGS /, ` TTL ${ttl} SETTINGS `);
                res.writeHead(200, { "content-type": "text/plain; charset=UTF-8" });
                return res.end("");
            }
            return fail(400, 62, `Syntax error (fake): ${body.slice(0, 40)}. (SYNTAX_ERROR)`);
        });
    });
}
