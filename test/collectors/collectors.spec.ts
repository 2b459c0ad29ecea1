import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv from "ajv";
import { buildCollectorValues, COLLECTOR_CHART, COLLECTOR_RELEASES, CollectorComputedValues, CollectorKind } from "../../components/collectors/collectors";
import { apiKeyChecksum } from "../../components/collectors/ingestion";
import { ProgramRun, runProgram, T } from "../harness";
import { chartDefaults, collectorValuesSchema, helmCoalesce } from "../schemas/opentelemetry-collector-0.170.0";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Values = Record<string, any>;
const computed: CollectorComputedValues = {
    imageTag: COLLECTOR_CHART.imageTag,
    secretName: "hyperdx-secret",
    secretKey: "HYPERDX_API_KEY",
    configMapName: "otel-config-vars",
    configMapKey: "YOUR_OTEL_COLLECTOR_ENDPOINT",
    apiKeyChecksum: apiKeyChecksum("3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f"),
    clusterName: "dev",
};
const KINDS: CollectorKind[] = ["deployment", "daemonset"];
const validate = new Ajv({ allErrors: true, strict: false }).compile(collectorValuesSchema);

describe.each(KINDS)("%s collector values", (kind) => {
    const values = buildCollectorValues(kind, computed) as Values;
    const pipelines = values.config.service.pipelines as Record<string, Values>;

    it("pass the chart's values schema (0.170.0)", () => {
        expect(validate(values) ? [] : validate.errors).toEqual([]);
    });

    it("publish no port and open no receiver once merged over the chart's defaults (nothing sends to them)", () => {
        const merged = helmCoalesce(chartDefaults, values) as Values;
        expect(JSON.stringify(merged)).not.toMatch(/hostPort/);
        expect(Object.entries(merged.ports).filter(([, p]) => (p as Values).enabled).map(([name]) => name)).toEqual([]);
        expect(merged.service.enabled).toBe(false);
        expect(Object.keys(merged.config.receivers).filter((r) => ["otlp", "jaeger", "zipkin"].includes(r))).toEqual([]);
        expect(Object.keys(merged.config.service.pipelines).sort()).toEqual(["logs", "metrics"]);
        // No prometheus receiver: the collector pushes its own metrics (next test), so the chart's
        // template drops the receiver and the :8888 reader it scraped (templates/_config.tpl).
        expect(merged.config.service.pipelines.metrics.receivers).toEqual([]);
        expect(merged.config.service.pipelines.logs.receivers).toEqual([]);
    });

    it("push the collector's own metrics to the gateway with the key, tagged with the cluster name", () => {
        expect(values.internalTelemetryViaOTLP).toEqual({
            endpoint: "${env:YOUR_OTEL_COLLECTOR_ENDPOINT}",
            headers: [{ name: "authorization", value: "${env:HYPERDX_API_KEY}" }],
            metrics: { enabled: true },
        });
        expect((values.config.service as Values).telemetry).toEqual({ resource: { "k8s.cluster.name": "${env:K8S_CLUSTER_NAME}", "service.name": COLLECTOR_RELEASES[kind] } });
        // Only what extraEnvs provides is referenced.
        const envs = (values.extraEnvs as { name: string }[]).map((e) => e.name);
        for (const ref of JSON.stringify([values.internalTelemetryViaOTLP, values.config]).matchAll(/\$\{env:([A-Z_]+)\}/g)) expect(envs).toContain(ref[1]);
    });

    it("the merge itself: the chart's defaults alone publish six host ports", () => {
        const defaults = helmCoalesce(chartDefaults, { mode: kind }) as Values;
        expect(Object.values(defaults.ports).map((p) => (p as Values).hostPort).filter(Boolean).sort()).toEqual([14250, 14268, 4317, 4318, 6831, 9411]);
    });

    it("use a collector-contrib image that knows the chart's renamed components", () => {
        expect(values.image).toEqual({ repository: "otel/opentelemetry-collector-contrib", tag: "0.158.0" });
        expect(values.rewriteDeprecatedComponentNames).toBeUndefined(); // the chart's default (true) stays
    });

    it("read the key from hyperdx-secret (optional) and the endpoint from otel-config-vars", () => {
        expect(values.extraEnvs).toEqual([
            { name: "HYPERDX_API_KEY", valueFrom: { secretKeyRef: { name: "hyperdx-secret", key: "HYPERDX_API_KEY", optional: true } } },
            { name: "YOUR_OTEL_COLLECTOR_ENDPOINT", valueFrom: { configMapKeyRef: { name: "otel-config-vars", key: "YOUR_OTEL_COLLECTOR_ENDPOINT" } } },
            { name: "K8S_CLUSTER_NAME", value: "dev" },
        ]);
    });

    it("export over OTLP/HTTP to the env endpoint, with the bare key as authorization, gzip, retry and queue", () => {
        const exporter = values.config.exporters.otlphttp;
        expect(exporter).toMatchObject({
            endpoint: "${env:YOUR_OTEL_COLLECTOR_ENDPOINT}",
            compression: "gzip",
            headers: { authorization: "${env:HYPERDX_API_KEY}" },
            retry_on_failure: { enabled: true },
            sending_queue: { enabled: true },
        });
        const envNames = (values.extraEnvs as Values[]).map((e) => e.name);
        for (const ref of JSON.stringify(exporter).match(/\$\{env:([A-Z_]+)\}/g) ?? []) {
            expect(envNames).toContain(ref.slice(6, -1));
        }
        for (const signal of ["logs", "metrics"]) {
            expect(pipelines[signal].exporters).toEqual(["otlphttp"]);
        }
    });

    it("run memory_limiter first in every pipeline and batch large", () => {
        expect(Object.keys(pipelines).sort()).toEqual(["logs", "metrics", "traces"]);
        expect(pipelines.traces).toBeNull(); // deletes the chart's traces pipeline: no trace receiver is left
        for (const pipeline of [pipelines.logs, pipelines.metrics]) {
            expect(pipeline.processors[0]).toBe("memory_limiter");
            // listing k8s_attributes keeps the kubernetesAttributes preset from prepending it
            expect(pipeline.processors).toContain("k8s_attributes");
        }
        expect(values.config.processors.memory_limiter).toMatchObject({ limit_percentage: 80 });
        expect(values.config.processors.batch.send_batch_size).toBeGreaterThanOrEqual(10000);
    });

    it("set memory requests and limits", () => {
        expect(values.resources.requests.memory).toMatch(/Mi$/);
        expect(values.resources.limits.memory).toMatch(/Mi$/);
        expect(values.resources.requests.cpu).toBeDefined();
    });

    it("carry the key checksum, never the key, as a pod annotation", () => {
        expect(values.podAnnotations).toEqual({ "checksum/hyperdx-api-key": computed.apiKeyChecksum });
        expect(JSON.stringify(values)).not.toContain("3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f");
        const other = buildCollectorValues(kind, { ...computed, apiKeyChecksum: apiKeyChecksum("another-key") }) as Values;
        expect(other.podAnnotations["checksum/hyperdx-api-key"]).not.toBe(values.podAnnotations["checksum/hyperdx-api-key"]);
    });
});

describe("what each collector collects (the guide's presets)", () => {
    const deployment = buildCollectorValues("deployment", computed) as Values;
    const daemonset = buildCollectorValues("daemonset", computed) as Values;

    it("deployment: one replica; pod attributes with all labels and annotations, events, cluster metrics", () => {
        expect(deployment.mode).toBe("deployment");
        expect(deployment.replicaCount).toBe(1);
        expect(deployment.presets).toEqual({
            kubernetesAttributes: { enabled: true, extractAllPodLabels: true, extractAllPodAnnotations: true },
            kubernetesEvents: { enabled: true },
            clusterMetrics: { enabled: true },
        });
    });

    it("daemonset: logs, host and kubelet metrics, pod attributes; kubeletstats utilization metrics; nodes/proxy", () => {
        expect(daemonset.mode).toBe("daemonset");
        expect(daemonset.presets).toEqual({
            logsCollection: { enabled: true },
            hostMetrics: { enabled: true },
            kubernetesAttributes: { enabled: true, extractAllPodLabels: true, extractAllPodAnnotations: true },
            kubeletMetrics: { enabled: true },
        });
        expect(daemonset.config.receivers.kubeletstats).toMatchObject({ auth_type: "serviceAccount", collection_interval: "20s", insecure_skip_verify: true });
        expect(Object.keys(daemonset.config.receivers.kubeletstats.metrics)).toHaveLength(11);
        expect(daemonset.clusterRole).toEqual({ create: true, rules: [{ apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"] }] });
    });
});

describe("values files", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "collector-values-"));
    it("a malformed file is an error that names the file", () => {
        const file = path.join(tmp, "broken.yaml");
        fs.writeFileSync(file, "mode: deployment\npresets: [unclosed\n");
        expect(() => buildCollectorValues("deployment", computed, file)).toThrow(new RegExp(`^Values file ${file} is not valid YAML`));
    });
    it("a file that is not a mapping is an error that names the file", () => {
        const file = path.join(tmp, "list.yaml");
        fs.writeFileSync(file, "- mode: deployment\n");
        expect(() => buildCollectorValues("deployment", computed, file)).toThrow(`Values file ${file} must hold a YAML mapping at the top level, found a list`);
    });
    it("a file may not set what the program computes", () => {
        const file = path.join(tmp, "image.yaml");
        fs.writeFileSync(file, "mode: deployment\nimage:\n  tag: 0.123.0\n");
        expect(() => buildCollectorValues("deployment", computed, file)).toThrow(`Values file ${file} sets image, which the program computes`);
    });
});

describe("the DaemonSet with the workloads' telemetry (collectors.otlpEndpoint, collectors.scrapePods)", () => {
    const workloads = { otlp: { exceptNamespaces: ["kube-system"] }, scrape: { exceptNamespaces: ["team-x", "team-y"] } };
    const values = buildCollectorValues("daemonset", { ...computed, workloads }) as Values;
    const merged = helmCoalesce(chartDefaults, values) as Values;

    it("pass the chart's values schema", () => {
        expect(validate(values) ? [] : validate.errors).toEqual([]);
    });

    it("open OTLP gRPC and HTTP as container ports only, behind the chart's node-local ClusterIP Service", () => {
        expect(JSON.stringify(merged)).not.toMatch(/hostPort/);
        expect(Object.entries(merged.ports).filter(([, p]) => (p as Values).enabled).map(([name, p]) => [name, (p as Values).containerPort])).toEqual([["otlp", 4317], ["otlp-http", 4318]]);
        expect(merged.service).toMatchObject({ enabled: true, type: "ClusterIP", internalTrafficPolicy: "Local" });
        expect(merged.rollout.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
        expect(merged.config.receivers.otlp).toEqual({ protocols: { grpc: { endpoint: "${env:MY_POD_IP}:4317" }, http: { endpoint: "${env:MY_POD_IP}:4318" } } });
    });

    it("send what arrives through the same processors and exporter as everything else, traces included", () => {
        const pipelines = merged.config.service.pipelines as Record<string, Values>;
        expect(pipelines.logs.receivers).toEqual(["otlp"]);
        expect(pipelines.metrics.receivers).toEqual(["otlp", "prometheus/pods"]);
        // Logs (the node's container logs and the apps' OTLP logs) have their credentials blanked first.
        const processors = { logs: ["memory_limiter", "transform/redact-credentials", "resource", "k8s_attributes", "batch"], metrics: ["memory_limiter", "resource", "k8s_attributes", "batch"], traces: ["memory_limiter", "resource", "k8s_attributes", "batch"] };
        for (const [signal, list] of Object.entries(processors)) {
            expect([signal, pipelines[signal].processors, pipelines[signal].exporters]).toEqual([signal, list, ["otlphttp"]]);
        }
        expect(pipelines.traces.receivers).toEqual(["otlp"]);
    });

    it("scrape the annotated pods of its own node, without the namespaces left out", () => {
        const [job] = merged.config.receivers["prometheus/pods"].config.scrape_configs as Values[];
        expect(job.kubernetes_sd_configs).toEqual([{ role: "pod", selectors: [{ role: "pod", field: "spec.nodeName=${env:K8S_NODE_NAME}" }] }]);
        expect(job.relabel_configs[0]).toEqual({ source_labels: ["__meta_kubernetes_namespace"], regex: "team-x|team-y", action: "drop" });
        expect(job.relabel_configs.map((r: Values) => r.source_labels.join(","))).toEqual([
            "__meta_kubernetes_namespace",
            "__meta_kubernetes_pod_annotation_prometheus_io_scrape",
            "__meta_kubernetes_pod_phase",
            "__meta_kubernetes_pod_annotation_prometheus_io_scheme",
            "__meta_kubernetes_pod_annotation_prometheus_io_path",
            "__address__,__meta_kubernetes_pod_annotation_prometheus_io_port",
        ]);
    });

    it("each half alone; and neither leaves the DaemonSet as it was", () => {
        const only = (w: object) => helmCoalesce(chartDefaults, buildCollectorValues("daemonset", { ...computed, workloads: w })) as Values;
        const otlpOnly = only({ otlp: workloads.otlp });
        expect([otlpOnly.config.service.pipelines.metrics.receivers, otlpOnly.config.receivers["prometheus/pods"]]).toEqual([["otlp"], undefined]);
        const scrapeOnly = only({ scrape: { exceptNamespaces: [] } });
        expect([scrapeOnly.config.service.pipelines.metrics.receivers, scrapeOnly.config.service.pipelines.traces, scrapeOnly.service.enabled]).toEqual([["prometheus/pods"], undefined, false]);
        expect(scrapeOnly.config.receivers["prometheus/pods"].config.scrape_configs[0].relabel_configs[0].source_labels).toEqual(["__meta_kubernetes_pod_annotation_prometheus_io_scrape"]);
        expect(buildCollectorValues("daemonset", { ...computed, workloads: {} })).toEqual(buildCollectorValues("daemonset", computed));
    });

    it("the Deployment collector never serves them", () => {
        expect(buildCollectorValues("deployment", { ...computed, workloads })).toEqual(buildCollectorValues("deployment", computed));
    });
});

describe.each(["dev", "prod"] as const)("collectors in the %s stack", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => { run = await runProgram(stack); });

    it("two pinned opentelemetry-collector releases named as in the guide, in the stack's namespace", () => {
        for (const [resource, release, mode] of [["collectors-deployment", "k8s-otel-deployment", "deployment"], ["collectors-daemonset", "k8s-otel-daemonset", "daemonset"]]) {
            expect(run.find(T.chart, resource).plain).toMatchObject({
                chart: "opentelemetry-collector",
                version: "0.170.0",
                repositoryOpts: { repo: "https://open-telemetry.github.io/opentelemetry-helm-charts" },
                name: release,
                namespace: "otel-demo",
                values: { mode, image: { tag: "0.158.0" } },
            });
        }
    });

    it("neither release publishes a host port once Helm merges its values over the chart's defaults", () => {
        for (const release of ["collectors-deployment", "collectors-daemonset"]) {
            const merged = helmCoalesce(chartDefaults, run.find(T.chart, release).plain.values);
            expect([release, JSON.stringify(merged).includes("hostPort")]).toEqual([release, false]);
        }
    });

    it("both releases come after the bootstrap Job, so their pods start with the key", () => {
        // The releases themselves wait: a component's dependsOn does not reach its children.
        for (const release of ["collectors-deployment", "collectors-daemonset"]) {
            const chart = run.find(T.chart, release);
            expect(chart.dependencies).toEqual(expect.arrayContaining(["bootstrap-job", "ingestion-endpoint", "ingestion-api-key"]));
            // The Job waits for ClickStack; the collectors need nothing else from it.
            expect(chart.dependencies).not.toContain("clickstack");
        }
    });
});

describe("collectors config", () => {
    it("wait for the key Secret once a key is configured", async () => {
        const run = await runProgram("dev", { ingestionApiKey: "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f" });
        for (const release of ["collectors-deployment", "collectors-daemonset"]) {
            expect(run.find(T.chart, release).dependencies).toEqual(expect.arrayContaining(["ingestion-api-key", "ingestion-endpoint"]));
            expect(run.find(T.chart, release).dependencies).not.toContain("bootstrap-job");
        }
    });
    it("can be turned off", async () => {
        const run = await runProgram("dev", { collectors: { enabled: false } });
        expect(run.ofType(T.chart).map((c) => c.name).sort()).toEqual(["clickstack", "clickstack-operators"]);
    });
    it("the workloads' endpoint is on by default, with its output; off, neither", async () => {
        const on = await runProgram("dev");
        expect(on.outputs.workloadOtlpEndpoint).toBe("http://k8s-otel-daemonset-opentelemetry-collector.otel-demo:4318");
        expect(on.find(T.chart, "collectors-daemonset").plain.values.service).toMatchObject({ enabled: true, internalTrafficPolicy: "Local" });
        const off = await runProgram("dev", { collectors: { otlpEndpoint: false, scrapePods: false } });
        expect(off.outputs).not.toHaveProperty("workloadOtlpEndpoint");
        expect(off.find(T.chart, "collectors-daemonset").plain.values).toEqual(buildCollectorValues("daemonset", {
            ...computed, apiKeyChecksum: off.find(T.chart, "collectors-daemonset").plain.values.podAnnotations["checksum/hyperdx-api-key"],
            secretName: "hyperdx-secret", clusterName: "dev", size: "small", // Pulumi.dev.yaml's
        }));
    });
    it("a newer image tag is passed to both collectors", async () => {
        const run = await runProgram("dev", { collectors: { imageTag: "0.160.0" } });
        expect(run.find(T.chart, "collectors-daemonset").plain.values.image.tag).toBe("0.160.0");
        expect(run.find(T.chart, "collectors-deployment").plain.values.image.tag).toBe("0.160.0");
    });
});
