// `retention` and `capacity` under mocks: the gateway's TTL for new tables, the retention Job for
// existing ones (its ClickHouse user, grants and NetworkPolicy rule), the capacity plan and its checks.
import * as crypto from "crypto";
import { parseStackConfig } from "../../config";
import { planCapacity } from "../../components/retention/capacity";
import * as path from "path";
import { RETENTION_SCRIPT } from "../../components/retention/retention";
import { configProblems as problems, isSecret, ProgramRun, Recorded, runProgram, T } from "../harness";
import { entryName } from "../run-script";

const JOB = "kubernetes:batch/v1:Job";
const retentionJob = (run: ProgramRun): Recorded => run.ofType(JOB).find((j) => j.name === "retention-job")!;
const env = (job: Recorded) => Object.fromEntries((job.plain.spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[])
    .map((e) => [e.name, e.value ?? e.valueFrom]));
const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

describe("retention: durations users write, refused when wrong", () => {
    it("defaults every signal to HyperDX's 30 days and takes days or hours", () => {
        expect(parseStackConfig({}).retention).toEqual({ logs: 720, traces: 720, metrics: 720, sessions: 720 });
        expect(parseStackConfig({ retention: { logs: "14d", traces: "168h", metrics: "90d" } }).retention).toEqual({ logs: 336, traces: 168, metrics: 2160, sessions: 720 });
    });

    it.each([
        ["weeks", { logs: "2w" }, /^retention.logs must be whole days or hours such as 14d or 720h \(given: "2w"\)$/],
        ["a fraction", { traces: "1.5d" }, /^retention.traces must be whole days or hours such as 14d or 720h \(given: "1.5d"\)$/],
        ["less than a day", { metrics: "12h" }, /^retention.metrics must be at least 1d \(24h\) and at most 3650d \(87600h\) \(given: "12h"\)$/],
        ["more than ten years", { sessions: "3651d" }, /^retention.sessions must be at least 1d .* \(given: "3651d"\)$/],
        ["an unknown signal", { events: "7d" }, /^retention unknown key\(s\) events; allowed: logs, traces, metrics, sessions/],
    ])("%s", (_, retention, expected) => {
        expect(problems({ retention })).toEqual([expect.stringMatching(expected)]);
    });
});

describe("capacity: the plan, and a disk below it refused", () => {
    it("derives CPU, memory and disk from ingest and the longest retention (docs/retention-and-capacity.md's worked example)", () => {
        const plan = planCapacity({ ingestMBps: 5 }, { logs: 336, traces: 168, metrics: 2160, sessions: 720 });
        expect(plan.inputs).toEqual({ ingestMBps: 5, queryCores: 1, longestRetentionDays: 90 });
        expect([plan.cpu.value, plan.memoryGi.value, plan.dataSizeGi.value]).toEqual([2, 8, 4936]);
        expect(plan.dataSizeGi.formula).toBe("ceil(5 MB/s × 86400 s × 90 d ÷ 1024 ÷ 10 (compression) × 1.3 (headroom))");
        const big = planCapacity({ ingestMBps: 60, queryCores: 4 }, { logs: 168, traces: 168, metrics: 168, sessions: 168 });
        // 60 × 86400 × 7 ÷ 1024 ÷ 10 × 1.3 = 4606.9 → 4607; CPU ceil(6 + 6 + 4) = 16
        expect([big.cpu.value, big.memoryGi.value, big.dataSizeGi.value]).toEqual([16, 64, 4607]);
    });

    it("refuses an explicit clickhouseDataSize below the need, with both numbers and the three ways out", () => {
        expect(problems({ capacity: { ingestMBps: 5 }, retention: { metrics: "90d" }, clickhouseDataSize: "500Gi" })).toEqual([
            'clickhouseDataSize is 500Gi (500 GiB), below the 4936 GiB that 5 MB/s kept for 90 days needs; shorten retention, lower capacity.ingestMBps, or give more disk (clickhouseDataSize 4936Gi, or remove it to use the plan) (given: "500Gi")',
        ]);
        expect(problems({ capacity: { ingestMBps: 5 }, retention: { metrics: "90d" }, clickhouseDataSize: "5Ti" })).toEqual([]);
    });

    it("uses the plan's size when clickhouseDataSize is left at its default, and keeps today's sizes without capacity", () => {
        expect(parseStackConfig({ capacity: { ingestMBps: "1" } }).clickhouseDataSize).toBe("330Gi"); // 86400 × 30 ÷ 1024 ÷ 10 × 1.3 = 329.1
        expect(parseStackConfig({}).clickhouseDataSize).toBe("100Gi");
        expect(parseStackConfig({}).capacityPlan).toBeUndefined();
    });

    it.each([
        ["no ingest", { queryCores: 2 }, /^capacity.ingestMBps must be a number \(raw ingest in MB\/s, e.g. 5\) \(given: nothing\)$/],
        ["zero ingest", { ingestMBps: 0 }, /^capacity.ingestMBps must be more than 0 \(given: 0\)$/],
        ["ingest in words", { ingestMBps: "five" }, /^capacity.ingestMBps must be a number/],
        ["negative query cores", { ingestMBps: 5, queryCores: -1 }, /^capacity.queryCores must be 0 or more \(given: -1\)$/],
        ["an unknown key", { ingestMBps: 5, retentionDays: 7 }, /^capacity unknown key\(s\) retentionDays; allowed: ingestMBps, queryCores/],
    ])("refuses %s", (_, capacity, expected) => {
        expect(problems({ capacity })).toEqual([expect.stringMatching(expected)]);
    });
});

describe.each(["dev", "prod"] as const)("the %s stack: retention under mocks", (stack) => {
    let run: ProgramRun;
    const retention = { logs: "14d", traces: "7d", metrics: "90d" };
    beforeAll(async () => { run = await runProgram(stack, { retention }); });

    it("creates new tables with the longest retention, in hours, through the gateway's env (clickstack-config)", () => {
        expect(run.find(T.chart, "clickstack").plain.values.hyperdx.config.HYPERDX_OTEL_EXPORTER_TABLES_TTL).toBe("2160h");
    });

    it("runs the retention Job after ClickStack, with the hours per signal in its env", () => {
        const job = retentionJob(run);
        expect(job.dependencyKeys).toContain("kubernetes:helm.sh/v4:Chart::clickstack");
        expect(env(job)).toMatchObject({ RETENTION_LOGS: "336h", RETENTION_TRACES: "168h", RETENTION_METRICS: "2160h", RETENTION_SESSIONS: "720h", CLICKHOUSE_DATABASE: "default" });
        expect(env(job).CLICKHOUSE_PASSWORD).toEqual({ secretKeyRef: { name: "my-clickstack-clickhouse-retention", key: "password" } });
        // The file the Job runs is the ConfigMap's key and the name the script runs itself under.
        const file = path.basename(job.plain.spec.template.spec.containers[0].command[1]);
        expect(Object.keys(run.find(T.configMap, "retention-script").plain.data)).toEqual([file]);
        expect(entryName(RETENTION_SCRIPT)).toBe(file);
        expect(Object.keys(env(job)).sort()).toEqual(["CLICKHOUSE_DATABASE", "CLICKHOUSE_PASSWORD", "CLICKHOUSE_URL", "CLICKHOUSE_USER", "RETENTION_LOGS", "RETENTION_METRICS", "RETENTION_SESSIONS", "RETENTION_TRACES", "WAIT_SECONDS"]);
    });

    it("is restricted, bounded and sized, and holds no ServiceAccount token", () => {
        const spec = retentionJob(run).plain.spec;
        expect(spec.backoffLimit).toBe(2);
        expect(spec.activeDeadlineSeconds).toBe(Number(env(retentionJob(run)).WAIT_SECONDS) + 300);
        const pod = spec.template.spec;
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(pod.containers[0].resources).toEqual({ requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } });
        expect(retentionJob(run).plain.metadata.name).toBeUndefined(); // auto-named: a new spec replaces it
    });

    it("runs again only when retention changes: same config, same spec; another retention, another spec", async () => {
        const same = await runProgram(stack, { retention });
        expect(retentionJob(same).plain.spec).toEqual(retentionJob(run).plain.spec);
        const other = await runProgram(stack, { retention: { ...retention, logs: "21d" } });
        expect(retentionJob(other).plain.spec).not.toEqual(retentionJob(run).plain.spec);
        expect(env(retentionJob(other)).RETENTION_LOGS).toBe("504h");
    });

    it("keeps the password a secret end to end", () => {
        const secret = run.find(T.secret, "retention-credentials");
        expect(Object.keys(secret.plain.stringData)).toEqual(["password"]);
        const stringData = secret.inputs.stringData as Record<string, unknown>;
        expect(isSecret(stringData.password) || isSecret(stringData)).toBe(true);
    });
});

describe("who may ALTER", () => {
    it("self-hosted: a dedicated user, its password generated and stored hashed, granted ALTER MODIFY TTL and SELECT only", async () => {
        const run = await runProgram("dev");
        const users = run.find(T.chart, "clickstack").plain.values.clickhouse.cluster.spec.settings.extraUsersConfig.users;
        const password = run.find(T.secret, "retention-credentials").plain.stringData.password as string;
        expect(users.retention).toEqual({ password_sha256_hex: sha256(password), profile: "default", grants: [{ query: "GRANT ALTER MODIFY TTL, SELECT ON default.*" }] });
        expect(env(retentionJob(run))).toMatchObject({ CLICKHOUSE_URL: "http://my-clickstack-clickhouse-clickhouse-headless:8123", CLICKHOUSE_USER: "retention" });
        expect(run.find(T.password, "clickstack-clickhouse-retention-password").plain).toEqual({ length: 32, special: false });
    });

    it("managed: the configured Cloud user at the Cloud endpoint; no retention user in the chart", async () => {
        const run = await runProgram("prod");
        expect(env(retentionJob(run))).toMatchObject({ CLICKHOUSE_URL: "https://test-service.eu-west-1.aws.clickhouse.cloud:8443", CLICKHOUSE_USER: "default" });
        expect(run.find(T.secret, "retention-credentials").plain.stringData.password).toBe("test-cloud-password");
        expect(run.find(T.chart, "clickstack").plain.values.clickhouse).toEqual({ enabled: false });
    });

    it("an agent stack refuses retention and capacity: they belong to the central stack", () => {
        const agent = { mode: "agent", gatewayEndpoint: "https://otlp.example.com", ingestionApiKey: "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f" };
        expect(problems({ ...agent, retention: { logs: "7d" }, capacity: { ingestMBps: 5 } })).toEqual([
            expect.stringMatching(/^retention is not allowed when mode is agent: an agent stack runs only the collectors/),
            expect.stringMatching(/^capacity is not allowed when mode is agent/),
        ]);
        expect(problems({ ...agent, retention: { logs: "30d" } })).toEqual([]); // the default, written out
    });

    it("an agent stack has no retention Job", async () => {
        const run = await runProgram("dev", { mode: "agent", gatewayEndpoint: "https://otlp.example.com", ingestionApiKey: "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f", clickhouseDataSize: "100Gi", demo: {} });
        expect(run.ofType(JOB)).toEqual([]);
        expect(run.outputs.retentionDays).toBeUndefined();
    });
});

describe("capacity under mocks", () => {
    it("sizes the self-hosted ClickHouse from the plan and outputs the plan", async () => {
        const run = await runProgram("dev", { capacity: { ingestMBps: 20, queryCores: 2 }, clickhouseDataSize: "100Gi" });
        const spec = run.find(T.chart, "clickstack").plain.values.clickhouse.cluster.spec;
        expect(spec.containerTemplate.resources).toEqual({ requests: { cpu: "6", memory: "24Gi" }, limits: { cpu: "6", memory: "24Gi" } });
        expect(spec.dataVolumeClaimSpec.resources.requests.storage).toBe("6582Gi"); // 20 × 86400 × 30 ÷ 1024 ÷ 10 × 1.3 = 6581.25
        expect(run.outputs.capacityPlan).toMatchObject({ cpu: { value: 6 }, memoryGi: { value: 24 }, dataSizeGi: { value: 6582, formula: expect.stringContaining("× 30 d") } });
        expect(run.outputs.retentionDays).toEqual({ logs: 30, traces: 30, metrics: 30, sessions: 30 });
    });

    it("without capacity: the size's values file's sizing (standard: clickstack.yaml's), no plan", async () => {
        const run = await runProgram("dev", { size: "standard" });
        expect(run.find(T.chart, "clickstack").plain.values.clickhouse.cluster.spec.containerTemplate.resources).toEqual({ requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "2", memory: "8Gi" } });
        expect(run.outputs.capacityPlan).toBeUndefined();
    });
});
