// HyperDX 2.30.1's external API v2 as a fake, behind the app port's /api proxy (/api/api/v2/…): the
// routes the content script uses, with the source's bodies, statuses and messages
// (packages/api/src/routers/external-api/v2/{sources,webhooks,savedSearches,dashboards,alerts}.ts,
// utils/dashboards.ts, controllers/alerts.ts validateAlertInput, utils/pagination.ts). Bodies are checked
// with the schemas in ../schemas/hyperdx-v2.ts, as the routers' validateRequest does (400
// "Body validation failed: …"). A GET returns what HyperDX stores: ids it made, tile ids it made on
// create, defaults it filled in (fillNulls, asRatio, where, whereLanguage), so a client comparing
// naively sees a difference that is not one.
import * as crypto from "crypto";
import * as http from "http";
import { z } from "zod";
import { alertBody, bodyValidationMessage, createDashboardBody, savedSearchBody, updateDashboardBody, webhookBody } from "../schemas/hyperdx-v2";

type Doc = Record<string, unknown> & { id: string };
export interface V2State {
    sources: Doc[];
    webhooks: Doc[];
    savedSearches: Doc[];
    dashboards: Doc[];
    alerts: Doc[];
    /** Every v2 request, `METHOD /path` without the query. */
    requests: string[];
    /** Answer the next matching requests (`METHOD /path-prefix`) with this, `times` times (default once). */
    failOnce?: { request: string; status: number; body: unknown; times?: number };
    /** Answer the next request with 429 and RateLimit-Reset: 1, once. */
    rateLimitOnce?: boolean;
}

export const objectId = (): string => crypto.randomBytes(12).toString("hex");

/** What registration creates (setupTeamDefaults): the four default sources. */
export function newV2State(): V2State {
    return {
        sources: ["Logs", "Traces", "Metrics", "Sessions"].map((name) => ({ id: objectId(), name, kind: name.toLowerCase().replace(/s$/, "") })),
        webhooks: [], savedSearches: [], dashboards: [], alerts: [], requests: [],
    };
}

type Json = (status: number, body: unknown, headers?: Record<string, string>) => void;

const paged = (items: Doc[], url: URL) => {
    const limit = Number(url.searchParams.get("limit") ?? 1000);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    return { data: items.slice(offset, offset + limit), meta: { total: items.length, limit, offset } };
};

/** What GET returns for a stored tile: convertToExternalTileChartConfig fills these in. */
function storedTile(tile: Record<string, unknown>, id: string): Doc {
    const config = tile.config as Record<string, unknown>;
    const select = (config.select as Record<string, unknown>[]).map((s) => ({
        valueExpression: "", ...s, where: s.where ?? "", whereLanguage: s.whereLanguage ?? "lucene", periodAggFn: s.periodAggFn,
    }));
    const filled = config.displayType === "number" ? { ...config, select } : { asRatio: false, fillNulls: true, ...config, select };
    return { ...tile, id, config: filled };
}

export function v2Route(state: V2State, accessKey: string | undefined, req: http.IncomingMessage, text: string, json: Json): void {
    const url = new URL(req.url!, "http://fake");
    const route = url.pathname.replace(/^\/api\/api\/v2/, "");
    const request = `${req.method} ${route}`;
    state.requests.push(request);
    // middleware/auth.ts validateUserAccessKey: a Bearer user access key, else 401 "Unauthorized".
    if (!accessKey || req.headers.authorization !== `Bearer ${accessKey}`) return json(401, "Unauthorized");
    if (state.rateLimitOnce) {
        state.rateLimitOnce = false;
        return json(429, "Too many requests, please try again later.", { "ratelimit-reset": "1" });
    }
    if (state.failOnce && request.startsWith(state.failOnce.request)) {
        const { status, body, times = 1 } = state.failOnce;
        state.failOnce = times > 1 ? { ...state.failOnce, times: times - 1 } : undefined;
        return json(status, body);
    }
    const body = text ? JSON.parse(text) : undefined;
    const [, collection, id] = route.split("/");
    const parse = <T>(schema: z.ZodType<T>): T | undefined => {
        const result = schema.safeParse(body);
        if (!result.success) {
            json(400, { message: bodyValidationMessage(result.error) });
            return undefined;
        }
        return result.data;
    };
    const sourceIds = new Set(state.sources.map((s) => s.id));
    const find = (items: Doc[]) => items.find((x) => x.id === id);
    const remove = (items: Doc[], keep: (x: Doc) => boolean) => items.splice(0, items.length, ...items.filter(keep));

    switch (`${req.method} ${collection}${id ? "/:id" : ""}`) {
        case "GET sources":
            return json(200, { data: state.sources });

        case "GET webhooks":
            // externalWebhookSchema: the body is read back for generic webhooks only.
            return json(200, paged(state.webhooks.map(({ body: written, ...w }) => (w.service === "generic" ? { ...w, body: written } : w)), url));
        case "POST webhooks":
        case "PUT webhooks/:id": {
            const w = parse(webhookBody);
            if (!w) return;
            const existing = id ? find(state.webhooks) : undefined;
            if (id && !existing) return json(404, { message: "Webhook not found" });
            if (state.webhooks.some((x) => x.id !== id && x.name === w.name && x.service === w.service)) {
                return json(400, { message: "A webhook with this service and name already exists" });
            }
            const now = new Date().toISOString();
            const stored: Doc = { id: existing?.id ?? objectId(), ...w, createdAt: (existing?.createdAt as string) ?? now, updatedAt: now };
            if (existing) Object.assign(existing, stored); else state.webhooks.push(stored);
            return json(200, { data: stored });
        }
        case "DELETE webhooks/:id":
            {
                const using = state.alerts.filter((a) => (a.channel as { webhookId: string }).webhookId === id).length;
                if (using > 0) return json(409, { message: `Cannot delete webhook: ${using} alert(s) still reference it. Reassign or remove those alerts first.` });
            }
            remove(state.webhooks, (x) => x.id !== id);
            return json(200, {});

        case "GET saved-searches":
            return json(200, paged(state.savedSearches, url));
        case "POST saved-searches":
        case "PUT saved-searches/:id": {
            const s = parse(savedSearchBody);
            if (!s) return;
            const existing = id ? find(state.savedSearches) : undefined;
            if (id && !existing) return json(404, { message: "Saved search not found" });
            if (!sourceIds.has(s.sourceId)) return json(400, { message: "sourceId must be an existing source id" });
            const stored: Doc = { id: existing?.id ?? objectId(), ...s, teamId: "t1" };
            if (existing) Object.assign(existing, stored); else state.savedSearches.push(stored);
            return json(200, { data: stored });
        }
        case "DELETE saved-searches/:id":
            remove(state.alerts, (a) => a.savedSearchId !== id);
            remove(state.savedSearches, (x) => x.id !== id);
            return json(200, {});

        case "GET dashboards":
            return json(200, { data: state.dashboards });
        case "POST dashboards":
        case "PUT dashboards/:id": {
            const d = parse(id ? updateDashboardBody : createDashboardBody);
            if (!d) return;
            const existing = id ? find(state.dashboards) : undefined;
            if (id && !existing) return json(404, "Not Found");
            const missing = [...d.tiles.map((t) => t.config.sourceId), ...(d.filters ?? []).map((f) => (f as { sourceId: string }).sourceId)].filter((s) => !sourceIds.has(s));
            if (missing.length > 0) return json(400, { message: `Could not find the following source IDs: ${missing.join(", ")}` });
            // convertExternalTilesToInternal: a create makes every id; an update keeps the ids it knows.
            const known = new Set(((existing?.tiles as Doc[]) ?? []).map((t) => t.id));
            const tiles = d.tiles.map((t) => storedTile(t, id && t.id && known.has(t.id) ? t.id : objectId()));
            const knownFilters = new Set(((existing?.filters as Doc[]) ?? []).map((f) => f.id));
            const filters = (d.filters ?? []).map((f) => {
                const fid = (f as { id?: string }).id;
                return { ...(f as object), id: fid && knownFilters.has(fid) ? fid : objectId() };
            });
            const stored: Doc = { id: existing?.id ?? objectId(), name: d.name, tiles, tags: [...new Set(d.tags ?? [])], filters, savedQuery: null, savedQueryLanguage: null, savedFilterValues: [] };
            if (existing) {
                // cleanupDashboardAlerts: alerts of tiles that vanished go.
                const ids = new Set(tiles.map((t) => t.id));
                remove(state.alerts, (a) => a.dashboardId !== id || ids.has(a.tileId as string));
                Object.assign(existing, stored);
            } else {
                state.dashboards.push(stored);
            }
            return json(200, { data: stored });
        }
        case "DELETE dashboards/:id":
            remove(state.alerts, (a) => a.dashboardId !== id);
            remove(state.dashboards, (x) => x.id !== id);
            return json(200, {});

        case "GET alerts":
            return json(200, paged(state.alerts, url));
        case "POST alerts":
        case "PUT alerts/:id": {
            const a = parse(alertBody);
            if (!a) return;
            const existing = id ? find(state.alerts) : undefined;
            if (id && !existing) return json(404, { message: "Alert not found" });
            // validateAlertInput: the target must exist (Api400Error).
            if (a.source === "tile") {
                const dashboard = state.dashboards.find((x) => x.id === a.dashboardId);
                if (!dashboard) return json(400, { message: "Dashboard not found" });
                if (!(dashboard.tiles as Doc[]).some((t) => t.id === a.tileId)) return json(400, { message: "Tile not found" });
            } else if (!state.savedSearches.some((x) => x.id === a.savedSearchId)) {
                return json(400, { message: "Saved search not found" });
            }
            // translateAlertDocumentToExternalAlert: nulls for what was not given, state, team.
            const stored: Doc = {
                id: existing?.id ?? objectId(), note: null, numConsecutiveWindows: null, thresholdMax: undefined, groupBy: undefined,
                ...a, state: "OK", teamId: "t1", silenced: undefined, executionErrors: [],
            };
            if (existing) Object.assign(existing, stored); else state.alerts.push(stored);
            return json(200, { data: stored });
        }
        case "DELETE alerts/:id":
            if (!find(state.alerts)) return json(404, { message: "Alert not found" });
            remove(state.alerts, (x) => x.id !== id);
            return json(200, {});

        default:
            return json(404, "Not Found");
    }
}
