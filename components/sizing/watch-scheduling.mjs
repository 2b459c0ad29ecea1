// Scheduling check: watches the stack's namespace while `pulumi up` creates it, and fails as soon as a
// pod has stayed unschedulable for a while, with the scheduler's own reason ("0/1 nodes are available:
// 1 Insufficient memory") and what the pod and the whole stack ask for. Without it, a node that is too
// small shows up only as each Deployment's await timing out after 10 minutes, without the reason.
// Runs as a Job in the cluster; configured only through environment variables, so it also runs outside
// the cluster against a fake. Standalone on purpose: Node >= 20 and its standard library, no dependencies.
//
// Kubernetes API (core/v1): GET /api/v1/namespaces/<ns>/pods, read with the Job's ServiceAccount
// (a Role that may get and list pods in this namespace, nothing else). The scheduler records why a pod
// does not fit in its PodScheduled condition: status "False", reason "Unschedulable", the message.
//
// Exit 0: every pod the stack asks for is scheduled, or the wait ended with none unschedulable (what
// never appeared is the other awaits' to report). Exit 1: one line on stderr per reason.
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import path from "node:path";

const REQUEST_TIMEOUT_MS = 10_000;

/** A failure with a message fit for the lines the Job prints. */
class Failure extends Error {}

function positiveInteger(env, name, fallback) {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value <= 0) throw new Failure(`${name} must be a positive integer, got ${env[name]}`);
    return value;
}

function readSettings(env) {
    const required = ["NAMESPACE", "EXPECTED_PODS", "STACK_REQUESTS"];
    const missing = required.filter((name) => !env[name]);
    if (missing.length > 0) throw new Failure(`missing environment variable(s): ${missing.join(", ")}`);
    let kubernetesApiUrl = env.KUBERNETES_API_URL;
    if (!kubernetesApiUrl) {
        const host = env.KUBERNETES_SERVICE_HOST;
        const port = env.KUBERNETES_SERVICE_PORT;
        if (!host || !port) throw new Failure("missing environment variable(s): KUBERNETES_API_URL (or KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, which Kubernetes sets in a pod)");
        kubernetesApiUrl = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
    }
    return {
        namespace: env.NAMESPACE,
        expectedPods: positiveInteger(env, "EXPECTED_PODS"),
        stackRequests: env.STACK_REQUESTS,
        unschedulableSeconds: positiveInteger(env, "UNSCHEDULABLE_SECONDS", "180"),
        waitSeconds: positiveInteger(env, "WAIT_SECONDS", "900"),
        pollMs: positiveInteger(env, "POLL_MS", "5000"),
        kubernetesApiUrl: kubernetesApiUrl.replace(/\/+$/, ""),
        serviceAccountDir: env.SERVICEACCOUNT_DIR || "/var/run/secrets/kubernetes.io/serviceaccount",
    };
}

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

function get(settings, account, apiPath) {
    const url = new URL(`${settings.kubernetesApiUrl}${apiPath}`);
    const transport = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
        const request = transport.request(url, {
            method: "GET",
            ca: account.ca,
            timeout: REQUEST_TIMEOUT_MS,
            headers: { authorization: `Bearer ${account.token}`, accept: "application/json" },
        }, (response) => {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (chunk) => { text += chunk; });
            response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        });
        request.on("timeout", () => request.destroy(new Error("timed out")));
        request.on("error", (err) => reject(new Failure(`the Kubernetes API at ${settings.kubernetesApiUrl} is not reachable: ${err.code ?? err.message}`)));
        request.end();
    });
}

/** The namespace's pods; a refusal names its status and the API's reason. */
async function listPods(settings, account) {
    const response = await get(settings, account, `/api/v1/namespaces/${encodeURIComponent(settings.namespace)}/pods`);
    let body;
    try {
        body = JSON.parse(response.text);
    } catch {
        throw new Failure(`the Kubernetes API answered HTTP ${response.status} without JSON to a list of pods`);
    }
    if (response.status !== 200) {
        throw new Failure(`the Kubernetes API refused to list pods in namespace ${settings.namespace}: HTTP ${response.status}${body?.message ? ` ${body.message}` : ""}`);
    }
    return Array.isArray(body.items) ? body.items : [];
}

/** Pods that stay: not a Job's (this check, the bootstrap), not finished. */
const lasting = (pod) => !(pod.metadata?.ownerReferences ?? []).some((o) => o.kind === "Job")
    && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";

const scheduledCondition = (pod) => (pod.status?.conditions ?? []).find((c) => c.type === "PodScheduled");
const isScheduled = (pod) => Boolean(pod.spec?.nodeName) || scheduledCondition(pod)?.status === "True";
const isUnschedulable = (pod) => !isScheduled(pod) && scheduledCondition(pod)?.reason === "Unschedulable";

// Kubernetes quantities, as far as pod requests use them.
const SUFFIX = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
function quantity(value) {
    const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|n|u|m|k|M|G|T)?$/.exec(String(value ?? "0"));
    return m ? Number(m[1]) * SUFFIX[m[2] ?? ""] : 0;
}

/** What the scheduler counts for a pod: its containers added up, or its largest init container when that is more. */
function podAsks(pod) {
    const of = (name) => Math.max(
        (pod.spec?.containers ?? []).reduce((sum, c) => sum + quantity(c.resources?.requests?.[name]), 0),
        ...(pod.spec?.initContainers ?? []).map((c) => quantity(c.resources?.requests?.[name])),
    );
    const cpu = of("cpu");
    const memoryGi = of("memory") / 2 ** 30;
    return `${Number(cpu.toFixed(3))} vCPU and ${Number(memoryGi.toFixed(2))} GiB`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(env, out) {
    const settings = readSettings(env);
    const account = await serviceAccount(settings);
    const firstSeen = new Map(); // pod uid → when this check first saw it unschedulable
    const started = Date.now();
    for (;;) {
        const pods = (await listPods(settings, account)).filter(lasting);
        const now = Date.now();
        const unschedulable = pods.filter(isUnschedulable);
        for (const uid of [...firstSeen.keys()]) if (!unschedulable.some((p) => p.metadata.uid === uid)) firstSeen.delete(uid);
        for (const pod of unschedulable) if (!firstSeen.has(pod.metadata.uid)) firstSeen.set(pod.metadata.uid, now);
        const stuck = unschedulable.filter((pod) => now - firstSeen.get(pod.metadata.uid) >= settings.unschedulableSeconds * 1000);
        if (stuck.length > 0) {
            throw new Failure([
                ...stuck.map((pod) => `pod ${settings.namespace}/${pod.metadata.name} cannot be scheduled (for ${settings.unschedulableSeconds}s or more): ${scheduledCondition(pod).message ?? "no message"} It asks for ${podAsks(pod)}.`),
                `This stack asks for ${settings.stackRequests} in all (the stack output \`requests\` has every workload). Give the nodes that room (free it, or add a node), or choose a smaller size (\`pulumi config set size small\`), then run \`pulumi up\` again.`,
            ].join("\n"));
        }
        const scheduled = pods.filter(isScheduled).length;
        if (scheduled >= settings.expectedPods && unschedulable.length === 0) {
            out.log(`all ${scheduled} pods of the stack in namespace ${settings.namespace} are scheduled (${settings.expectedPods} expected; the stack asks for ${settings.stackRequests})`);
            return;
        }
        if (now - started >= settings.waitSeconds * 1000) {
            out.log(`after ${settings.waitSeconds}s, ${scheduled} of the ${settings.expectedPods} expected pods are scheduled and none has stayed unschedulable for ${settings.unschedulableSeconds}s; nothing to report (what has not appeared is for the other resources' awaits to report)`);
            return;
        }
        await sleep(settings.pollMs);
    }
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
        out.error(err instanceof Failure ? err.message.split("\n").map((line) => `scheduling-check: ${line}`).join("\n") : `scheduling-check: unexpected error: ${err?.message ?? err}`);
        return 1;
    }
}

// Run by the Job (`node watch-scheduling.mjs`, the name it has in its ConfigMap); imported, it only defines run().
if (path.basename(process.argv[1] ?? "") === "watch-scheduling.mjs") {
    run(process.env).then((code) => {
        if (code !== 0) process.exit(code);
    });
}
