// Dashboards and alerts as code under mocks: `content` and `alerting` config, the HyperdxContent Job
// (after the bootstrap, restricted, no API token, re-run when a definition, the script or a URL
// changes) and the webhook URLs as Pulumi secrets from the config to the Secret, never in the clear.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../../config";
import { CONTENT_ANNOTATIONS, CONTENT_SCRIPT } from "../../components/content/content";
import { renderContent } from "../../components/content/packs";
import { configProblems as problems, isSecret, ProgramRun, Recorded, runProgram, T } from "../harness";
import { entryName } from "../run-script";

const JOB = "kubernetes:batch/v1:Job";
const SLACK_URL = "https://hooks.slack.com/services/T0000/B0000/credential-in-the-url";
const ALERTING = { webhooks: [{ name: "platform-slack", service: "slack", url: SLACK_URL }] };
const contentJob = (run: ProgramRun): Recorded => run.ofType(JOB).find((j) => j.name === "content-job")!;
const annotations = (run: ProgramRun) => contentJob(run).plain.spec.template.metadata.annotations as Record<string, string>;
const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

describe("content and alerting config", () => {
    it("defaults: both packs, this stack's cluster, no channel (so no alert)", () => {
        const c = parseStackConfig({ clusterName: "eu-1" }).content!;
        expect(c.choice).toEqual({ packs: ["kubernetes", "pipeline"], clusters: ["eu-1"], webhooks: [], channel: undefined });
    });

    it("the first webhook is the channel unless one is named", () => {
        const hooks = [...ALERTING.webhooks, { name: "pager", service: "incidentio", url: "https://api.incident.io/v2/alert_events/http/x" }];
        expect(parseStackConfig({ alerting: { webhooks: hooks } }).content!.choice.channel).toBe("platform-slack");
        expect(parseStackConfig({ alerting: { webhooks: hooks, channel: "pager" } }).content!.choice.channel).toBe("pager");
    });

    it.each([
        ["an unknown pack", { content: { packs: ["kubernetes", "mysql"] } }, /^content.packs.1 must be one of kubernetes, pipeline \(given: "mysql"\)$/],
        ["a pack twice", { content: { packs: ["pipeline", "pipeline"] } }, /^content.packs lists a pack twice/],
        ["no cluster", { content: { clusters: [] } }, /^content.clusters must name at least one cluster/],
        ["a cluster name with a quote", { content: { clusters: ['a"b'] } }, /^content.clusters.0 must be k8s.cluster.name values/],
        ["an unknown content key", { content: { dashboards: [] } }, /^content unknown key\(s\) dashboards; allowed: packs, clusters/],
        ["an unknown service", { alerting: { webhooks: [{ ...ALERTING.webhooks[0], service: "teams" }] } }, /^alerting.webhooks.0.service must be one of slack, generic, incidentio \(given: \[secret\]\)$/],
        ["an http URL", { alerting: { webhooks: [{ ...ALERTING.webhooks[0], url: "http://hooks.example.com/x" }] } }, /^alerting.webhooks.0.url must be an https:\/\/ URL .* \(given: \[secret\]\)$/],
        ["a name that cannot be a Secret key", { alerting: { webhooks: [{ ...ALERTING.webhooks[0], name: "platform slack" }] } }, /^alerting.webhooks.0.name must be 1–253 of letters/],
        ["a channel that is no webhook", { alerting: { ...ALERTING, channel: "pager" } }, /^alerting.channel must be the name of one of alerting.webhooks \(platform-slack\)/],
        ["a webhook named twice", { alerting: { webhooks: [ALERTING.webhooks[0], ALERTING.webhooks[0]] } }, /^alerting.webhooks names a webhook twice/],
        ["content without the bootstrap", { ingestionApiKey: "0123-key", content: { packs: ["pipeline"] } }, /^content needs the bootstrap Job .* because ingestionApiKey is set; remove content/],
        ["alerting without the bootstrap", { bootstrap: { enabled: false }, alerting: ALERTING }, /^alerting needs the bootstrap Job .* because bootstrap.enabled is false; remove alerting/],
    ])("refuses %s, saying what is allowed", (_case, raw, expected) => {
        expect(problems(raw)).toEqual([expect.stringMatching(expected)]);
    });

    it("never echoes a webhook URL in an error", () => {
        const shown = problems({ alerting: { webhooks: [{ name: "x", service: "slack", url: "ftp://token@hooks" }] } }).join("\n");
        expect(shown).toContain("alerting.webhooks.0.url");
        expect(shown).not.toContain("token@hooks");
    });

    it("an agent stack refuses both: the content lives with the central stack", () => {
        const agent = { mode: "agent", gatewayEndpoint: "https://otlp.example.com", ingestionApiKey: "k" };
        expect(problems({ ...agent, content: { packs: ["pipeline"] }, alerting: ALERTING }).map((p) => p.split(" ")[0])).toEqual(["content", "alerting"]);
        expect(parseStackConfig(agent).content).toBeUndefined();
    });

    it("refuses webhook URLs stored in plain text (pkg/resource/config object.go: a secret leaf makes the object secret)", () => {
        expect(() => parseStackConfig({ alerting: ALERTING }, {}, new Set())).toThrow(
            "alerting holds webhook URLs in plain text in the stack config; each URL is a credential: set each again with `pulumi config set --secret --path 'alerting.webhooks[0].url' <url>`");
        expect(parseStackConfig({ alerting: ALERTING }, {}, new Set(["clickstack-k8s:alerting"])).content!.choice.webhooks).toEqual([{ name: "platform-slack", service: "slack" }]);
    });
});

describe.each(["dev", "prod"] as const)("the content Job in the %s stack", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => { run = await runProgram(stack, { alerting: ALERTING }); });

    it("runs after the bootstrap Job, with the definitions and the script from its ConfigMap", () => {
        const job = contentJob(run);
        expect(job.dependencies).toEqual(expect.arrayContaining(["bootstrap-job", "content-definitions", "content-webhook-urls"]));
        const configMap = run.find(T.configMap, "content-definitions");
        const document = JSON.parse(configMap.plain.data["content.json"]);
        expect(document.dashboards.map((d: { key: string }) => d.key)).toEqual(["kubernetes", "pipeline"]);
        expect(document.alerts.every((a: { channel: string }) => a.channel === "platform-slack")).toBe(true);
        expect(annotations(run)[CONTENT_ANNOTATIONS.document]).toBe(sha256(configMap.plain.data["content.json"]));
        // The file the Job runs is the script in the ConfigMap, under the name the script runs itself under.
        const file = path.basename(job.plain.spec.template.spec.containers[0].command[1]);
        expect(configMap.plain.data[file]).toBe(fs.readFileSync(CONTENT_SCRIPT, "utf8"));
        expect(entryName(CONTENT_SCRIPT)).toBe(file);
        expect(annotations(run)[CONTENT_ANNOTATIONS.script]).toBe(sha256(configMap.plain.data[file]));
    });

    it("restricted, no service account token, bounded, credentials from the admin Secret", () => {
        const spec = contentJob(run).plain.spec;
        const pod = spec.template.spec;
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(spec.activeDeadlineSeconds).toBeGreaterThan(0);
        expect(spec.backoffLimit).toBe(2);
        const env = Object.fromEntries((pod.containers[0].env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string } } }[]).map((e) => [e.name, e.value ?? e.valueFrom!.secretKeyRef.name]));
        expect(env.HYPERDX_ADMIN_PASSWORD).toBe("my-clickstack-hyperdx-admin");
        expect(env.HYPERDX_URL).toMatch(/^http:\/\/my-clickstack-app\.otel-demo(\.svc\.cluster\.local)?:3000$/);
        // No RBAC at all: the Job talks to HyperDX only. Everything the component makes:
        expect(run.resources.filter((r) => r.parent === "content").map((r) => r.type).sort()).toEqual([
            T.configMap, T.secret, JOB, "kubernetes:core/v1:ServiceAccount", T.password,
        ].sort());
    });

    it("the webhook URL is a secret end to end: Secret input secret, nowhere else in the inputs or outputs", () => {
        const secret = run.find(T.secret, "content-webhook-urls");
        expect(isSecret(secret.inputs.stringData)).toBe(true);
        expect(secret.plain.stringData).toEqual({ "platform-slack": SLACK_URL });
        const elsewhere = run.resources.filter((r) => r !== secret && JSON.stringify(r.plain).includes("credential-in-the-url")).map((r) => r.name);
        expect(elsewhere).toEqual([]);
        expect(JSON.stringify(run.outputs)).not.toContain("credential-in-the-url");
        expect(run.outputs.hyperdxContent).toEqual({ packs: ["kubernetes", "pipeline"], dashboards: renderContent({ packs: ["kubernetes", "pipeline"], clusters: [stack], webhooks: [] }).dashboards.map((d) => d.name), alerts: expect.any(Number), channel: "platform-slack" });
    });
});

describe("re-runs: what changes the Job, and what does not", () => {
    const spec = (run: ProgramRun) => JSON.stringify(contentJob(run).plain.spec);

    it("the same config gives the same Job", async () => {
        // The run the other tests share, and a fresh one (its own recorded list: not the shared run).
        const a = await runProgram("dev", { alerting: ALERTING });
        const b = await runProgram("dev", { alerting: ALERTING }, []);
        expect(b).not.toBe(a);
        expect(spec(a)).toBe(spec(b));
    });

    it("a pack turned off changes the document, so the Job runs again", async () => {
        const [both, one] = await Promise.all([runProgram("dev", { alerting: ALERTING }), runProgram("dev", { alerting: ALERTING, content: { packs: ["kubernetes"] } })]);
        expect(annotations(one)[CONTENT_ANNOTATIONS.document]).not.toBe(annotations(both)[CONTENT_ANNOTATIONS.document]);
    });

    it("a new webhook URL changes only the webhook digest, which reveals nothing of the URL", async () => {
        const other = "https://hooks.slack.com/services/T0000/B0000/another-credential";
        const [a, b] = await Promise.all([runProgram("dev", { alerting: ALERTING }), runProgram("dev", { alerting: { webhooks: [{ ...ALERTING.webhooks[0], url: other }] } })]);
        const [x, y] = [annotations(a), annotations(b)];
        expect(y[CONTENT_ANNOTATIONS.webhooks]).not.toBe(x[CONTENT_ANNOTATIONS.webhooks]);
        expect(y[CONTENT_ANNOTATIONS.document]).toBe(x[CONTENT_ANNOTATIONS.document]);
        // An HMAC keyed by a generated secret, not a plain hash a guess could be checked against.
        expect(x[CONTENT_ANNOTATIONS.webhooks]).not.toBe(sha256(JSON.stringify([["platform-slack", SLACK_URL]])));
        // The Job's spec is not secret: a preview shows it.
        expect(isSecret(contentJob(a).inputs.spec)).toBe(false);
    });

    it("no content Job when the bootstrap does not run (the key from config)", async () => {
        const run = await runProgram("dev", { ingestionApiKey: "0123-key" });
        expect(run.ofType(JOB).map((j) => j.name)).not.toContain("content-job");
        expect(run.outputs.hyperdxContent).toBeUndefined();
    });

    it("without a channel: dashboards only, no webhook Secret, and the output says why there is no alert", async () => {
        const run = await runProgram("dev");
        // The provider replaces a Secret on any data change: an empty one would be replaced on every preview.
        expect(run.ofType(T.secret).map((s) => s.name)).not.toContain("content-webhook-urls");
        const pod = contentJob(run).plain.spec.template.spec;
        expect(pod.volumes.map((v: { name: string }) => v.name)).toEqual(["content"]);
        expect(pod.containers[0].env.map((e: { name: string }) => e.name)).not.toContain("WEBHOOK_URLS_DIR");
        const document = JSON.parse(run.find(T.configMap, "content-definitions").plain.data["content.json"]);
        expect(document.alerts).toEqual([]);
        expect((run.outputs.hyperdxContent as { channel: string }).channel).toMatch(/^none: the \d+ alerts of the packs need a channel \(alerting.webhooks\)$/);
    });
});
