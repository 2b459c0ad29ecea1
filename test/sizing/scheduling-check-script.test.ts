// The scheduling check's script (components/sizing/watch-scheduling.mjs), run as the Job runs it: a Node
// program configured by env (test/run-script.ts), against a fake Kubernetes API on 127.0.0.1 that lists a
// namespace's pods in core/v1's shape (PodList; the scheduler's PodScheduled condition, reason
// Unschedulable, as kube-scheduler writes it), with the bearer token checked and RBAC's 403 on demand.
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { refusedUrl } from "../fakes/refused";
import { ROOT } from "../root";
import { runNodeScript, runScript } from "../run-script";

const SCRIPT = path.join(ROOT, "components", "sizing", "watch-scheduling.mjs");
const TOKEN = "service-account-token";
const NAMESPACE = "otel-demo";
const STACK = "2.9 vCPU and 5.9 GiB of memory in 30 pods (size small)";
// kube-scheduler's message for a node short of memory (pkg/scheduler/framework/plugins/noderesources: "Insufficient memory").
const SCHEDULER_SAYS = "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";

type Pod = Record<string, unknown>;
const scheduled = (name: string, owner?: string): Pod => ({
    metadata: { name, uid: `uid-${name}`, ...(owner ? { ownerReferences: [{ kind: owner, name: "x" }] } : {}) },
    spec: { nodeName: "node-1", containers: [{ name: "c", resources: { requests: { cpu: "100m", memory: "128Mi" } } }] },
    status: { phase: "Running", conditions: [{ type: "PodScheduled", status: "True" }] },
});
const unschedulable = (name: string, owner?: string): Pod => ({
    metadata: { name, uid: `uid-${name}`, ...(owner ? { ownerReferences: [{ kind: owner, name: "x" }] } : {}) },
    spec: { containers: [{ name: "clickhouse", resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "2", memory: "8Gi" } } }] },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: SCHEDULER_SAYS }] },
});

interface Api {
    /** Each list answers the next frame; the last one repeats. */
    frames: Pod[][];
    forbidden?: boolean;
    lists: number;
}

function fakeKubernetes(api: Api): http.Server {
    return http.createServer((req, res) => {
        const status = (code: number, reason: string, message: string) => {
            res.writeHead(code, { "content-type": "application/json" });
            res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code }));
        };
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return status(401, "Unauthorized", "Unauthorized");
        const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(new URL(req.url!, "http://fake").pathname);
        if (req.method !== "GET" || !match) return status(404, "NotFound", "the server could not find the requested resource");
        if (api.forbidden) return status(403, "Forbidden", `pods is forbidden: User "system:serviceaccount:${match[1]}:other" cannot list resource "pods" in API group "" in the namespace "${match[1]}"`);
        const items = api.frames[Math.min(api.lists, api.frames.length - 1)];
        api.lists += 1;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items }));
    });
}

async function withApi(frames: Pod[][], test: (env: Record<string, string>, api: Api) => Promise<void>, forbidden = false): Promise<void> {
    const api: Api = { frames, forbidden, lists: 0 };
    const server = fakeKubernetes(api);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const serviceAccountDir = fs.mkdtempSync(path.join(os.tmpdir(), "sa-"));
    fs.writeFileSync(path.join(serviceAccountDir, "token"), `${TOKEN}\n`);
    try {
        await test({
            NAMESPACE, EXPECTED_PODS: "3", STACK_REQUESTS: STACK,
            UNSCHEDULABLE_SECONDS: "1", WAIT_SECONDS: "20", POLL_MS: "50",
            KUBERNETES_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            SERVICEACCOUNT_DIR: serviceAccountDir,
        }, api);
    } finally {
        await new Promise((resolve) => server.close(resolve));
    }
}

describe("the scheduling check", () => {
    it("exits 0 once every expected pod is scheduled; a Job's pods and finished pods do not count", () => withApi([
        [scheduled("a")],
        [scheduled("a"), scheduled("b"), scheduled("bootstrap-x", "Job")],
        [scheduled("a"), scheduled("b"), scheduled("c"), unschedulable("check-alerts-1", "Job"), { ...unschedulable("done"), status: { phase: "Succeeded" } }],
    ], async (env, api) => {
        const result = await runScript(SCRIPT, env);
        expect(result).toEqual({ code: 0, stderr: "", stdout: `all 3 pods of the stack in namespace otel-demo are scheduled (3 expected; the stack asks for ${STACK})\n` });
        expect(api.lists).toBe(3);
    }));

    it("fails when a pod stays unschedulable, with the scheduler's reason, what the pod asks for and what the stack asks for", () => withApi([
        [scheduled("a"), unschedulable("my-clickstack-clickhouse-clickhouse-0-0-0")],
    ], async (env, api) => {
        const started = Date.now();
        const result = await runScript(SCRIPT, env);
        expect(result.code).toBe(1);
        expect(result.stdout).toBe("");
        expect(result.stderr.split("\n")).toEqual([
            `scheduling-check: pod otel-demo/my-clickstack-clickhouse-clickhouse-0-0-0 cannot be scheduled (for 1s or more): ${SCHEDULER_SAYS} It asks for 2 vCPU and 8 GiB.`,
            `scheduling-check: This stack asks for ${STACK} in all (the stack output \`requests\` has every workload). Give the nodes that room (free it, or add a node), or choose a smaller size (\`pulumi config set size small\`), then run \`pulumi up\` again.`,
            "",
        ]);
        // Not before the grace: it looked more than once, for at least UNSCHEDULABLE_SECONDS.
        expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
        expect(api.lists).toBeGreaterThan(1);
    }));

    it("a pod that is unschedulable for less than the grace (a node being added) is no failure", () => withApi([
        [scheduled("a"), scheduled("b"), unschedulable("c")],
        [scheduled("a"), scheduled("b"), unschedulable("c")],
        [scheduled("a"), scheduled("b"), scheduled("c")],
    ], async (env) => {
        const result = await runScript(SCRIPT, env);
        expect(result).toMatchObject({ code: 0, stderr: "" });
        expect(result.stdout).toMatch(/^all 3 pods of the stack/);
    }));

    it("counts the scheduler's pod requests as it does: the largest init container when that is more", () => withApi([
        [{ ...unschedulable("m"), spec: { containers: [{ resources: { requests: { cpu: "75m", memory: "320Mi" } } }], initContainers: [{ resources: { requests: { cpu: "500m", memory: "400M" } } }] } }],
    ], async (env) => {
        const result = await runScript(SCRIPT, env);
        expect(result.stderr).toContain("It asks for 0.5 vCPU and 0.37 GiB.");
    }));

    it("ends with 0 when the wait is over and nothing stayed unschedulable (pods that never came are other awaits' to report)", () => withApi([
        [scheduled("a")],
    ], async (env) => {
        const result = await runScript(SCRIPT, { ...env, WAIT_SECONDS: "1" });
        expect(result).toEqual({ code: 0, stderr: "", stdout: "after 1s, 1 of the 3 expected pods are scheduled and none has stayed unschedulable for 1s; nothing to report (what has not appeared is for the other resources' awaits to report)\n" });
    }));

    it("names RBAC's refusal", () => withApi([[]], async (env) => {
        const result = await runScript(SCRIPT, env);
        expect(result).toEqual({ code: 1, stdout: "", stderr: 'scheduling-check: the Kubernetes API refused to list pods in namespace otel-demo: HTTP 403 pods is forbidden: User "system:serviceaccount:otel-demo:other" cannot list resource "pods" in API group "" in the namespace "otel-demo"\n' });
    }, true));

    it("says when the API is not reachable, or the token is missing", async () => {
        const refused = await refusedUrl();
        try {
            await withApi([[]], async (env) => {
                expect(await runScript(SCRIPT, { ...env, KUBERNETES_API_URL: refused.url })).toEqual({
                    code: 1, stdout: "", stderr: `scheduling-check: the Kubernetes API at ${refused.url} is not reachable: ECONNREFUSED\n`,
                });
                expect(await runScript(SCRIPT, { ...env, SERVICEACCOUNT_DIR: path.join(os.tmpdir(), "no-such-dir-for-sa") })).toEqual({
                    code: 1, stdout: "", stderr: `scheduling-check: cannot read the service account token in ${path.join(os.tmpdir(), "no-such-dir-for-sa")}: ENOENT\n`,
                });
            });
        } finally {
            await refused.release();
        }
    });

    it.each([
        ["NAMESPACE and STACK_REQUESTS unset", { NAMESPACE: undefined, STACK_REQUESTS: undefined }, "missing environment variable(s): NAMESPACE, STACK_REQUESTS"],
        ["EXPECTED_PODS 0", { EXPECTED_PODS: "0" }, "EXPECTED_PODS must be a positive integer, got 0"],
        ["UNSCHEDULABLE_SECONDS not a number", { UNSCHEDULABLE_SECONDS: "soon" }, "UNSCHEDULABLE_SECONDS must be a positive integer, got soon"],
        ["no API address at all", { KUBERNETES_API_URL: undefined }, "missing environment variable(s): KUBERNETES_API_URL (or KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, which Kubernetes sets in a pod)"],
    ])("refuses a bad environment: %s", (_, change: Record<string, string | undefined>, message) => withApi([[]], async (env, api) => {
        expect(await runScript(SCRIPT, { ...env, ...change })).toEqual({ code: 1, stdout: "", stderr: `scheduling-check: ${message}\n` });
        expect(api.lists).toBe(0);
    }));

    describe("as the Job runs it: the file as a program", () => {
        it("succeeds with the same line as run()", () => withApi([[scheduled("a"), scheduled("b"), scheduled("c")]], async (env) => {
            const inProcess = await runScript(SCRIPT, env);
            expect(await runNodeScript(SCRIPT, env)).toEqual({ ...inProcess, code: 0 });
        }));
        it("fails with exit code 1 and the lines on stderr", () => withApi([[unschedulable("p")]], async (env) => {
            const result = await runNodeScript(SCRIPT, env);
            expect(result.code).toBe(1);
            expect(result.stderr).toMatch(/^scheduling-check: pod otel-demo\/p cannot be scheduled \(for 1s or more\): 0\/1 nodes are available: 1 Insufficient memory\./);
        }));
    });
});
