// HyperDX bootstrap: registers the stack's admin on a fresh HyperDX (or logs in as it), reads the
// team's ingestion API key and writes it into a Kubernetes Secret. Runs as a Job in the cluster;
// configured only through environment variables, so it also runs outside the cluster against fakes.
// Standalone on purpose: Node >= 20 and its standard library, no dependencies.
//
// HyperDX routes (hyperdxio/hyperdx, @hyperdx/api@2.30.1, packages/api/src/routers/api/root.ts, team.ts):
//   GET   /api/installation       -> {isTeamExisting}
//   POST  /api/register/password  -> 200 + session cookie | 409 {error: "teamAlreadyExists"} | 400
//   POST  /api/login/password     -> always 303: Location <frontend>/ (ok) or /login?err=... (failed)
//   GET   /api/team               -> {apiKey, ...} (session)
//   PATCH /api/team/apiKey        -> {newApiKey} (session)
// The session cookie's Domain is FRONTEND_URL's host, not ours: connect.sid is copied by hand.
//
// It never prints the key or the password. Exit 0: the Secret holds the team's key. Exit 1: one line
// on stderr saying what failed.
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import path from "node:path";

const SESSION_COOKIE = "connect.sid";
const FIELD_MANAGER = "clickstack-hyperdx-bootstrap";
const REQUEST_TIMEOUT_MS = 10_000;

/** A failure with a message fit for the one line the Job prints. */
class Failure extends Error {}

function readSettings(env) {
    const required = ["HYPERDX_URL", "HYPERDX_ADMIN_EMAIL", "HYPERDX_ADMIN_PASSWORD", "API_KEY_SECRET_NAME", "API_KEY_SECRET_KEY_NAME", "NAMESPACE"];
    const missing = required.filter((name) => !env[name]);
    if (missing.length > 0) throw new Failure(`missing environment variable(s): ${missing.join(", ")}`);
    let hyperdxUrl;
    try {
        hyperdxUrl = new URL(env.HYPERDX_URL);
    } catch {
        throw new Failure(`HYPERDX_URL is not a URL: ${env.HYPERDX_URL}`);
    }
    const waitSeconds = Number(env.WAIT_SECONDS ?? "600");
    if (!Number.isInteger(waitSeconds) || waitSeconds <= 0) throw new Failure(`WAIT_SECONDS must be a positive integer, got ${env.WAIT_SECONDS}`);
    const retryDelayMs = Number(env.RETRY_DELAY_MS ?? "500");
    if (!Number.isInteger(retryDelayMs) || retryDelayMs <= 0) throw new Failure(`RETRY_DELAY_MS must be a positive integer, got ${env.RETRY_DELAY_MS}`);
    const rotate = env.ROTATE_KEY ?? "false";
    if (rotate !== "true" && rotate !== "false") throw new Failure(`ROTATE_KEY must be true or false, got ${rotate}`);
    let kubernetesApiUrl = env.KUBERNETES_API_URL;
    if (!kubernetesApiUrl) {
        const host = env.KUBERNETES_SERVICE_HOST;
        const port = env.KUBERNETES_SERVICE_PORT;
        if (!host || !port) throw new Failure("missing environment variable(s): KUBERNETES_API_URL (or KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, which Kubernetes sets in a pod)");
        kubernetesApiUrl = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
    }
    return {
        hyperdx: hyperdxUrl.href.replace(/\/+$/, ""),
        email: env.HYPERDX_ADMIN_EMAIL,
        password: env.HYPERDX_ADMIN_PASSWORD,
        secretName: env.API_KEY_SECRET_NAME,
        secretKey: env.API_KEY_SECRET_KEY_NAME,
        namespace: env.NAMESPACE,
        rotate: rotate === "true",
        waitSeconds,
        retryDelayMs,
        kubernetesApiUrl: kubernetesApiUrl.replace(/\/+$/, ""),
        serviceAccountDir: env.SERVICEACCOUNT_DIR || "/var/run/secrets/kubernetes.io/serviceaccount",
    };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses a JSON body; the error names the route, never quotes the body (it may hold the key). */
async function readJson(text, what) {
    try {
        return JSON.parse(await text);
    } catch {
        throw new Failure(`${what} did not answer with JSON`);
    }
}

async function hyperdxRequest(settings, method, route, { body, cookie } = {}) {
    const headers = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (cookie) headers.cookie = cookie;
    return fetch(`${settings.hyperdx}/api${route}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: "manual",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
}

/** Waits until HyperDX answers /api/installation; returns whether a team exists. */
async function waitForHyperdx(settings) {
    const deadline = Date.now() + settings.waitSeconds * 1000;
    // Back-off from RETRY_DELAY_MS, doubling up to ten times it (500 ms to 5 s in the Job).
    let delay = settings.retryDelayMs;
    let last = "no answer yet";
    for (;;) {
        try {
            const response = await hyperdxRequest(settings, "GET", "/installation");
            if (response.ok) {
                const answer = await readJson(response.text(), "HyperDX GET /api/installation");
                if (typeof answer.isTeamExisting !== "boolean") throw new Failure(`HyperDX answered /api/installation without isTeamExisting; is ${settings.hyperdx} HyperDX?`);
                return answer.isTeamExisting;
            }
            if (response.status < 500) throw new Failure(`HyperDX answered GET /api/installation with HTTP ${response.status}; is ${settings.hyperdx} HyperDX?`);
            last = `HTTP ${response.status}`;
        } catch (err) {
            if (err instanceof Failure) throw err;
            last = err.cause?.code ?? err.cause?.message ?? err.message;
        }
        if (Date.now() + delay > deadline) {
            throw new Failure(`HyperDX at ${settings.hyperdx} did not answer within ${settings.waitSeconds}s (last: ${last})`);
        }
        await sleep(delay);
        delay = Math.min(delay * 2, settings.retryDelayMs * 10);
    }
}

/** The `name=value` of the session cookie among Set-Cookie headers, whatever their Domain. */
function sessionCookie(response) {
    for (const header of response.headers.getSetCookie()) {
        const pair = header.split(";")[0].trim();
        if (pair.startsWith(`${SESSION_COOKIE}=`)) return pair;
    }
    return undefined;
}

/** Registers the admin; returns the session cookie, or undefined when a team already exists (409). */
async function register(settings) {
    const response = await hyperdxRequest(settings, "POST", "/register/password", {
        body: { email: settings.email, password: settings.password, confirmPassword: settings.password },
    });
    if (response.status === 409) return undefined;
    if (response.status === 200) {
        const cookie = sessionCookie(response);
        if (!cookie) throw new Failure("HyperDX registered the admin but set no session cookie");
        return cookie;
    }
    throw new Failure(`HyperDX refused to register ${settings.email}: HTTP ${response.status} ${await rejectionReason(response)}`);
}

/** What HyperDX said about a rejected registration: its validation messages, never the input. */
async function rejectionReason(response) {
    const text = await response.text();
    try {
        const body = JSON.parse(text);
        const issues = (Array.isArray(body) ? body : [body]).flatMap((entry) => entry?.errors?.issues ?? []);
        if (issues.length > 0) return issues.map((issue) => `${(issue.path ?? []).join(".") || "body"}: ${issue.message}`).join("; ");
        if (typeof body.error === "string") return body.error;
    } catch {
        // not JSON
    }
    return "(no reason given)";
}

async function login(settings) {
    const response = await hyperdxRequest(settings, "POST", "/login/password", { body: { email: settings.email, password: settings.password } });
    const location = response.headers.get("location") ?? "";
    const cookie = sessionCookie(response);
    if (response.status === 303 && !/[?&]err=/.test(location) && cookie) return cookie;
    if (response.status === 303) {
        throw new Failure(`HyperDX already has a team that this stack did not create: logging in as ${settings.email} failed (${location.replace(/^.*[?&]err=([^&]*).*$/, "err=$1") || "no session"}). Set the ingestion key by hand instead: pulumi config set --secret ingestionApiKey <key from Team Settings>`);
    }
    throw new Failure(`HyperDX answered POST /api/login/password with HTTP ${response.status}, expected 303`);
}

async function teamApiKey(settings, cookie) {
    const response = await hyperdxRequest(settings, "GET", "/team", { cookie });
    if (!response.ok) throw new Failure(`HyperDX answered GET /api/team with HTTP ${response.status}`);
    const team = await readJson(response.text(), "HyperDX GET /api/team");
    if (typeof team.apiKey !== "string" || team.apiKey === "") throw new Failure("HyperDX's team has no apiKey");
    return team.apiKey;
}

async function rotateApiKey(settings, cookie) {
    const response = await hyperdxRequest(settings, "PATCH", "/team/apiKey", { cookie });
    if (!response.ok) throw new Failure(`HyperDX answered PATCH /api/team/apiKey with HTTP ${response.status}`);
    const answer = await readJson(response.text(), "HyperDX PATCH /api/team/apiKey");
    if (typeof answer.newApiKey !== "string" || answer.newApiKey === "") throw new Failure("HyperDX rotated the key but returned no newApiKey");
    return answer.newApiKey;
}

/** The service account's token and CA, as Kubernetes mounts them in a pod. */
async function serviceAccount(settings) {
    let token;
    try {
        token = (await readFile(path.join(settings.serviceAccountDir, "token"), "utf8")).trim();
    } catch (err) {
        throw new Failure(`cannot read the service account token in ${settings.serviceAccountDir}: ${err.code ?? err.message}`);
    }
    const ca = await readFile(path.join(settings.serviceAccountDir, "ca.crt")).catch(() => undefined);
    return { token, ca };
}

function kubernetesRequest(settings, account, method, apiPath, body) {
    const url = new URL(`${settings.kubernetesApiUrl}${apiPath}`);
    const transport = url.protocol === "https:" ? https : http;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
        const request = transport.request(url, {
            method,
            ca: account.ca,
            timeout: REQUEST_TIMEOUT_MS,
            headers: {
                authorization: `Bearer ${account.token}`,
                accept: "application/json",
                ...(payload === undefined ? {} : { "content-type": "application/merge-patch+json", "content-length": Buffer.byteLength(payload) }),
            },
        }, (response) => {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (chunk) => { text += chunk; });
            response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        });
        request.on("timeout", () => request.destroy(new Error("timed out")));
        request.on("error", (err) => reject(new Failure(`the Kubernetes API at ${settings.kubernetesApiUrl} is not reachable: ${err.code ?? err.message}`)));
        request.end(payload);
    });
}

/** Why the Kubernetes API refused, from its Status object (which never holds the Secret's data). */
function kubernetesRefusal(action, settings, response) {
    let reason = "";
    try {
        reason = JSON.parse(response.text).message ?? "";
    } catch {
        // not a Status
    }
    return new Failure(`the Kubernetes API refused to ${action} secret ${settings.namespace}/${settings.secretName}: HTTP ${response.status}${reason ? ` ${reason}` : ""}`);
}

/** Writes the key into the Secret unless it already holds it; returns whether it wrote. */
async function storeApiKey(settings, apiKey) {
    const account = await serviceAccount(settings);
    const secretPath = `/api/v1/namespaces/${encodeURIComponent(settings.namespace)}/secrets/${encodeURIComponent(settings.secretName)}`;
    const current = await kubernetesRequest(settings, account, "GET", secretPath);
    if (current.status !== 200) throw kubernetesRefusal("read", settings, current);
    const stored = (await readJson(current.text, "the Kubernetes API")).data?.[settings.secretKey];
    if (stored !== undefined && Buffer.from(stored, "base64").toString("utf8") === apiKey) return false;
    const patched = await kubernetesRequest(settings, account, "PATCH", `${secretPath}?fieldManager=${FIELD_MANAGER}`, {
        data: { [settings.secretKey]: Buffer.from(apiKey, "utf8").toString("base64") },
    });
    if (patched.status !== 200) throw kubernetesRefusal("update", settings, patched);
    return true;
}

async function main(env, out) {
    const settings = readSettings(env);
    const teamExists = await waitForHyperdx(settings);
    let cookie = teamExists ? undefined : await register(settings);
    const registered = cookie !== undefined;
    if (!registered) cookie = await login(settings);
    out.log(registered ? `registered the HyperDX admin ${settings.email}` : `logged in to HyperDX as ${settings.email}`);
    const apiKey = settings.rotate ? await rotateApiKey(settings, cookie) : await teamApiKey(settings, cookie);
    if (settings.rotate) out.log("rotated the team's ingestion API key");
    const wrote = await storeApiKey(settings, apiKey);
    out.log(`secret ${settings.namespace}/${settings.secretName} key ${settings.secretKey} ${wrote ? "now holds" : "already holds"} the team's ingestion API key`);
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
        out.error(err instanceof Failure ? `hyperdx-bootstrap: ${err.message}` : `hyperdx-bootstrap: unexpected error: ${err?.message ?? err}`);
        return 1;
    }
}

// Run by the Job (`node hyperdx-bootstrap.mjs`, the name it has in its ConfigMap); imported, it only defines run().
if (path.basename(process.argv[1] ?? "") === "hyperdx-bootstrap.mjs") {
    run(process.env).then((code) => {
        if (code !== 0) process.exit(code);
    });
}
