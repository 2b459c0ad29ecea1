// A fake HyperDX 2.30.1 on 127.0.0.1: the routes the bootstrap and content scripts use, with HyperDX's
// statuses, redirects and session cookie (hyperdxio/hyperdx packages/api/src/routers/api/root.ts, team.ts,
// me.ts, middleware/auth.ts); the external API v2 is in hyperdx-v2.ts. Used by the scripts' unit tests
// and by the real-engine test (e2e/).
import * as crypto from "crypto";
import * as http from "http";
import { V2State, v2Route } from "./hyperdx-v2";

export interface HyperdxState {
    team?: { apiKey: string; users: Record<string, string>; /** The users' personal access key (one user here). */ accessKey?: string };
    /** The external API v2's objects (hyperdx-v2.ts). */
    v2?: V2State;
    /** Answer /api/installation with 503 this many times first. */
    unavailable: number;
    /** /api/installation says "no team" although one exists (it was created after the check). */
    teamCreatedAfterCheck?: boolean;
    /** Answer registration with this instead of creating the team. */
    registerAnswer?: { status: number; body: unknown };
    sessions: Map<string, string>;
    calls: string[];
    /** The Cookie header of each GET /api/team. */
    teamCookies: (string | undefined)[];
}

/** A fake HyperDX: the routes the script uses, with HyperDX's statuses, redirects and cookie. */
export function fakeHyperdx(state: HyperdxState): http.Server {
    return http.createServer((req, res) => {
        let text = "";
        req.on("data", (c) => { text += c; });
        req.on("end", () => {
            const route = `${req.method} ${req.url}`;
            state.calls.push(route);
            const json = (status: number, body: unknown, headers: Record<string, string | string[]> = {}) => {
                res.writeHead(status, { "content-type": "application/json", ...headers });
                res.end(JSON.stringify(body));
            };
            // express-session: Domain is FRONTEND_URL's host, never the Service host the script uses.
            const newSession = (email: string) => {
                const sid = `s%3A${crypto.randomUUID()}`;
                state.sessions.set(sid, email);
                return [`connect.sid=${sid}; Path=/; Expires=Wed, 01 Jan 2031 00:00:00 GMT; HttpOnly; Domain=hyperdx.example.com; SameSite=Lax`, "other=1; Path=/"];
            };
            const sessionEmail = () => {
                const sid = /connect\.sid=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
                return sid === undefined ? undefined : state.sessions.get(sid);
            };
            const body = text ? JSON.parse(text) : {};
            switch (route) {
                case "GET /api/installation":
                    if (state.unavailable > 0) {
                        state.unavailable--;
                        return json(503, { error: "unavailable" });
                    }
                    return json(200, { isTeamExisting: state.team !== undefined && !state.teamCreatedAfterCheck });
                case "POST /api/register/password":
                    if (state.registerAnswer) return json(state.registerAnswer.status, state.registerAnswer.body);
                    if (state.team) return json(409, { error: "teamAlreadyExists" });
                    state.team = { apiKey: crypto.randomUUID(), users: { [body.email]: body.password } };
                    return json(200, { status: "success" }, { "set-cookie": newSession(body.email) });
                case "POST /api/login/password": {
                    const ok = state.team?.users[body.email] !== undefined && state.team.users[body.email] === body.password;
                    res.writeHead(303, ok
                        ? { location: "http://localhost:3000/", "set-cookie": newSession(body.email) }
                        : { location: "http://localhost:3000/login?err=authFail" });
                    return res.end();
                }
                case "GET /api/team":
                    state.teamCookies.push(req.headers.cookie);
                    if (!sessionEmail() || !state.team) return json(401, "Unauthorized");
                    return json(200, { _id: "t1", name: `${sessionEmail()}'s Team`, apiKey: state.team.apiKey, allowedAuthMethods: [], createdAt: "2026-11-28" });
                case "GET /api/me":
                    if (!sessionEmail() || !state.team) return json(401, "Unauthorized");
                    state.team.accessKey ??= crypto.randomUUID();
                    return json(200, { accessKey: state.team.accessKey, email: sessionEmail(), id: "u1", name: sessionEmail(), team: { _id: "t1" } });
                case "PATCH /api/team/apiKey":
                    if (!sessionEmail() || !state.team) return json(401, "Unauthorized");
                    state.team.apiKey = crypto.randomUUID();
                    return json(200, { newApiKey: state.team.apiKey });
                default:
                    if (req.url?.startsWith("/api/api/v2/") && state.v2) return v2Route(state.v2, state.team?.accessKey, req, text, json);
                    return json(404, { error: "not found" });
            }
        });
    });
}
