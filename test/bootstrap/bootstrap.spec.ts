// The HyperDX bootstrap under Pulumi's mocks: what the program registers for the Job, in which order,
// and what changes when the key is rotated. The script itself is tested in bootstrap-script.test.ts.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { apiKeyGeneration, BOOTSTRAP_SCRIPT, buildBootstrapJobSpec, BootstrapJobInput, HYPERDX_PASSWORD_SPECIALS } from "../../components/bootstrap/bootstrap";
import { HYPERDX_IMAGE } from "../../components/clickstack/clickstack-images";
import { isSecret, ProgramRun, Recorded, runProgram, T } from "../harness";
import { entryName } from "../run-script";

const JOB = "kubernetes:batch/v1:Job";
const SA = "kubernetes:core/v1:ServiceAccount";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const KEY = "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f";

/**
 * The longest chain of Kubernetes resources (objects, charts, config groups) that wait on each other,
 * following the dependencies the engine receives. Returns the chain, first to last.
 */
function longestChain(run: ProgramRun): string[] {
    const isKubernetes = (r: Recorded) => r.type.startsWith("kubernetes:");
    const nodes = new Map(run.resources.filter(isKubernetes).map((r) => [`${r.type}::${r.name}`, r]));
    const memo = new Map<string, string[]>();
    const chainTo = (key: string): string[] => {
        if (!memo.has(key)) {
            const r = nodes.get(key)!;
            const before = r.dependencyKeys.filter((d) => nodes.has(d)).map(chainTo).reduce((a, b) => (b.length > a.length ? b : a), [] as string[]);
            memo.set(key, [...before, r.name]);
        }
        return memo.get(key)!;
    };
    return [...nodes.keys()].map(chainTo).reduce((a, b) => (b.length > a.length ? b : a), [] as string[]);
}

describe.each(["dev", "prod"] as const)("the bootstrap in the %s stack", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => { run = await runProgram(stack); });

    it("generates an admin password that always meets HyperDX's rules", () => {
        expect(run.find(T.password, "bootstrap-admin-password").plain).toEqual({
            length: 32, minLower: 1, minUpper: 1, minNumeric: 1, minSpecial: 1, overrideSpecial: HYPERDX_PASSWORD_SPECIALS,
        });
        // HyperDX's set, as in packages/api/src/utils/validators.ts: /[!@#$%^&*(),.?":{}|<>;\-+=]/
        expect(HYPERDX_PASSWORD_SPECIALS.split("").every((c) => /[!@#$%^&*(),.?":{}|<>;\-+=]/.test(c))).toBe(true);
    });

    it("keeps the admin's email and password in Secret my-clickstack-hyperdx-admin, as a Pulumi secret", () => {
        const secret = run.find(T.secret, "bootstrap-admin");
        expect(secret.plain).toMatchObject({
            metadata: { name: "my-clickstack-hyperdx-admin", namespace: "otel-demo" },
            stringData: { email: "admin@otel-demo.local", password: "generated-bootstrap-admin-password" },
        });
        expect(isSecret(secret.inputs.stringData) || isSecret((secret.inputs.stringData as Record<string, unknown>).password)).toBe(true);
    });

    it("outputs the admin's email, the password as a secret, and the command that prints the key", () => {
        expect(run.outputs.hyperdxAdminEmail).toBe("admin@otel-demo.local");
        expect(run.outputs.hyperdxAdminPassword).toBe("generated-bootstrap-admin-password");
        expect(run.secretOutputs).toEqual(["hyperdxAdminPassword"]);
        expect(run.outputs.ingestionApiKeyCommand).toBe("kubectl get secret hyperdx-secret --namespace otel-demo -o jsonpath='{.data.HYPERDX_API_KEY}' | base64 -d");
        expect(run.outputs).not.toHaveProperty("nextSteps");
    });

    it("creates hyperdx-secret empty and leaves its data to the Job", () => {
        const secret = run.find(T.secret, "ingestion-api-key");
        expect(secret.plain).toEqual({ apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name: "hyperdx-secret", namespace: "otel-demo" } });
        expect(secret.ignoreChanges.sort()).toEqual(["data", "stringData"]);
    });

    it("gives the Job get and patch on that one Secret, nothing else", () => {
        const role = run.find(ROLE, "bootstrap-role").plain;
        expect(role.rules).toEqual([{ apiGroups: [""], resources: ["secrets"], resourceNames: ["hyperdx-secret"], verbs: ["get", "patch"] }]);
        const binding = run.find(BINDING, "bootstrap-rolebinding").plain;
        expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "my-clickstack-hyperdx-bootstrap" });
        expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "my-clickstack-hyperdx-bootstrap", namespace: "otel-demo" }]);
        expect(run.find(SA, "bootstrap-sa").plain.automountServiceAccountToken).toBe(false);
        expect(() => new Role(run.find(ROLE, "bootstrap-role").plain).validate()).not.toThrow();
        expect(() => new RoleBinding(run.find(BINDING, "bootstrap-rolebinding").plain as RoleBinding).validate()).not.toThrow();
        expect(() => new ServiceAccount(run.find(SA, "bootstrap-sa").plain).validate()).not.toThrow();
    });

    it("ships the script file unchanged in a ConfigMap", () => {
        const configMap = run.find(T.configMap, "bootstrap-script").plain;
        expect(configMap.metadata.name).toBe("my-clickstack-hyperdx-bootstrap");
        expect(configMap.data["hyperdx-bootstrap.mjs"]).toBe(fs.readFileSync(BOOTSTRAP_SCRIPT, "utf8"));
    });

    it("runs the script in the HyperDX image, configured by env, with the credentials from the admin Secret", () => {
        const job = run.find(JOB, "bootstrap-job").plain;
        expect(() => new Job(job).validate()).not.toThrow();
        const container = job.spec.template.spec.containers[0];
        expect(container.image).toBe(HYPERDX_IMAGE);
        expect(container.command).toEqual(["node", "/opt/hyperdx-bootstrap/hyperdx-bootstrap.mjs"]);
        // The file it runs is the one in the ConfigMap, under the name the script runs itself under.
        expect(entryName(BOOTSTRAP_SCRIPT)).toBe(path.basename(container.command[1]));
        expect(Object.fromEntries(container.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]))).toEqual({
            HYPERDX_URL: "http://my-clickstack-app.otel-demo:3000",
            HYPERDX_ADMIN_EMAIL: { secretKeyRef: { name: "my-clickstack-hyperdx-admin", key: "email" } },
            HYPERDX_ADMIN_PASSWORD: { secretKeyRef: { name: "my-clickstack-hyperdx-admin", key: "password" } },
            API_KEY_SECRET_NAME: "hyperdx-secret",
            API_KEY_SECRET_KEY_NAME: "HYPERDX_API_KEY",
            NAMESPACE: "otel-demo",
            ROTATE_KEY: "false",
            WAIT_SECONDS: "600",
        });
        expect(JSON.stringify(job)).not.toContain("generated-bootstrap-admin-password");
    });

    it("runs restricted: non-root, no escalation, no capabilities, read-only root, RuntimeDefault seccomp, bounded", () => {
        const job = run.find(JOB, "bootstrap-job").plain;
        const pod = job.spec.template.spec;
        expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(pod.containers[0].resources).toEqual({ requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } });
        expect(pod.restartPolicy).toBe("Never");
        expect(job.spec.backoffLimit).toBe(2);
        expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(600);
        // Pulumi waits for the Job to complete: its timeout covers the Job's deadline.
        expect(run.find(JOB, "bootstrap-job").customTimeouts).toMatchObject({ create: "20m", update: "20m" });
        expect(20 * 60).toBeGreaterThan(job.spec.activeDeadlineSeconds);
        // Auto-named, so a changed spec is a create-before-delete replacement that runs it again.
        expect(job.metadata.name).toBeUndefined();
        expect(job.metadata.annotations).toEqual({ "pulumi.com/replaceUnready": "true" });
    });

    it("orders: the Job after the ClickStack chart; the collectors after the Job; the ConfigMap and the demo (no key) after nothing but the namespace", () => {
        expect(run.find(JOB, "bootstrap-job").dependencyKeys).toContain("kubernetes:helm.sh/v4:Chart::clickstack");
        for (const release of ["collectors-deployment", "collectors-daemonset"]) {
            expect(run.find(T.chart, release).dependencies).toContain("bootstrap-job");
        }
        if (stack === "dev") expect(run.find(T.configGroup, "otel-demo").dependencies).toEqual(["namespace"]);
        expect(run.find(T.configMap, "ingestion-endpoint").dependencies).toEqual(["namespace"]);
    });

    it("the longest chain of resources that wait on each other is 5", () => {
        expect(longestChain(run)).toEqual(["namespace", "clickstack-operators", "clickstack", "bootstrap-job", expect.stringMatching(/^(collectors-|otel-demo|content-job)/)]);
    });

    it("every reader of the key carries the Job's generation as its restart annotation", () => {
        const generation = apiKeyGeneration(run.find(JOB, "bootstrap-job").plain.spec);
        expect(run.find(T.chart, "collectors-daemonset").plain.values.podAnnotations).toEqual({ "checksum/hyperdx-api-key": generation });
        expect(run.find(T.chart, "collectors-deployment").plain.values.podAnnotations).toEqual({ "checksum/hyperdx-api-key": generation });
    });
});

describe("bootstrap settings", () => {
    it("no Job, no admin, no empty Secret when ingestionApiKey is set: the key comes from config as before", async () => {
        const run = await runProgram("dev", { ingestionApiKey: KEY });
        expect(run.ofType(JOB).map((j) => j.name).sort()).toEqual(["retention-job", "scheduling-check-job"]); // no bootstrap Job
        expect(run.resources.filter((r) => r.name.startsWith("bootstrap"))).toEqual([]);
        expect(run.find(T.secret, "ingestion-api-key").plain.stringData).toEqual({ HYPERDX_API_KEY: KEY });
        expect(run.find(T.secret, "ingestion-api-key").ignoreChanges).toEqual([]);
        expect(run.outputs).not.toHaveProperty("hyperdxAdminPassword");
    });

    it("off, and no key: the manual flow, with nextSteps and a chain of at most 4", async () => {
        const run = await runProgram("dev", { bootstrap: { enabled: false } });
        expect(run.ofType(JOB).map((j) => j.name).sort()).toEqual(["retention-job", "scheduling-check-job"]); // no bootstrap Job
        expect(run.outputs.nextSteps).toContain("pulumi config set --secret ingestionApiKey");
        expect(longestChain(run).length).toBeLessThanOrEqual(4);
    });

    it("with a key from config the longest chain is at most 4", async () => {
        const run = await runProgram("prod", { ingestionApiKey: KEY });
        expect(longestChain(run).length).toBeLessThanOrEqual(4);
    });

    it("the key command names the kube context when the stack sets one", async () => {
        const run = await runProgram("dev", {}, undefined, { "kubernetes:context": "central" });
        expect(run.outputs.ingestionApiKeyCommand).toBe("kubectl --context central get secret hyperdx-secret --namespace otel-demo -o jsonpath='{.data.HYPERDX_API_KEY}' | base64 -d");
    });

    it("a custom admin email goes to the Secret and the output", async () => {
        const run = await runProgram("dev", { bootstrap: { adminEmail: "ops@example.com" } });
        expect(run.find(T.secret, "bootstrap-admin").plain.stringData.email).toBe("ops@example.com");
        expect(run.outputs.hyperdxAdminEmail).toBe("ops@example.com");
    });

    it("raising rotation reruns the Job with ROTATE_KEY=true and changes every reader's annotation", async () => {
        const before = await runProgram("dev");
        const after = await runProgram("dev", { bootstrap: { rotation: 1 } });
        const job = (run: ProgramRun) => run.find(JOB, "bootstrap-job").plain;
        const annotation = (run: ProgramRun, release: string) => run.find(T.chart, release).plain.values.podAnnotations["checksum/hyperdx-api-key"];
        expect(job(after).spec.template.spec.containers[0].env).toContainEqual({ name: "ROTATE_KEY", value: "true" });
        expect(job(after).spec.template.metadata.annotations["clickstack.io/api-key-rotation"]).toBe("1");
        expect(job(after).spec).not.toEqual(job(before).spec); // a changed template replaces the Job: it runs again
        for (const release of ["collectors-deployment", "collectors-daemonset"]) {
            expect(annotation(after, release)).not.toBe(annotation(before, release));
        }
        // The demo sends to the workloads' endpoint without the key: a rotation leaves it alone.
        expect(after.find(T.configGroup, "otel-demo").plain.objs).toEqual(before.find(T.configGroup, "otel-demo").plain.objs);
        // With the endpoint off it carries the key, and the rotation restarts it too.
        const demoAnnotations = (run: ProgramRun) => new Set(run.find(T.configGroup, "otel-demo").plain.objs
            .filter((o: { kind: string }) => o.kind === "Deployment")
            .map((o: { spec: { template: { metadata: { annotations: Record<string, string> } } } }) => o.spec.template.metadata.annotations["checksum/hyperdx-api-key"]));
        const keyedBefore = await runProgram("dev", { collectors: { otlpEndpoint: false } });
        const keyedAfter = await runProgram("dev", { bootstrap: { rotation: 1 }, collectors: { otlpEndpoint: false } });
        expect(demoAnnotations(keyedAfter)).toEqual(new Set([annotation(keyedAfter, "collectors-deployment")]));
        expect(demoAnnotations(keyedBefore)).toEqual(new Set([annotation(keyedBefore, "collectors-deployment")]));
        expect(annotation(keyedAfter, "collectors-deployment")).not.toBe(annotation(keyedBefore, "collectors-deployment"));
        // Rotating again (1 → 2) changes it again.
        const again = await runProgram("dev", { bootstrap: { rotation: 2 } });
        expect(annotation(again, "collectors-daemonset")).not.toBe(annotation(after, "collectors-daemonset"));
    });

    it("a new script changes the generation too (the ConfigMap is not part of the pod spec)", () => {
        const input: BootstrapJobInput = {
            namespace: "otel-demo", hyperdxUrl: "http://my-clickstack-app.otel-demo:3000", image: HYPERDX_IMAGE, serviceAccountName: "sa",
            scriptConfigMap: "cm", adminSecret: "admin", apiKeySecret: { name: "hyperdx-secret", key: "HYPERDX_API_KEY" }, rotation: 0, waitSeconds: 600,
        };
        const sha = (s: string) => crypto.createHash("sha256").update(s).digest("hex");
        expect(apiKeyGeneration(buildBootstrapJobSpec(input, sha("v1")))).not.toBe(apiKeyGeneration(buildBootstrapJobSpec(input, sha("v2"))));
        expect(apiKeyGeneration(buildBootstrapJobSpec(input, sha("v1")))).toBe(apiKeyGeneration(buildBootstrapJobSpec(input, sha("v1"))));
    });

    const bad: [string, Record<string, unknown>, RegExp][] = [
        ["an admin email that is not one", { bootstrap: { adminEmail: "admin" } }, /bootstrap\.adminEmail must be an email address such as admin@example.com \(given: "admin"\)/],
        ["a negative rotation", { bootstrap: { rotation: -1 } }, /bootstrap\.rotation must be 0 or more \(given: -1\)/],
        ["a fractional rotation", { bootstrap: { rotation: 1.5 } }, /bootstrap\.rotation must be a whole number/],
        ["enabled not a boolean", { bootstrap: { enabled: "sometimes" } }, /bootstrap\.enabled must be true or false \(given: "sometimes"\)/],
        ["an unknown key", { bootstrap: { adminPassword: "x" } }, /bootstrap unknown key\(s\) adminPassword; allowed: enabled, adminEmail, rotation/],
        ["not an object", { bootstrap: "on" }, /bootstrap must be an object with enabled, adminEmail, rotation \(given: "on"\)/],
    ];
    it.each(bad)("%s fails before any resource", async (_case, overrides, message) => {
        const recorded: Recorded[] = [];
        await expect(runProgram("dev", overrides, recorded)).rejects.toThrow(message);
        expect(recorded).toEqual([]);
    });
});
