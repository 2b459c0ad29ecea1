// One ClickStack serving many clusters: the central stack's OTLP Ingress, agent stacks that run only
// the collectors, and the cluster name on every record.
import Ajv from "ajv";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { gatewayEndpointProblem } from "../../config";
import { policy as ingressTls } from "../../policies/rules/ingress-tls";
import { DEMO_FIXTURE, ProgramRun, Recorded, runProgram, T } from "../harness";
import { kubeResource, violations } from "../policies/policy-args";
import { chartDefaults, collectorValuesSchema, helmCoalesce } from "../schemas/opentelemetry-collector-0.170.0";

const KEY = "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f";
const GATEWAY = "https://otlp.example.com";
/** An agent stack for a second cluster: Pulumi.dev.yaml plus what docs/multi-cluster.md sets. */
const AGENT = { mode: "agent", gatewayEndpoint: GATEWAY, ingestionApiKey: KEY, clusterName: "edge-eu-1", clickhouseDataSize: undefined };
const validate = new Ajv({ allErrors: true, strict: false }).compile(collectorValuesSchema);

describe("an agent stack (a second cluster)", () => {
    let run: ProgramRun;
    // Pulumi.dev.yaml sets clickhouseDataSize and the demo; an agent stack file would not.
    beforeAll(async () => { run = await runProgram("dev", { ...AGENT, demo: {} }); });

    it("registers no ClickStack, no operators, no bootstrap, no ClickStack NetworkPolicies, no demo", () => {
        expect(run.ofType(T.chart).map((c) => c.name).sort()).toEqual(["collectors-daemonset", "collectors-deployment"]);
        expect(run.resources.filter((r) => /^(clickstack|bootstrap|network-policies|otel-demo)/.test(r.name))).toEqual([]);
        expect(run.ofType(T.password)).toEqual([]);
    });

    it("installs the namespace, the ingestion Secret and ConfigMap, and the two collectors", () => {
        expect(run.resources.filter((r) => r.custom || r.type === T.chart).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
            `${T.chart} collectors-daemonset`,
            `${T.chart} collectors-deployment`,
            `${T.configMap} ingestion-endpoint`,
            `${T.namespace} namespace`,
            // who may send to the workloads' endpoint, which an agent serves like a central stack
            `kubernetes:networking.k8s.io/v1:NetworkPolicy collectors-workload-otlp`,
            `${T.secret} ingestion-api-key`,
            `${T.provider} cluster`,
        ].sort());
        expect(run.find(T.secret, "ingestion-api-key").plain.stringData).toEqual({ HYPERDX_API_KEY: KEY });
    });

    it("writes the gateway endpoint into otel-config-vars", () => {
        expect(run.find(T.configMap, "ingestion-endpoint").plain.data).toEqual({ YOUR_OTEL_COLLECTOR_ENDPOINT: GATEWAY });
        expect(run.outputs.collectorEndpoint).toBe(GATEWAY);
    });

    it("the collectors' values pass the chart's values schema after Helm merges them over the chart's defaults", () => {
        for (const release of ["collectors-deployment", "collectors-daemonset"]) {
            const merged = helmCoalesce(chartDefaults, run.find(T.chart, release).plain.values);
            expect([release, validate(merged) ? [] : validate.errors]).toEqual([release, []]);
        }
    });

    it("the collectors add pod and node metadata themselves (kubernetesAttributes preset), not the gateway", () => {
        for (const release of ["collectors-deployment", "collectors-daemonset"]) {
            expect(run.find(T.chart, release).plain.values.presets.kubernetesAttributes.enabled).toBe(true);
        }
    });

    it("outputs only what an agent has", () => {
        expect(run.outputs).toEqual({
            namespace: "otel-demo", mode: "agent", clusterName: "edge-eu-1", collectorEndpoint: GATEWAY,
            workloadOtlpEndpoint: "http://k8s-otel-daemonset-opentelemetry-collector.otel-demo:4318",
            // Only the collectors' image: an agent runs nothing else.
            images: [{ source: "docker.io/otel/opentelemetry-collector-contrib:0.158.0", target: "docker.io/otel/opentelemetry-collector-contrib:0.158.0", usedBy: expect.any(String) }],
            // The two collectors' pods, nothing else (Pulumi.dev.yaml's size, which the agent's file copies).
            requests: {
                size: "small", madeFor: expect.any(String),
                workloads: { "k8s-otel-deployment collector": expect.objectContaining({ pods: 1 }), "k8s-otel-daemonset collector": expect.objectContaining({ pods: 1, perNode: true }) },
                total: expect.objectContaining({ pods: 2 }),
            },
        });
    });

    const demoHosts = (r: ProgramRun) => {
        const objs = r.find(T.configGroup, "otel-demo").plain.objs as { kind: string; spec?: { template?: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } }[];
        return new Set(objs.flatMap((o) => o.spec?.template?.spec.containers.flatMap((c) => c.env ?? []) ?? []).filter((e) => e.name === "OTEL_COLLECTOR_NAME").map((e) => e.value));
    };

    it("the demo can be asked for: it sends to the agent's own workloads' endpoint, whatever the gateway", async () => {
        const withDemo = await runProgram("dev", { ...AGENT, demo: { enabled: true, manifestFile: DEMO_FIXTURE } });
        expect(demoHosts(withDemo)).toEqual(new Set(["k8s-otel-daemonset-opentelemetry-collector.otel-demo"]));
    });

    it("without the endpoint, a cluster-local http:// gateway lets the demo send there", async () => {
        const local = await runProgram("dev", { ...AGENT, gatewayEndpoint: "http://my-clickstack-otel-collector.observability:4318", demo: { enabled: true, manifestFile: DEMO_FIXTURE }, collectors: { otlpEndpoint: false } });
        expect(local.find(T.configMap, "ingestion-endpoint").plain.data.YOUR_OTEL_COLLECTOR_ENDPOINT).toBe("http://my-clickstack-otel-collector.observability:4318");
        expect(demoHosts(local)).toEqual(new Set(["my-clickstack-otel-collector.observability"]));
    });
});

describe("the central stack's OTLP Ingress", () => {
    const otlpIngress = { host: "otlp.example.com", className: "nginx", clusterIssuer: "letsencrypt-prod" };

    it.each(["dev", "prod"] as const)("%s: the gateway subchart's own ingress, TLS for the host, to OTLP/HTTP 4318", async (stack) => {
        const run = await runProgram(stack, { otlpIngress });
        expect(run.find(T.chart, "clickstack").plain.values["otel-collector"].ingress).toEqual({
            enabled: true,
            annotations: { "cert-manager.io/cluster-issuer": "letsencrypt-prod" },
            ingressClassName: "nginx",
            hosts: [{ host: "otlp.example.com", paths: [{ path: "/", pathType: "Prefix", port: 4318 }] }],
            tls: [{ secretName: "my-clickstack-otlp-tls", hosts: ["otlp.example.com"] }],
        });
        expect(run.outputs.otlpEndpoint).toBe("https://otlp.example.com");
        expect(run.find(T.chart, "clickstack").plain.values.hyperdx.ingress).toBeUndefined();
    });

    it("the Ingress the subchart renders from these values passes the pack's ingress-tls policy and the official schema", async () => {
        // As templates/ingress.yaml of the opentelemetry-collector chart renders ingress.hosts/tls
        // (backend: the collector's own Service, <release>-otel-collector).
        const values = (await runProgram("dev", { otlpIngress })).find(T.chart, "clickstack").plain.values["otel-collector"].ingress;
        const rendered = {
            apiVersion: "networking.k8s.io/v1", kind: "Ingress",
            metadata: { name: "my-clickstack-otel-collector", namespace: "otel-demo", annotations: values.annotations },
            spec: {
                ingressClassName: values.ingressClassName,
                tls: values.tls,
                rules: values.hosts.map((h: { host: string; paths: { path: string; pathType: string; port: number }[] }) => ({
                    host: h.host,
                    http: { paths: h.paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: "my-clickstack-otel-collector", port: { number: p.port } } } })) },
                })),
            },
        };
        expect(() => new Ingress(rendered as never).validate()).not.toThrow();
        expect(await violations(ingressTls, kubeResource(rendered))).toEqual([]);
    });

    it("no otlpIngress: no subchart ingress, no otlpEndpoint output", async () => {
        const run = await runProgram("dev");
        expect(run.find(T.chart, "clickstack").plain.values["otel-collector"].ingress).toBeUndefined();
        expect(run.outputs).not.toHaveProperty("otlpEndpoint");
    });
});

describe("k8s.cluster.name on every record", () => {
    it.each([
        ["dev (default: the stack's name)", "dev", {}, "dev"],
        ["prod (default: the stack's name)", "prod", {}, "prod"],
        ["a set clusterName", "dev", { clusterName: "eu-central-prod" }, "eu-central-prod"],
        ["an agent", "dev", { ...AGENT, demo: {} }, "edge-eu-1"],
    ] as const)("%s", async (_case, stack, overrides, expected) => {
        const run = await runProgram(stack, overrides);
        for (const release of ["collectors-deployment", "collectors-daemonset"]) {
            const values = run.find(T.chart, release).plain.values;
            expect(values.extraEnvs).toContainEqual({ name: "K8S_CLUSTER_NAME", value: expected });
            expect(values.config.processors.resource).toEqual({ attributes: [{ key: "k8s.cluster.name", value: "${env:K8S_CLUSTER_NAME}", action: "upsert" }] });
            const pipelines = helmCoalesce(chartDefaults, values).config as { service: { pipelines: Record<string, { processors: string[] }> } };
            for (const [name, pipeline] of Object.entries(pipelines.service.pipelines)) {
                // memory_limiter first; the cluster name before anything leaves (the DaemonSet's logs blank credentials before it).
                expect([release, name, pipeline.processors[0], pipeline.processors.includes("resource")]).toEqual([release, name, "memory_limiter", true]);
            }
        }
        expect(run.outputs.clusterName).toBe(expected);
    });
});

describe("gateway endpoints", () => {
    it.each([
        ["https://otlp.example.com", undefined],
        ["https://otlp.example.com:4318", undefined],
        ["http://my-clickstack-otel-collector.otel-demo:4318", undefined],
        ["http://gateway.observability.svc:4318", undefined],
        ["http://gateway.observability.svc.cluster.local:4318", undefined],
        ["http://otlp.example.com", /must be https:\/\/ outside the cluster/],
        ["http://10.0.0.5:4318", /must be https:\/\/ outside the cluster/],
        ["ftp://otlp.example.com", /must be an https:\/\/ URL/],
        ["otlp.example.com", /must be a URL/],
    ])("%s", (endpoint, expected) => {
        const problem = gatewayEndpointProblem(endpoint);
        if (expected === undefined) expect(problem).toBeUndefined();
        else expect(problem).toMatch(expected);
    });
});

describe("bad multi-cluster input fails before any resource, naming the key", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
        ["agent without an endpoint", { ...AGENT, gatewayEndpoint: undefined }, /gatewayEndpoint is required when mode is agent/],
        ["agent without a key", { ...AGENT, ingestionApiKey: undefined }, /ingestionApiKey is required when mode is agent/],
        ["agent with an ingress", { ...AGENT, ingress: { host: "hyperdx.example.com" } }, /ingress is not allowed when mode is agent/],
        ["agent with an otlpIngress", { ...AGENT, otlpIngress: { host: "otlp.example.com" } }, /otlpIngress is not allowed when mode is agent/],
        ["agent with a bootstrap", { ...AGENT, bootstrap: { rotation: 1 } }, /bootstrap is not allowed when mode is agent/],
        ["agent with a storage class", { ...AGENT, storageClass: "fast-ssd" }, /storageClass is not allowed when mode is agent/],
        ["agent with a ClickHouse size", { ...AGENT, clickhouseDataSize: "20Gi" }, /clickhouseDataSize is not allowed when mode is agent/],
        ["agent with a Cloud URL", { ...AGENT, clickhouseUrl: "https://abc.clickhouse.cloud:8443" }, /clickhouseUrl is not allowed when mode is agent/],
        ["agent sending http:// to a public host", { ...AGENT, gatewayEndpoint: "http://otlp.example.com" }, /gatewayEndpoint must be https:\/\/ outside the cluster.* \(given: "http:\/\/otlp.example.com"\)/],
        ["agent with the demo, an https gateway and no workloads' endpoint", { ...AGENT, demo: { enabled: true }, collectors: { otlpEndpoint: false } }, /demo.enabled needs the workloads' endpoint \(collectors.enabled and collectors.otlpEndpoint\) or a cluster-local http:\/\/ gatewayEndpoint when mode is agent/],
        ["agent with the demo, an https gateway and no collectors", { ...AGENT, demo: { enabled: true }, collectors: { enabled: false } }, /demo.enabled needs the workloads' endpoint/],
        ["a gateway endpoint on a central stack", { gatewayEndpoint: GATEWAY }, /gatewayEndpoint is only used when mode is agent/],
        ["otlpIngress without host", { otlpIngress: { className: "nginx" } }, /otlpIngress.host is required: the public host name of the OTLP endpoint \(given: nothing\)/],
        ["an unknown key under otlpIngress", { otlpIngress: { host: "otlp.example.com", port: 4318 } }, /otlpIngress unknown key\(s\) port; allowed: host, className, tlsSecretName, clusterIssuer/],
        ["a clusterName of whitespace", { clusterName: "   " }, /clusterName must not be empty or contain whitespace \(given: " {3}"\)/],
        ["a clusterName with a space", { clusterName: "eu central" }, /clusterName must not be empty or contain whitespace \(given: "eu central"\)/],
    ];
    it.each(cases)("%s", async (_case, overrides, message) => {
        const recorded: Recorded[] = [];
        await expect(runProgram("dev", overrides, recorded)).rejects.toThrow(message);
        expect(recorded).toEqual([]);
    });
});
