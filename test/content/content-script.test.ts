// The content Job's script (components/content/hyperdx-content.mjs), run as the Job runs it: a Node program
// configured by env (test/run-script.ts) and two files, against a fake HyperDX whose v2 routes follow @hyperdx/api 2.30.1
// (test/fakes/hyperdx-v2.ts). The document is the one the program renders for the default packs.
import * as fs from "fs";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { ContentDocument, OWNER, renderContent, WEBHOOK_BODIES } from "../../components/content/packs";
import { fakeHyperdx, HyperdxState } from "../fakes/hyperdx";
import { refusedUrl } from "../fakes/refused";
import { newV2State, V2State } from "../fakes/hyperdx-v2";
import { ROOT } from "../root";
import { runNodeScript, runScript, ScriptResult } from "../run-script";

const SCRIPT = path.join(ROOT, "components", "content", "hyperdx-content.mjs");
const EMAIL = "admin@otel-demo.local";
const PASSWORD = "Pw-of-the-Stack-Owner-42!";
const SLACK_URL = "https://hooks.slack.com/services/T0000/B0000/url-token-that-is-a-credential";
const WEBHOOKS = [{ name: "platform-slack", service: "slack" as const }];
const DOCUMENT = renderContent({ packs: ["kubernetes", "pipeline"], clusters: ["dev", "edge-1"], webhooks: WEBHOOKS, channel: "platform-slack" });

let dir: string;
let state: HyperdxState;
let v2: V2State;
let url: string;
let server: ReturnType<typeof fakeHyperdx>;

beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "content-"));
    fs.mkdirSync(path.join(dir, "webhooks"));
    fs.writeFileSync(path.join(dir, "webhooks", "platform-slack"), `${SLACK_URL}\n`);
    v2 = newV2State();
    state = { team: { apiKey: "ingestion-key", users: { [EMAIL]: PASSWORD } }, v2, unavailable: 0, sessions: new Map(), calls: [], teamCookies: [] };
    server = fakeHyperdx(state);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
});

/** The env the Job gives the script, for `document`. */
function jobEnv(document: ContentDocument, env: Record<string, string | undefined>): Record<string, string | undefined> {
    const file = path.join(dir, `content-${Math.random()}.json`);
    fs.writeFileSync(file, JSON.stringify(document));
    return {
        HYPERDX_URL: url, HYPERDX_ADMIN_EMAIL: EMAIL, HYPERDX_ADMIN_PASSWORD: PASSWORD,
        // Back-off in tens of milliseconds; the Job's own 500 ms is kept where the timing is the point.
        CONTENT_FILE: file, WEBHOOK_URLS_DIR: path.join(dir, "webhooks"), WAIT_SECONDS: "20", RETRY_DELAY_MS: "10", ...env,
    };
}
// Its run() in this process (test/run-script.ts); the last block runs the file as the Job does.
const run = (document: ContentDocument = DOCUMENT, env: Record<string, string | undefined> = {}): Promise<ScriptResult> =>
    runScript(SCRIPT, jobEnv(document, env));
const writes = () => v2.requests.filter((r) => !r.startsWith("GET "));
const expectNoSecretPrinted = (r: ScriptResult) => {
    for (const secret of [PASSWORD, SLACK_URL, "url-token-that-is-a-credential", state.team!.accessKey!]) {
        expect(r.stdout).not.toContain(secret);
        expect(r.stderr).not.toContain(secret);
    }
};

describe("hyperdx-content.mjs", () => {
    test("first run creates everything, channels before alerts and dashboards before their tile alerts", async () => {
        const r = await run();
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        const posts = writes();
        const firstAlert = posts.indexOf("POST /alerts");
        expect(posts.lastIndexOf("POST /webhooks")).toBeLessThan(firstAlert);
        expect(posts.lastIndexOf("POST /dashboards")).toBeLessThan(firstAlert);
        expect(posts.lastIndexOf("POST /saved-searches")).toBeLessThan(firstAlert);
        expect(posts.filter((p) => p !== "POST /webhooks" && p !== "POST /saved-searches" && p !== "POST /dashboards" && p !== "POST /alerts")).toEqual([]);
        expect(v2.webhooks.map((w) => [w.name, w.service, w.url])).toEqual([["platform-slack", "slack", SLACK_URL]]);
        expect(v2.dashboards.map((d) => d.name).sort()).toEqual(DOCUMENT.dashboards.map((d) => d.name).sort());
        expect(v2.savedSearches.map((s) => s.name)).toEqual(DOCUMENT.savedSearches.map((s) => s.name));
        expect(v2.alerts.map((a) => a.name).sort()).toEqual(DOCUMENT.alerts.map((a) => a.name).sort());
        // Every tile alert points at the tile of that name, with the id HyperDX made.
        for (const def of DOCUMENT.alerts.filter((a) => "dashboard" in a.on)) {
            const alert = v2.alerts.find((a) => a.name === def.name)!;
            const dashboard = v2.dashboards.find((d) => d.id === alert.dashboardId)!;
            expect((dashboard.tiles as { id: string; name: string }[]).find((t) => t.id === alert.tileId)?.name).toBe((def.on as { tile: string }).tile);
        }
        // Sources resolved by name.
        const metrics = v2.sources.find((s) => s.name === "Metrics")!.id;
        expect(((v2.dashboards[0].tiles as { config: { sourceId: string } }[])[0]).config.sourceId).toBe(metrics);
        expect(r.stdout).toMatch(new RegExp(`${2 + 1 + 1 + DOCUMENT.alerts.length} created, 0 updated, 0 deleted, 0 unchanged`));
        expectNoSecretPrinted(r);
    });

    test("a second run with the same document sends no write", async () => {
        expect((await run()).code).toBe(0);
        const before = v2.requests.length;
        const r = await run();
        expect(r.code).toBe(0);
        expect(v2.requests.slice(before).filter((req) => !req.startsWith("GET "))).toEqual([]);
        expect(r.stdout).toContain("0 created, 0 updated, 0 deleted");
    });

    test("a renamed dashboard is updated in place: same id, same tile ids, its alerts kept", async () => {
        await run();
        const original = v2.dashboards.find((d) => (d.tags as string[]).includes(`${OWNER}/kubernetes`))!;
        const tileIds = (original.tiles as { id: string }[]).map((t) => t.id);
        const alertIds = v2.alerts.map((a) => a.id).sort();
        const renamed = { ...DOCUMENT, dashboards: DOCUMENT.dashboards.map((d) => d.key === "kubernetes" ? { ...d, name: "Clusters" } : d) };
        const before = v2.requests.length;
        const r = await run(renamed);
        expect(r.code).toBe(0);
        expect(v2.requests.slice(before).filter((req) => !req.startsWith("GET "))).toEqual([`PUT /dashboards/${original.id}`]);
        const now = v2.dashboards.find((d) => d.id === original.id)!;
        expect(now.name).toBe("Clusters");
        expect((now.tiles as { id: string }[]).map((t) => t.id)).toEqual(tileIds);
        expect(v2.alerts.map((a) => a.id).sort()).toEqual(alertIds);
    });

    test("an alert removed from the document is deleted; an object the program does not own survives", async () => {
        await run();
        // Made in the UI: an alert, a dashboard and a webhook without the mark.
        const metrics = v2.sources.find((s) => s.name === "Metrics")!.id;
        v2.dashboards.push({ id: "a".repeat(24), name: "Mine", tags: [], tiles: [{ id: "t1", name: "x", x: 0, y: 0, w: 6, h: 4, config: { displayType: "number", sourceId: metrics, select: [] } }], filters: [] });
        v2.webhooks.push({ id: "b".repeat(24), name: "my-hook", service: "generic", url: "https://example.com/hook", description: "mine" });
        v2.alerts.push({ id: "c".repeat(24), name: "My alert", note: null, source: "tile", dashboardId: "a".repeat(24), tileId: "t1", channel: { type: "webhook", webhookId: "b".repeat(24) } });
        const dropped = DOCUMENT.alerts[0];
        const r = await run({ ...DOCUMENT, alerts: DOCUMENT.alerts.slice(1) });
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`deleted alert "${dropped.name}"`);
        expect(v2.alerts.map((a) => a.name)).not.toContain(dropped.name);
        expect(v2.alerts.map((a) => a.name)).toContain("My alert");
        expect(v2.dashboards.map((d) => d.name)).toContain("Mine");
        expect(v2.webhooks.map((w) => w.name)).toContain("my-hook");
    });

    test("a pack turned off takes its dashboards, saved searches, alerts and channels with it", async () => {
        await run();
        const r = await run({ ...DOCUMENT, webhooks: [], savedSearches: [], dashboards: [], alerts: [] });
        expect(r.code).toBe(0);
        expect([v2.webhooks, v2.savedSearches, v2.dashboards, v2.alerts].map((items) => items.length)).toEqual([0, 0, 0, 0]);
        // Alerts go before the channel they use (HyperDX answers 409 otherwise).
        const deletes = v2.requests.filter((req) => req.startsWith("DELETE "));
        const kinds = deletes.map((d) => d.split("/")[1]);
        expect(kinds.indexOf("webhooks")).toBeGreaterThan(kinds.lastIndexOf("alerts"));
    });

    test("a channel still used by an alert made in the UI is kept (HyperDX answers 409), and said so", async () => {
        await run();
        const hook = v2.webhooks[0];
        v2.alerts.push({ id: "e".repeat(24), name: "Made by hand", note: null, source: "saved_search", savedSearchId: v2.savedSearches[0].id, channel: { type: "webhook", webhookId: hook.id } });
        const r = await run({ ...DOCUMENT, webhooks: [], alerts: [] });
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`kept webhook "platform-slack": alerts not managed by ${OWNER} still use it`);
        expect(v2.webhooks.map((w) => w.id)).toEqual([hook.id]);
    });

    test("a 400 from the API fails the Job with the API's message", async () => {
        v2.failOnce = { request: "POST /dashboards", status: 400, body: { message: "Body validation failed: tiles.0.config.select: Array must contain at least 1 element(s)" } };
        const r = await run();
        expect(r.code).toBe(1);
        expect(r.stderr.trim().split("\n")).toEqual([
            expect.stringMatching(/^hyperdx-content: creating dashboard ".+": HyperDX answered POST \/api\/v2\/dashboards with HTTP 400: Body validation failed: tiles\.0\.config\.select: Array must contain at least 1 element\(s\)$/),
        ]);
        expectNoSecretPrinted(r);
    });

    test("a 500 that passes is retried; one that persists fails with the server's message, bounded", async () => {
        v2.failOnce = { request: "POST /dashboards", status: 500, body: { message: "transient" }, times: 2 };
        expect((await run()).code).toBe(0);
        v2.failOnce = { request: "GET /alerts", status: 500, body: { message: "findAndModify is not implemented" }, times: 100 };
        const started = Date.now();
        const before = v2.requests.length;
        const r = await run();
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^hyperdx-content: listing alerts: HyperDX answered GET \/api\/v2\/alerts with HTTP 500: findAndModify is not implemented\n$/);
        // Four retries with backoff (10 + 20 + 40 + 80 ms here; 0.5 + 1 + 2 + 4 s in the Job), not the whole WAIT_SECONDS.
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(v2.requests.slice(before).filter((r) => r === "GET /alerts")).toHaveLength(5); // the first answer and four retries
    });

    test("a server message that quotes a webhook URL is printed with the URL redacted", async () => {
        v2.failOnce = { request: "POST /webhooks", status: 400, body: { message: `Body validation failed: url: cannot reach ${SLACK_URL}` } };
        const r = await run();
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("Body validation failed: url: cannot reach [redacted]");
        expectNoSecretPrinted(r);
    });

    test("a 429 waits for the rate limit's reset and goes on", async () => {
        v2.rateLimitOnce = true;
        const r = await run();
        expect(r.code).toBe(0);
        expect(v2.alerts).toHaveLength(DOCUMENT.alerts.length);
    });

    test("a webhook URL change is applied without printing either URL", async () => {
        await run();
        const NEW_URL = "https://hooks.slack.com/services/T0000/B0000/second-secret-token";
        fs.writeFileSync(path.join(dir, "webhooks", "platform-slack"), NEW_URL);
        const before = v2.requests.length;
        const r = await run();
        expect(r.code).toBe(0);
        expect(v2.requests.slice(before).filter((req) => !req.startsWith("GET "))).toEqual([`PUT /webhooks/${v2.webhooks[0].id}`]);
        expect(v2.webhooks[0].url).toBe(NEW_URL);
        expect(r.stdout + r.stderr).not.toContain("second-secret-token");
        expectNoSecretPrinted(r);
    });

    test("generic and incident.io webhooks get the body HyperDX's UI would give them; a second run writes nothing", async () => {
        fs.writeFileSync(path.join(dir, "webhooks", "ops-generic"), "https://alerts.example.com/hook");
        fs.writeFileSync(path.join(dir, "webhooks", "ops-incidentio"), "https://api.incident.io/v2/alert_events/http/x");
        const webhooks = [...WEBHOOKS, { name: "ops-generic", service: "generic" as const }, { name: "ops-incidentio", service: "incidentio" as const }];
        const document = renderContent({ packs: ["pipeline"], clusters: ["dev"], webhooks, channel: "ops-generic" });
        expect((await run(document)).code).toBe(0);
        expect(Object.fromEntries(v2.webhooks.map((w) => [w.name, w.body]))).toEqual({
            "platform-slack": undefined, "ops-generic": WEBHOOK_BODIES.generic, "ops-incidentio": WEBHOOK_BODIES.incidentio,
        });
        const sent = v2.requests.length;
        expect((await run(document)).code).toBe(0);
        expect(v2.requests.slice(sent).filter((req) => !req.startsWith("GET "))).toEqual([]);
    });

    test("a webhook of the same name made in the UI is not taken over", async () => {
        v2.webhooks.push({ id: "d".repeat(24), name: "platform-slack", service: "slack", url: "https://hooks.slack.com/services/other", description: "by hand" });
        const r = await run();
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`a slack webhook named "platform-slack" exists in HyperDX and is not managed by ${OWNER}`);
        expect(v2.webhooks[0].url).toBe("https://hooks.slack.com/services/other");
    });

    test("wrong admin password: exit 1, one line, the password not printed", async () => {
        const r = await run(DOCUMENT, { HYPERDX_ADMIN_PASSWORD: "Wrong-password-123!" });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^hyperdx-content: logging in to HyperDX as admin@otel-demo.local failed \(HTTP 303, err=authFail\)/);
        expect(r.stderr).not.toContain("Wrong-password-123!");
        expect(writes()).toEqual([]);
    });

    test("a missing webhook URL file and missing env fail before any request", async () => {
        fs.rmSync(path.join(dir, "webhooks", "platform-slack"));
        const missingUrl = await run();
        expect(missingUrl.code).toBe(1);
        expect(missingUrl.stderr).toMatch(/webhook platform-slack has no URL: .*platform-slack is missing or empty/);
        const missingEnv = await runScript(SCRIPT, { HYPERDX_URL: url });
        expect(missingEnv.code).toBe(1);
        expect(missingEnv.stderr).toContain("missing environment variable(s): HYPERDX_ADMIN_EMAIL, HYPERDX_ADMIN_PASSWORD, CONTENT_FILE");
        const badDelay = await run(DOCUMENT, { RETRY_DELAY_MS: "half a second" });
        expect([badDelay.code, badDelay.stderr]).toEqual([1, "hyperdx-content: RETRY_DELAY_MS must be a positive integer, got half a second\n"]);
        expect(state.calls).toEqual([]);
    });

    test("HyperDX not answering: bounded by WAIT_SECONDS", async () => {
        const refused = await refusedUrl();
        try {
            const started = Date.now();
            // The Job's own back-off (RETRY_DELAY_MS unset: 500 ms doubling), bounded by WAIT_SECONDS.
            const r = await run(DOCUMENT, { HYPERDX_URL: refused.url, WAIT_SECONDS: "2", RETRY_DELAY_MS: undefined });
            expect(r.code).toBe(1);
            expect(r.stderr).toMatch(/gave no usable answer within 2s \(last: ECONNREFUSED\)/);
            expect(Date.now() - started).toBeLessThan(15_000);
        } finally {
            await refused.release();
        }
    });
});

describe("hyperdx-content.mjs as the Job runs it (`node hyperdx-content.mjs`)", () => {
    test("a first run: exit 0, and the lines run() gives, on stdout", async () => {
        const program = await runNodeScript(SCRIPT, jobEnv(DOCUMENT, {}));
        expect(program).toMatchObject({ code: 0, stderr: "" });
        expect(v2.alerts).toHaveLength(DOCUMENT.alerts.length);
        expectNoSecretPrinted(program);
        // The same first run through run(), against an empty HyperDX again.
        v2 = newV2State();
        state.v2 = v2;
        expect(await run()).toEqual(program);
    });

    test("a failure: exit 1 and its one line on stderr, the password not printed", async () => {
        const program = await runNodeScript(SCRIPT, jobEnv(DOCUMENT, { HYPERDX_ADMIN_PASSWORD: "Wrong-password-123!" }));
        expect(program.code).toBe(1);
        expect(program.stdout).toBe("");
        expect(program.stderr).toMatch(/^hyperdx-content: logging in to HyperDX as admin@otel-demo.local failed \(HTTP 303, err=authFail\)[^\n]*\n$/);
        expect(program.stderr).not.toContain("Wrong-password-123!");
    });
});
