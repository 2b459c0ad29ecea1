// HyperDX content: applies the dashboards, saved searches, alerts and notification channels this
// stack defines (components/content-packs/) to HyperDX through its external API v2, idempotently. Runs as a
// Job after the bootstrap; configured only through environment variables and two mounted files, so
// it also runs outside the cluster against fakes. Standalone on purpose: Node >= 20, no dependencies.
//
// HyperDX routes (hyperdxio/hyperdx, @hyperdx/api@2.30.1):
//   POST /api/login/password            -> 303 + session cookie (routers/api/root.ts)
//   GET  /api/me                        -> {accessKey, ...} (routers/api/me.ts)
//   /api/v2/{sources,webhooks,saved-searches,dashboards,alerts} with `Authorization: Bearer <accessKey>`
//   (routers/external-api/v2/). HYPERDX_URL is the app port 3000, whose proxy strips one /api
//   (packages/app/pages/api/[...all].ts), so v2 is at /api/api/v2 there. No upsert by name: list,
//   match, POST or PUT by id, DELETE by id. 100 requests a minute per key: a 429 waits and retries.
//
// What it owns carries a mark: dashboards and saved searches the tags <owner> and <owner>/<key>,
// webhooks a description and alerts a note that start with "Managed by <owner>". Only those are
// updated or deleted; anything else in HyperDX is left alone. A second run with the same document
// sends no write. It never prints the password, the access key or a webhook URL.
// Exit 0: HyperDX holds exactly the document's objects. Exit 1: one line on stderr saying what failed.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

const SESSION_COOKIE = "connect.sid";
const REQUEST_TIMEOUT_MS = 15_000;
const PAGE = 1000; // the v2 lists' maximum `limit` (utils/pagination.ts)

class Failure extends Error {}

function readSettings(env) {
    const required = ["HYPERDX_URL", "HYPERDX_ADMIN_EMAIL", "HYPERDX_ADMIN_PASSWORD", "CONTENT_FILE"];
    const missing = required.filter((name) => !env[name]);
    if (missing.length > 0) throw new Failure(`missing environment variable(s): ${missing.join(", ")}`);
    let hyperdxUrl;
    try {
        hyperdxUrl = new URL(env.HYPERDX_URL);
    } catch {
        throw new Failure("HYPERDX_URL is not a URL");
    }
    const waitSeconds = Number(env.WAIT_SECONDS ?? "300");
    if (!Number.isInteger(waitSeconds) || waitSeconds <= 0) throw new Failure(`WAIT_SECONDS must be a positive integer, got ${env.WAIT_SECONDS}`);
    const retryDelayMs = Number(env.RETRY_DELAY_MS ?? "500");
    if (!Number.isInteger(retryDelayMs) || retryDelayMs <= 0) throw new Failure(`RETRY_DELAY_MS must be a positive integer, got ${env.RETRY_DELAY_MS}`);
    return {
        retryDelayMs,
        hyperdx: hyperdxUrl.href.replace(/\/+$/, ""),
        email: env.HYPERDX_ADMIN_EMAIL,
        password: env.HYPERDX_ADMIN_PASSWORD,
        contentFile: env.CONTENT_FILE,
        webhookUrlsDir: env.WEBHOOK_URLS_DIR || undefined,
        deadline: Date.now() + waitSeconds * 1000,
        waitSeconds,
    };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `text` with each of `secrets` (what must never reach the log: the password, the key, the webhook URLs) replaced. */
const redact = (secrets, text) => [...secrets].reduce((t, s) => (s ? t.split(s).join("[redacted]") : t), String(text));

async function readDocument(settings, out) {
    let document;
    try {
        document = JSON.parse(await readFile(settings.contentFile, "utf8"));
    } catch (err) {
        throw new Failure(`cannot read the content document ${settings.contentFile}: ${err.code ?? err.message}`);
    }
    for (const key of ["owner", "webhooks", "savedSearches", "dashboards", "alerts"]) {
        if (document?.[key] === undefined) throw new Failure(`the content document ${settings.contentFile} has no ${key}`);
    }
    const urls = {};
    for (const webhook of document.webhooks) {
        if (!settings.webhookUrlsDir) throw new Failure(`webhook ${webhook.name} has no URL: WEBHOOK_URLS_DIR is not set`);
        const file = path.join(settings.webhookUrlsDir, webhook.name);
        const url = (await readFile(file, "utf8").catch(() => undefined))?.trim();
        if (!url) throw new Failure(`webhook ${webhook.name} has no URL: ${file} is missing or empty`);
        settings.secrets.add(url);
        urls[webhook.name] = url;
    }
    if (settings.webhookUrlsDir) {
        const extra = (await readdir(settings.webhookUrlsDir).catch(() => [])).filter((f) => !f.startsWith("..") && !document.webhooks.some((w) => w.name === f));
        if (extra.length > 0) out.log(`ignoring URL file(s) of webhooks the document does not define: ${extra.join(", ")}`);
    }
    return { document, urls };
}

/** A 5xx is retried this many times (HyperDX restarting); one that persists is a server error to report. */
const SERVER_ERROR_RETRIES = 4;

/**
 * One HTTP exchange. Connection errors are retried until the deadline (HyperDX starting), a 429 after
 * the advertised reset, a 5xx a few times; then the answer, or a failure that says what was last seen.
 */
async function request(settings, method, url, { headers = {}, body, what }) {
    // Back-off from RETRY_DELAY_MS, doubling up to ten times it (500 ms to 5 s in the Job).
    let delay = settings.retryDelayMs;
    let last = "no answer yet";
    let serverErrors = 0;
    for (;;) {
        let response;
        try {
            response = await fetch(url, {
                method,
                headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
                body: body === undefined ? undefined : JSON.stringify(body),
                redirect: "manual",
                signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
        } catch (err) {
            last = err.cause?.code ?? err.cause?.message ?? err.message;
        }
        let wait = delay;
        if (response && response.status === 429) {
            wait = Math.max(1, Number(response.headers.get("ratelimit-reset")) || 5) * 1000;
            last = "HTTP 429 (rate limit)";
        } else if (response && response.status >= 500 && serverErrors < SERVER_ERROR_RETRIES) {
            serverErrors++;
            last = `HTTP ${response.status}`;
        } else if (response) {
            return response;
        }
        if (Date.now() + wait > settings.deadline) throw new Failure(`${what}: HyperDX at ${settings.hyperdx} gave no usable answer within ${settings.waitSeconds}s (last: ${last})`);
        await sleep(wait);
        delay = Math.min(delay * 2, settings.retryDelayMs * 10);
    }
}

async function json(response, what) {
    const text = await response.text();
    try {
        return JSON.parse(text);
    } catch {
        throw new Failure(`${what}: HyperDX did not answer with JSON (HTTP ${response.status})`);
    }
}

/** The session cookie, then the user's personal access key: what the v2 API takes. */
async function accessKey(settings) {
    const login = await request(settings, "POST", `${settings.hyperdx}/api/login/password`, {
        body: { email: settings.email, password: settings.password }, what: "POST /api/login/password",
    });
    const location = login.headers.get("location") ?? "";
    const cookie = login.headers.getSetCookie().map((h) => h.split(";")[0].trim()).find((pair) => pair.startsWith(`${SESSION_COOKIE}=`));
    if (login.status !== 303 || /[?&]err=/.test(location) || !cookie) {
        throw new Failure(`logging in to HyperDX as ${settings.email} failed (HTTP ${login.status}${/[?&]err=/.test(location) ? `, ${location.replace(/^.*[?&](err=[^&]*).*$/, "$1")}` : ""}); the bootstrap Job registers this admin`);
    }
    const me = await request(settings, "GET", `${settings.hyperdx}/api/me`, { headers: { cookie }, what: "GET /api/me" });
    if (me.status !== 200) throw new Failure(`HyperDX answered GET /api/me with HTTP ${me.status}`);
    const key = (await json(me, "GET /api/me")).accessKey;
    if (typeof key !== "string" || key === "") throw new Failure("HyperDX's GET /api/me has no accessKey");
    settings.secrets.add(key);
    return key;
}

/** The v2 API with the access key; an error answer (after request()'s retries) fails with HyperDX's own message. */
function v2Client(settings, key, counts) {
    const call = async (method, route, body, what) => {
        const response = await request(settings, method, `${settings.hyperdx}/api/api/v2${route}`, {
            headers: { authorization: `Bearer ${key}` }, body, what,
        });
        if (response.status >= 400) {
            const text = await response.text();
            let message = text.slice(0, 500);
            try {
                const parsed = JSON.parse(text);
                message = parsed?.message ?? parsed?.error ?? message;
            } catch {
                // plain text, e.g. "Unauthorized"
            }
            const error = new Failure(`${what}: HyperDX answered ${method} /api/v2${route.replace(/\?.*$/, "")} with HTTP ${response.status}: ${message}`);
            error.status = response.status;
            throw error;
        }
        if (method !== "GET") counts.writes++;
        return json(response, what);
    };
    return {
        call,
        /** Every item of a list, page by page (alerts, saved searches and webhooks page; the others answer all). */
        async list(route) {
            const items = [];
            for (let offset = 0; ; offset += PAGE) {
                const page = await call("GET", `${route}?limit=${PAGE}&offset=${offset}`, undefined, `listing ${route.slice(1)}`);
                if (!Array.isArray(page?.data)) throw new Failure(`HyperDX's GET /api/v2${route} has no data list`);
                items.push(...page.data);
                if (page.meta?.total === undefined || items.length >= page.meta.total || page.data.length === 0) return items;
            }
        },
    };
}

/** Whether `actual` already holds everything `desired` says: fields HyperDX adds (ids, defaults) are ignored, null is absent. */
function holds(actual, desired) {
    if (desired === undefined) return true;
    if (desired === null) return actual === undefined || actual === null;
    if (Array.isArray(desired)) return Array.isArray(actual) && actual.length === desired.length && desired.every((d, i) => holds(actual[i], d));
    if (typeof desired === "object") return actual !== null && typeof actual === "object" && Object.entries(desired).every(([k, v]) => holds(actual[k], v));
    return actual === desired;
}

function marks(owner) {
    const prefix = `Managed by ${owner}`;
    return {
        tag: owner,
        keyTag: (key) => `${owner}/${key}`,
        keyOf: (tags) => (tags ?? []).find((t) => t.startsWith(`${owner}/`))?.slice(owner.length + 1),
        description: `${prefix}: edits made in HyperDX are overwritten by the next pulumi up.`,
        ownsWebhook: (w) => typeof w.description === "string" && w.description.startsWith(prefix),
        note: (key) => `${prefix} (key ${key}): edits made in HyperDX are overwritten by the next pulumi up.`,
        alertKey: (a) => (typeof a.note === "string" && a.note.startsWith(`${prefix} (key `) ? a.note.slice(prefix.length + 6).split(")")[0] : undefined),
    };
}

/** Creates, updates or leaves one object; returns its id. */
async function apply(api, log, out, kind, route, label, existing, body, compare = body) {
    if (existing && holds(existing, compare)) {
        log.unchanged++;
        return existing;
    }
    const what = `${existing ? "updating" : "creating"} ${kind} "${label}"`;
    const answer = existing ? await api.call("PUT", `${route}/${existing.id}`, body, what) : await api.call("POST", route, body, what);
    if (typeof answer?.data?.id !== "string") throw new Failure(`${what}: HyperDX answered without an id`);
    log[existing ? "updated" : "created"]++;
    out.log(`${existing ? "updated" : "created"} ${kind} "${label}"`);
    return answer.data;
}

const selectItem = (s) => ({ ...s, where: s.where ?? "", whereLanguage: s.whereLanguage ?? "lucene" });

async function main(settings, out) {
    settings.secrets.add(settings.password);
    const { document, urls } = await readDocument(settings, out);
    const mark = marks(document.owner);
    const key = await accessKey(settings);
    const counts = { writes: 0 };
    const api = v2Client(settings, key, counts);
    const log = { created: 0, updated: 0, unchanged: 0, deleted: 0, kept: 0 };
    out.log(`logged in to HyperDX as ${settings.email}; applying ${document.dashboards.length} dashboard(s), ${document.savedSearches.length} saved search(es), ${document.alerts.length} alert(s), ${document.webhooks.length} webhook(s)`);

    // Sources by name: registration created Logs, Traces, Metrics and Sessions.
    const sources = new Map((await api.list("/sources")).map((s) => [s.name, s.id]));
    const needed = [...document.savedSearches.map((s) => s.source), ...document.dashboards.flatMap((d) => [...d.tiles.map((t) => t.config.source), ...(d.filters ?? []).map((f) => f.source)])];
    const missing = [...new Set(needed.filter((name) => !sources.has(name)))];
    if (missing.length > 0) throw new Failure(`HyperDX has no source named ${missing.join(", ")} (it has: ${[...sources.keys()].join(", ") || "none"})`);

    // Channels first: alerts name them.
    const webhooks = await api.list("/webhooks");
    const webhookIds = new Map();
    for (const w of document.webhooks) {
        const existing = webhooks.find((x) => x.name === w.name && mark.ownsWebhook(x));
        const foreign = webhooks.find((x) => x.name === w.name && x.service === w.service && !mark.ownsWebhook(x));
        if (!existing && foreign) throw new Failure(`a ${w.service} webhook named "${w.name}" exists in HyperDX and is not managed by ${document.owner}: rename it or the one in alerting.webhooks`);
        const body = { name: w.name, service: w.service, url: urls[w.name], description: mark.description, ...(w.body !== undefined ? { body: w.body } : {}) };
        // HyperDX returns a webhook's body for the generic service only (externalWebhookSchema).
        const readable = { ...body };
        delete readable.body;
        webhookIds.set(w.name, (await apply(api, log, out, "webhook", "/webhooks", w.name, existing, body, w.service === "generic" ? body : readable)).id);
    }

    const savedSearches = await api.list("/saved-searches");
    const savedSearchIds = new Map();
    for (const s of document.savedSearches) {
        const existing = savedSearches.find((x) => mark.keyOf(x.tags) === s.key);
        const body = { name: s.name, sourceId: sources.get(s.source), select: s.select ?? "", where: s.where, whereLanguage: s.whereLanguage, orderBy: s.orderBy ?? "", tags: [mark.tag, mark.keyTag(s.key)], filters: [] };
        savedSearchIds.set(s.key, (await apply(api, log, out, "saved search", "/saved-searches", s.name, existing, body)).id);
    }

    // Dashboards before tile alerts. Tiles keep their ids by name: a PUT keeps ids it knows, and
    // deletes the alerts of tiles whose id vanished.
    const dashboards = await api.list("/dashboards");
    const tileIds = new Map();
    for (const d of document.dashboards) {
        const existing = dashboards.find((x) => mark.keyOf(x.tags) === d.key);
        const tiles = d.tiles.map((t) => {
            const id = existing?.tiles?.find((x) => x.name === t.name)?.id;
            const { source, ...config } = t.config;
            return { ...(id ? { id } : {}), name: t.name, x: t.x, y: t.y, w: t.w, h: t.h, config: { ...config, sourceId: sources.get(source), select: config.select.map(selectItem) } };
        });
        const filters = (d.filters ?? []).map((f) => {
            const { source, ...filter } = f;
            return { type: "QUERY_EXPRESSION", ...filter, sourceId: sources.get(source) };
        });
        const compare = { name: d.name, tags: [mark.tag, mark.keyTag(d.key)], tiles, filters };
        // A PUT takes filters with ids (externalDashboardFilterSchemaWithId): the known ones keep theirs.
        const body = existing
            ? { ...compare, filters: filters.map((f, i) => ({ id: existing.filters?.find((x) => x.name === f.name)?.id ?? `new-${i}`, ...f })) }
            : compare;
        const saved = await apply(api, log, out, "dashboard", "/dashboards", d.name, existing, body, compare);
        for (const t of saved.tiles ?? []) tileIds.set(`${d.key}\u0000${t.name}`, { dashboardId: saved.id, tileId: t.id });
    }

    // Alerts, listed after the dashboards were written (a PUT may have deleted some).
    const alerts = await api.list("/alerts");
    for (const a of document.alerts) {
        const existing = alerts.find((x) => mark.alertKey(x) === a.key);
        let target;
        if (a.on.dashboard !== undefined) {
            target = tileIds.get(`${a.on.dashboard}\u0000${a.on.tile}`);
            if (!target) throw new Failure(`alert "${a.name}": dashboard ${a.on.dashboard} has no tile "${a.on.tile}" in HyperDX's answer`);
            target = { source: "tile", ...target };
        } else {
            target = { source: "saved_search", savedSearchId: savedSearchIds.get(a.on.savedSearch), ...(a.on.groupBy ? { groupBy: a.on.groupBy } : {}) };
        }
        const webhookId = webhookIds.get(a.channel);
        if (!webhookId) throw new Failure(`alert "${a.name}" notifies ${a.channel}, which the document does not define`);
        const body = {
            name: a.name, message: a.message, note: mark.note(a.key),
            channel: { type: "webhook", webhookId },
            interval: a.interval, threshold: a.threshold, thresholdType: a.thresholdType,
            ...(a.thresholdMax !== undefined ? { thresholdMax: a.thresholdMax } : {}),
            ...(a.numConsecutiveWindows !== undefined ? { numConsecutiveWindows: a.numConsecutiveWindows } : {}),
            ...target,
        };
        await apply(api, log, out, "alert", "/alerts", a.name, existing, body);
    }

    // What this stack owns and no longer defines: alerts first, channels last (HyperDX refuses to
    // delete a webhook an alert still uses).
    const remove = async (kind, route, item, label) => {
        try {
            await api.call("DELETE", `${route}/${item.id}`, undefined, `deleting ${kind} "${label}"`);
        } catch (err) {
            if (kind === "webhook" && err.status === 409) {
                log.kept++;
                out.log(`kept webhook "${label}": alerts not managed by ${document.owner} still use it`);
                return;
            }
            if (err.status === 404) return; // gone already (a dashboard's alerts go with it)
            throw err;
        }
        log.deleted++;
        out.log(`deleted ${kind} "${label}"`);
    };
    const wantedAlerts = new Set(document.alerts.map((a) => a.key));
    for (const a of await api.list("/alerts")) {
        const k = mark.alertKey(a);
        if (k !== undefined && !wantedAlerts.has(k)) await remove("alert", "/alerts", a, a.name ?? k);
    }
    for (const d of dashboards.filter((x) => (mark.keyOf(x.tags) !== undefined) && !document.dashboards.some((w) => w.key === mark.keyOf(x.tags)))) {
        await remove("dashboard", "/dashboards", d, d.name);
    }
    for (const s of savedSearches.filter((x) => (mark.keyOf(x.tags) !== undefined) && !document.savedSearches.some((w) => w.key === mark.keyOf(x.tags)))) {
        await remove("saved search", "/saved-searches", s, s.name);
    }
    for (const w of webhooks.filter((x) => mark.ownsWebhook(x) && !document.webhooks.some((d) => d.name === x.name))) {
        await remove("webhook", "/webhooks", w, w.name);
    }

    out.log(`hyperdx-content: ${log.created} created, ${log.updated} updated, ${log.deleted} deleted, ${log.unchanged} unchanged${log.kept ? `, ${log.kept} kept` : ""} (${counts.writes} write(s))`);
}

/**
 * The whole Job against `env`, its lines written through `out`; resolves to its exit code. The unit tests
 * call it in-process; the Job runs the file.
 */
export async function run(env, out = console) {
    const secrets = new Set();
    try {
        await main({ ...readSettings(env), secrets }, out);
        return 0;
    } catch (err) {
        out.error(redact(secrets, err instanceof Failure ? `hyperdx-content: ${err.message}` : `hyperdx-content: unexpected error: ${err?.message ?? err}`));
        return 1;
    }
}

// Run by the Job (`node hyperdx-content.mjs`, the name it has in its ConfigMap); imported, it only defines run().
if (path.basename(process.argv[1] ?? "") === "hyperdx-content.mjs") {
    run(process.env).then((code) => {
        if (code !== 0) process.exit(code);
    });
}
