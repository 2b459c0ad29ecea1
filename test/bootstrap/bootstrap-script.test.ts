// The bootstrap Job's script (components/bootstrap/hyperdx-bootstrap.mjs), run as the Job runs it: a Node program
// configured by env (test/run-script.ts), against a fake HyperDX and a fake Kubernetes API on 127.0.0.1. The fakes follow
// HyperDX 2.30.1's routes (packages/api/src/routers/api/root.ts, team.ts, middleware/auth.ts) and the
// Kubernetes API's Secret GET / merge-PATCH.
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { fakeHyperdx, HyperdxState } from "../fakes/hyperdx";
import { refusedUrl } from "../fakes/refused";
import { ROOT } from "../root";
import { runNodeScript, runScript as runInProcess, ScriptResult } from "../run-script";

const SCRIPT = path.join(ROOT, "components", "bootstrap", "hyperdx-bootstrap.mjs");
const EMAIL = "admin@otel-demo.local";
const PASSWORD = "Pw-of-the-Stack-Owner-42!";
const TOKEN = "service-account-token";
const NAMESPACE = "otel-demo";
const SECRET = { name: "hyperdx-secret", key: "HYPERDX_API_KEY" };

interface KubeState {
    secrets: Map<string, { data?: Record<string, string> }>;
    forbidden: boolean;
    patches: unknown[];
}

/** A fake Kubernetes API: GET and merge-PATCH of a Secret, bearer token checked, RBAC 403 on demand. */
function fakeKubernetes(state: KubeState): http.Server {
    return http.createServer((req, res) => {
        let text = "";
        req.on("data", (c) => { text += c; });
        req.on("end", () => {
            const status = (code: number, reason: string, message: string) => {
                res.writeHead(code, { "content-type": "application/json" });
                res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code }));
            };
            if (req.headers.authorization !== `Bearer ${TOKEN}`) return status(401, "Unauthorized", "Unauthorized");
            const url = new URL(req.url!, "http://fake");
            const match = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(url.pathname);
            if (!match) return status(404, "NotFound", "the server could not find the requested resource");
            const [, ns, name] = match;
            if (state.forbidden) {
                const verb = req.method === "GET" ? "get" : "patch";
                return status(403, "Forbidden", `secrets "${name}" is forbidden: User "system:serviceaccount:${ns}:bootstrap" cannot ${verb} resource "secrets" in API group "" in the namespace "${ns}"`);
            }
            const secret = state.secrets.get(`${ns}/${name}`);
            if (!secret) return status(404, "NotFound", `secrets "${name}" not found`);
            if (req.method === "PATCH") {
                if (req.headers["content-type"] !== "application/merge-patch+json") return status(415, "UnsupportedMediaType", "unsupported media type");
                const patch = JSON.parse(text);
                state.patches.push(patch);
                secret.data = { ...secret.data, ...patch.data };
            }
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ kind: "Secret", apiVersion: "v1", metadata: { name, namespace: ns }, type: "Opaque", ...secret }));
        });
    });
}

const listen = (server: http.Server) => new Promise<string>((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

type Result = ScriptResult;

// Its run() in this process (test/run-script.ts); the last block runs the file as the Job does.
const runScript = (env: Record<string, string | undefined>): Promise<Result> => runInProcess(SCRIPT, env);

interface Fixture {
    readonly hyperdx: HyperdxState;
    readonly kube: KubeState;
    readonly env: Record<string, string | undefined>;
    readonly serviceAccountDir: string;
    /** The key the fake Secret holds now, decoded. */
    storedKey(): string | undefined;
    /** The script never prints a credential, whatever happened. */
    expectNoCredentialPrinted(result: Result): void;
}

/**
 * Runs `test` against its own fake HyperDX, fake Kubernetes API and service-account directory, so the
 * tests run concurrently (each spends most of its time waiting on the script).
 */
function withFixture(test: (f: Fixture) => Promise<void>): () => Promise<void> {
    return async () => {
        const hyperdx: HyperdxState = { unavailable: 0, sessions: new Map(), calls: [], teamCookies: [] };
        const kube: KubeState = { secrets: new Map([[`${NAMESPACE}/${SECRET.name}`, {}]]), forbidden: false, patches: [] };
        const servers = [fakeHyperdx(hyperdx), fakeKubernetes(kube)];
        const serviceAccountDir = fs.mkdtempSync(path.join(os.tmpdir(), "sa-"));
        fs.writeFileSync(path.join(serviceAccountDir, "token"), `${TOKEN}\n`);
        const env = {
            PATH: process.env.PATH,
            HYPERDX_URL: await listen(servers[0]),
            HYPERDX_ADMIN_EMAIL: EMAIL,
            HYPERDX_ADMIN_PASSWORD: PASSWORD,
            API_KEY_SECRET_NAME: SECRET.name,
            API_KEY_SECRET_KEY_NAME: SECRET.key,
            NAMESPACE,
            ROTATE_KEY: "false",
            WAIT_SECONDS: "20",
            // Back-off in tens of milliseconds; the Job's own 500 ms is kept where the timing is the point.
            RETRY_DELAY_MS: "10",
            KUBERNETES_API_URL: await listen(servers[1]),
            SERVICEACCOUNT_DIR: serviceAccountDir,
        };
        const storedKey = () => {
            const data = kube.secrets.get(`${NAMESPACE}/${SECRET.name}`)?.data?.[SECRET.key];
            return data === undefined ? undefined : Buffer.from(data, "base64").toString("utf8");
        };
        const expectNoCredentialPrinted = (result: Result) => {
            const printed = result.stdout + result.stderr;
            expect(printed).not.toContain(PASSWORD);
            if (hyperdx.team) expect(printed).not.toContain(hyperdx.team.apiKey);
            const stored = storedKey();
            if (stored) expect(printed).not.toContain(stored);
        };
        try {
            await test({ hyperdx, kube, env, serviceAccountDir, storedKey, expectNoCredentialPrinted });
        } finally {
            await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
            fs.rmSync(serviceAccountDir, { recursive: true, force: true });
        }
    };
}

describe("bootstrap script against fake HyperDX and Kubernetes APIs", () => {
    it.concurrent("fresh install: registers the admin and stores the team's key", withFixture(async (f) => {
        const result = await runScript(f.env);
        expect(result).toMatchObject({ code: 0, stderr: "" });
        expect(f.hyperdx.team?.users).toEqual({ [EMAIL]: PASSWORD });
        expect(f.storedKey()).toBe(f.hyperdx.team?.apiKey);
        expect(f.hyperdx.calls).toEqual(["GET /api/installation", "POST /api/register/password", "GET /api/team"]);
        expect(result.stdout).toContain(`registered the HyperDX admin ${EMAIL}`);
        f.expectNoCredentialPrinted(result);
    }));

    it.concurrent("the session cookie is set for another domain (FRONTEND_URL's): the script sends connect.sid itself", withFixture(async (f) => {
        const result = await runScript(f.env);
        expect(result.code).toBe(0);
        // The fake sets `Domain=hyperdx.example.com`, not 127.0.0.1: a cookie jar would send nothing.
        expect(f.hyperdx.teamCookies).toHaveLength(1);
        expect(f.hyperdx.teamCookies[0]).toMatch(/^connect\.sid=s%3A[0-9a-f-]+$/);
        expect(f.hyperdx.sessions.get(f.hyperdx.teamCookies[0]!.slice("connect.sid=".length))).toBe(EMAIL);
    }));

    it.concurrent("running twice gives the same key and exit 0, without writing again", withFixture(async (f) => {
        const first = await runScript(f.env);
        const key = f.storedKey();
        const second = await runScript(f.env);
        expect([first.code, second.code]).toEqual([0, 0]);
        expect(f.storedKey()).toBe(key);
        expect(f.kube.patches).toHaveLength(1);
        expect(second.stdout).toContain("already holds");
        f.expectNoCredentialPrinted(second);
    }));

    it.concurrent("team exists and the stack's credentials work: logs in and stores the key", withFixture(async (f) => {
        f.hyperdx.team = { apiKey: crypto.randomUUID(), users: { [EMAIL]: PASSWORD } };
        const result = await runScript(f.env);
        expect(result.code).toBe(0);
        expect(f.storedKey()).toBe(f.hyperdx.team.apiKey);
        expect(f.hyperdx.calls).toEqual(["GET /api/installation", "POST /api/login/password", "GET /api/team"]);
        f.expectNoCredentialPrinted(result);
    }));

    it.concurrent("team exists and the credentials do not work: one clear line, Secret untouched", withFixture(async (f) => {
        f.hyperdx.team = { apiKey: crypto.randomUUID(), users: { "someone@example.com": "Their-Own-Pw-1!" } };
        const result = await runScript(f.env);
        expect(result.code).toBe(1);
        expect(result.stderr.trim().split("\n")).toHaveLength(1);
        expect(result.stderr).toMatch(/HyperDX already has a team that this stack did not create: logging in as admin@otel-demo.local failed \(err=authFail\)\. Set the ingestion key by hand instead: pulumi config set --secret ingestionApiKey/);
        expect(f.kube.patches).toEqual([]);
        expect(f.storedKey()).toBeUndefined();
        f.expectNoCredentialPrinted(result);
    }));

    it.concurrent("HyperDX answers 503 first, then comes up", withFixture(async (f) => {
        f.hyperdx.unavailable = 2;
        const result = await runScript(f.env);
        expect(result.code).toBe(0);
        expect(f.hyperdx.calls.filter((c) => c === "GET /api/installation")).toHaveLength(3);
        expect(f.storedKey()).toBe(f.hyperdx.team?.apiKey);
    }));

    it.concurrent("HyperDX never answers within WAIT_SECONDS", withFixture(async (f) => {
        f.hyperdx.unavailable = 1000;
        // The Job's own back-off (RETRY_DELAY_MS unset: 500 ms doubling), bounded by WAIT_SECONDS.
        const result = await runScript({ ...f.env, WAIT_SECONDS: "1", RETRY_DELAY_MS: undefined });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/^hyperdx-bootstrap: HyperDX at http:\/\/127\.0\.0\.1:\d+ did not answer within 1s \(last: HTTP 503\)\n$/);
    }));

    it.concurrent("HyperDX not reachable at all (connection refused)", withFixture(async (f) => {
        const refused = await refusedUrl();
        try {
            const result = await runScript({ ...f.env, HYPERDX_URL: refused.url, WAIT_SECONDS: "1" });
            expect(result.code).toBe(1);
            expect(result.stderr).toMatch(/did not answer within 1s \(last: ECONNREFUSED\)/);
        } finally {
            await refused.release();
        }
    }));

    it.concurrent("registration rejected (400): says why, from HyperDX's validation messages", withFixture(async (f) => {
        f.hyperdx.registerAnswer = {
            status: 400,
            body: [{ type: "Body", errors: { issues: [{ code: "custom", message: "Password must include at least one special character", path: ["password"] }], name: "ZodError" } }],
        };
        const result = await runScript(f.env);
        expect(result.code).toBe(1);
        expect(result.stderr).toBe("hyperdx-bootstrap: HyperDX refused to register admin@otel-demo.local: HTTP 400 password: Password must include at least one special character\n");
        expect(f.kube.patches).toEqual([]);
        f.expectNoCredentialPrinted(result);
    }));

    it.concurrent("409 race: someone registered between the check and ours, with the stack's credentials: logs in", withFixture(async (f) => {
        // An earlier attempt of this Job registered and then died before storing the key.
        f.hyperdx.team = { apiKey: crypto.randomUUID(), users: { [EMAIL]: PASSWORD } };
        f.hyperdx.teamCreatedAfterCheck = true;
        const result = await runScript(f.env);
        expect(result.code).toBe(0);
        expect(f.hyperdx.calls).toEqual(["GET /api/installation", "POST /api/register/password", "POST /api/login/password", "GET /api/team"]);
        expect(f.storedKey()).toBe(f.hyperdx.team.apiKey);
    }));

    it.concurrent("rotation: ROTATE_KEY=true gets a new key from HyperDX and stores it", withFixture(async (f) => {
        f.hyperdx.team = { apiKey: "old-key-0000", users: { [EMAIL]: PASSWORD } };
        f.kube.secrets.set(`${NAMESPACE}/${SECRET.name}`, { data: { [SECRET.key]: Buffer.from("old-key-0000").toString("base64") } });
        const result = await runScript({ ...f.env, ROTATE_KEY: "true" });
        expect(result.code).toBe(0);
        expect(f.hyperdx.calls).toContain("PATCH /api/team/apiKey");
        expect(f.hyperdx.team.apiKey).not.toBe("old-key-0000");
        expect(f.storedKey()).toBe(f.hyperdx.team.apiKey);
        expect(result.stdout).not.toContain("old-key-0000");
        f.expectNoCredentialPrinted(result);
    }));

    it.concurrent("the Kubernetes API answers 403: says which Secret and why", withFixture(async (f) => {
        f.kube.forbidden = true;
        const result = await runScript(f.env);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/^hyperdx-bootstrap: the Kubernetes API refused to read secret otel-demo\/hyperdx-secret: HTTP 403 secrets "hyperdx-secret" is forbidden: .*cannot get resource "secrets"/);
        f.expectNoCredentialPrinted(result);
    }));

    it.concurrent("the Secret does not exist (404)", withFixture(async (f) => {
        f.kube.secrets.clear();
        const result = await runScript(f.env);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/refused to read secret otel-demo\/hyperdx-secret: HTTP 404 secrets "hyperdx-secret" not found/);
    }));

    it.concurrent("builds the Kubernetes API URL from KUBERNETES_SERVICE_HOST/PORT when KUBERNETES_API_URL is unset", withFixture(async (f) => {
        const kubeUrl = new URL(f.env.KUBERNETES_API_URL!);
        // https to a plain-HTTP fake: the script tried TLS, which proves the default scheme and address.
        const result = await runScript({ ...f.env, KUBERNETES_API_URL: undefined, KUBERNETES_SERVICE_HOST: kubeUrl.hostname, KUBERNETES_SERVICE_PORT: kubeUrl.port });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(new RegExp(`the Kubernetes API at https://127\\.0\\.0\\.1:${kubeUrl.port} is not reachable`));
    }));

    it.concurrent.each([
        ["HYPERDX_URL", /^hyperdx-bootstrap: missing environment variable\(s\): HYPERDX_URL\n$/],
        ["HYPERDX_ADMIN_PASSWORD", /^hyperdx-bootstrap: missing environment variable\(s\): HYPERDX_ADMIN_PASSWORD\n$/],
        ["NAMESPACE", /^hyperdx-bootstrap: missing environment variable\(s\): NAMESPACE\n$/],
    ])("bad env: missing %s names itself", (name, message) => withFixture(async (f) => {
        const result = await runScript({ ...f.env, [name]: undefined });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(message);
        expect(f.hyperdx.calls).toEqual([]);
    })());

    it.concurrent.each([
        ["WAIT_SECONDS", "soon", /WAIT_SECONDS must be a positive integer, got soon/],
        ["RETRY_DELAY_MS", "0", /RETRY_DELAY_MS must be a positive integer, got 0/],
        ["ROTATE_KEY", "yes", /ROTATE_KEY must be true or false, got yes/],
        ["HYPERDX_URL", "not a url", /HYPERDX_URL is not a URL: not a url/],
    ])("bad env: %s=%s", (name, value, message) => withFixture(async (f) => {
        const result = await runScript({ ...f.env, [name]: value });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(message);
    })());

    it.concurrent("no service account token: names the file it looked for", withFixture(async (f) => {
        fs.rmSync(path.join(f.serviceAccountDir, "token"));
        const result = await runScript(f.env);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`cannot read the service account token in ${f.serviceAccountDir}: ENOENT`);
    }));
});

describe("bootstrap script as the Job runs it (`node hyperdx-bootstrap.mjs`)", () => {
    it.concurrent("a fresh install: exit 0, and the lines run() gives, on stdout", withFixture(async (f) => {
        const program = await runNodeScript(SCRIPT, f.env);
        expect(program).toMatchObject({ code: 0, stderr: "" });
        expect(f.storedKey()).toBe(f.hyperdx.team?.apiKey);
        // A second install against fresh fakes, through run(): the same lines.
        f.hyperdx.team = undefined;
        f.hyperdx.sessions.clear();
        expect(await runScript(f.env)).toEqual(program);
        f.expectNoCredentialPrinted(program);
    }));

    it.concurrent("a failure: exit 1 and its one line on stderr, read from the process's own env", withFixture(async (f) => {
        const program = await runNodeScript(SCRIPT, { ...f.env, NAMESPACE: undefined });
        expect(program).toEqual({ code: 1, stdout: "", stderr: "hyperdx-bootstrap: missing environment variable(s): NAMESPACE\n" });
    }));
});
