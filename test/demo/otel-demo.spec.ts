import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { apiKeyChecksum } from "../../components/collectors/ingestion";
import {
    DemoManifestSource, DemoTransformInput, DEPENDS_ON_ANNOTATION, KubeObject, parseDemoManifest, PINNED_DEMO_MANIFEST, readDemoManifest, transformDemoManifest,
} from "../../components/demo/otel-demo";
import { DEMO_FIXTURE, ProgramRun, runProgram, T } from "../harness";
import { SIZES } from "../../components/sizing/sizes";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const fixtureSource: DemoManifestSource = { kind: "file", path: DEMO_FIXTURE };
const fixture = () => parseDemoManifest(fs.readFileSync(DEMO_FIXTURE, "utf8"), fixtureSource);
const gateway = {
    kind: "gateway",
    host: "observability-otel-collector.o11y",
    apiKeySecret: { name: "hyperdx-secret", key: "HYPERDX_API_KEY" },
    apiKeyChecksum: apiKeyChecksum("3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f"),
} as const;
const input: DemoTransformInput = { namespace: "o11y", collector: gateway };
const byKindName = (objects: KubeObject[], kind: string, name: string) => {
    const hit = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!hit) throw new Error(`no ${kind} ${name}`);
    return hit as Any;
};
const allEnv = (objects: KubeObject[]) => objects.filter((o) => o.kind === "Deployment")
    .flatMap((d: Any) => [...d.spec.template.spec.containers, ...(d.spec.template.spec.initContainers ?? [])])
    .flatMap((c: Any) => c.env ?? []);

const MODELS: Record<string, new (data: Any) => { validate(): void }> = {
    Deployment, Service, ServiceAccount, ConfigMap, ClusterRole, ClusterRoleBinding, PodDisruptionBudget,
};

describe("demo manifest transformation, sending to the gateway with the key", () => {
    const original = fixture();
    const result = transformDemoManifest(original, input);

    it("drops the manifest's Namespace and puts every namespaced object in the stack's namespace", () => {
        expect(result.some((o) => o.kind === "Namespace")).toBe(false);
        expect(result).toHaveLength(original.length - 1);
        for (const o of result.filter((o) => !o.kind.startsWith("Cluster"))) {
            expect([o.kind, o.metadata.name, o.metadata.namespace]).toEqual([o.kind, o.metadata.name, "o11y"]);
        }
    });

    it("points every OTEL_COLLECTOR_NAME at the real ClickStack collector", () => {
        const names = allEnv(result).filter((e: Any) => e.name === "OTEL_COLLECTOR_NAME");
        expect(names).toHaveLength(2);
        for (const env of names) expect(env.value).toBe("observability-otel-collector.o11y");
        expect(JSON.stringify(result)).not.toContain("my-clickstack-otel-collector");
        // references to it stay references
        expect(allEnv(result).find((e: Any) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT").value).toBe("http://$(OTEL_COLLECTOR_NAME):4317");
    });

    it("keeps HYPERDX_API_KEY on hyperdx-secret (optional) and annotates every pod template with the key checksum", () => {
        const refs = allEnv(result).filter((e: Any) => e.name === "HYPERDX_API_KEY").map((e: Any) => e.valueFrom.secretKeyRef);
        expect(refs).toEqual([
            { name: "hyperdx-secret", key: "HYPERDX_API_KEY", optional: true },
            { name: "hyperdx-secret", key: "HYPERDX_API_KEY", optional: true },
        ]);
        for (const d of result.filter((o) => o.kind === "Deployment") as Any[]) {
            expect(d.spec.template.metadata.annotations["checksum/hyperdx-api-key"]).toBe(gateway.apiKeyChecksum);
        }
        // existing annotations survive
        expect(byKindName(result, "Deployment", "frontend-proxy").spec.template.metadata.annotations["prometheus.io/scrape"]).toBe("false");
    });

    it("the annotation changes with the key and never holds it", () => {
        const other = transformDemoManifest(original, { ...input, collector: { ...gateway, apiKeyChecksum: apiKeyChecksum("another-key") } });
        expect(byKindName(other, "Deployment", "cart").spec.template.metadata.annotations["checksum/hyperdx-api-key"])
            .not.toBe(byKindName(result, "Deployment", "cart").spec.template.metadata.annotations["checksum/hyperdx-api-key"]);
        expect(JSON.stringify(result)).not.toContain("3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f");
    });

    it("gives cluster-scoped objects stack-unique names and makes the binding follow", () => {
        const role = byKindName(result, "ClusterRole", "o11y-otel-collector");
        expect(role.metadata.namespace).toBeUndefined();
        const binding = byKindName(result, "ClusterRoleBinding", "o11y-otel-collector");
        expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "o11y-otel-collector" });
        expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "opentelemetry-demo", namespace: "o11y" }]);
    });

    it("forces every Service to ClusterIP", () => {
        const exposed = JSON.parse(JSON.stringify(original)) as KubeObject[];
        const proxy = byKindName(exposed, "Service", "frontend-proxy");
        proxy.spec.type = "LoadBalancer";
        proxy.spec.externalTrafficPolicy = "Local";
        proxy.spec.ports[0].nodePort = 30080;
        byKindName(exposed, "Service", "cart").spec.type = "NodePort";
        const fixed = transformDemoManifest(exposed, input);
        expect(byKindName(fixed, "Service", "frontend-proxy").spec).toEqual(byKindName(result, "Service", "frontend-proxy").spec);
        expect(byKindName(fixed, "Service", "cart").spec.type).toBe("ClusterIP");
        // a headless Service (no type) is left as it is
        expect(byKindName(fixed, "Service", "jaeger-query").spec).toEqual(byKindName(original, "Service", "jaeger-query").spec);
    });

    it("drops targetPort 0, which the API server would store as the port (a diff on every preview)", () => {
        const zero = JSON.parse(JSON.stringify(original)) as KubeObject[];
        // As upstream's jaeger-agent: targetPort 0 on some ports, a named and a numbered one elsewhere.
        byKindName(zero, "Service", "cart").spec.ports = [{ name: "a", port: 5775, targetPort: 0 }, { name: "b", port: 8080, targetPort: "service" }, { name: "c", port: 81, targetPort: 8081 }];
        expect(byKindName(transformDemoManifest(zero, input), "Service", "cart").spec.ports).toEqual([
            { name: "a", port: 5775 }, { name: "b", port: 8080, targetPort: "service" }, { name: "c", port: 81, targetPort: 8081 },
        ]);
    });

    it("orders each workload after the ServiceAccount its pods run as (yaml/v2's depends-on), and only those", () => {
        const serviceAccounts = new Set(original.filter((o) => o.kind === "ServiceAccount").map((o) => o.metadata.name));
        const workloads = result.filter((o) => ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind)) as Any[];
        const withAccount = workloads.filter((w) => serviceAccounts.has(w.spec.template.spec.serviceAccountName));
        expect(withAccount.length).toBeGreaterThan(0);
        for (const w of workloads) {
            const name = w.spec.template.spec.serviceAccountName;
            expect([w.metadata.name, w.metadata.annotations?.[DEPENDS_ON_ANNOTATION]])
                .toEqual([w.metadata.name, serviceAccounts.has(name) ? `/namespaces/o11y/ServiceAccount/${name}` : undefined]);
        }
    });

    it("changes nothing else and leaves its input alone", () => {
        const before = JSON.stringify(original);
        transformDemoManifest(original, input);
        expect(JSON.stringify(original)).toBe(before);
        const strip = (o: Any) => {
            const c = JSON.parse(JSON.stringify(o));
            delete c.metadata.namespace;
            return c;
        };
        expect(strip(byKindName(result, "ConfigMap", "flagd-config"))).toEqual(strip(byKindName(original, "ConfigMap", "flagd-config")));
        expect(strip(byKindName(result, "ServiceAccount", "opentelemetry-demo"))).toEqual(strip(byKindName(original, "ServiceAccount", "opentelemetry-demo")));
        const cart = byKindName(result, "Deployment", "cart");
        expect(cart.spec.template.spec.containers[0].image).toBe("clickhouse/ch-otel-demo:latest-cart");
        expect(cart.spec.template.spec.containers[0].env.map((e: Any) => e.name))
            .toEqual(["OTEL_SERVICE_NAME", "OTEL_COLLECTOR_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "HYPERDX_API_KEY", "OTEL_EXPORTER_OTLP_HEADERS"]);
    });

    it("every object it returns is valid against the official Kubernetes schemas", () => {
        for (const o of result) {
            const Model = MODELS[o.kind];
            expect([o.kind, Model !== undefined]).toEqual([o.kind, true]);
            expect(() => new Model(o).validate()).not.toThrow();
        }
    });
});

/** Names a container's env quotes as `$(NAME)` that no earlier variable of that container defines (Kubernetes leaves them as text). */
const undefinedReferences = (objects: KubeObject[]) => objects.filter((o) => o.kind === "Deployment")
    .flatMap((d: Any) => [...d.spec.template.spec.containers, ...(d.spec.template.spec.initContainers ?? [])])
    .flatMap((c: Any) => (c.env ?? []).flatMap((e: Any, i: number) => [...(e.value ?? "").matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)]
        .map((m) => m[1]).filter((name) => !c.env.slice(0, i).some((earlier: Any) => earlier.name === name)).map((name) => `${c.name}: ${e.name} quotes ${name}`)));

describe("demo manifest transformation, sending to the workloads' endpoint without the key", () => {
    const endpoint: DemoTransformInput = { namespace: "o11y", collector: { kind: "workload-endpoint", host: "k8s-otel-daemonset-opentelemetry-collector.o11y" } };
    // The fork's full manifest where ../shared is present: 20 services read the key, one hands it to the browser.
    const FORK = path.join(__dirname, "..", "..", "..", "shared", "upstream", "opentelemetry-demo-fork", "opentelemetry-demo.yaml");
    const manifests: [string, KubeObject[]][] = [["the fixture", fixture()]];
    if (fs.existsSync(FORK)) manifests.push(["the fork's manifest (../shared)", parseDemoManifest(fs.readFileSync(FORK, "utf8"), { kind: "file", path: FORK })]);
    else it.todo("the fork's manifest: ../shared/upstream/opentelemetry-demo-fork is not here (a plain clone), so only the fixture is checked");

    it.each(manifests)("%s: no container reads or quotes the key, and every reference left is defined", (_, original) => {
        expect(allEnv(original).some((e: Any) => e.valueFrom?.secretKeyRef?.key === "HYPERDX_API_KEY")).toBe(true);
        const result = transformDemoManifest(original, endpoint);
        expect(JSON.stringify(result)).not.toMatch(/HYPERDX_API_KEY|hyperdx-secret|checksum\/hyperdx-api-key/);
        expect(undefinedReferences(result)).toEqual([]);
        expect(allEnv(result).filter((e: Any) => e.name === "OTEL_COLLECTOR_NAME").map((e: Any) => e.value))
            .toEqual(allEnv(original).filter((e: Any) => e.name === "OTEL_COLLECTOR_NAME").map(() => "k8s-otel-daemonset-opentelemetry-collector.o11y"));
        // Only the key's variables went: every other variable of every container is still there.
        const names = (objects: KubeObject[]) => allEnv(objects).map((e: Any) => e.name).filter((n: string) => !/HYPERDX_API_KEY|OTLP_HEADERS/.test(n));
        expect(names(result)).toEqual(names(original));
    });

    it("the fixture's cart keeps its endpoint and loses the key and the header", () => {
        const cart = byKindName(transformDemoManifest(fixture(), endpoint), "Deployment", "cart");
        expect(cart.spec.template.spec.containers[0].env.map((e: Any) => e.name)).toEqual(["OTEL_SERVICE_NAME", "OTEL_COLLECTOR_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT"]);
    });
});

describe("reading and parsing the manifest: errors name the source", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "demo-manifest-"));
    const write = (name: string, text: string) => {
        const file = path.join(tmp, name);
        fs.writeFileSync(file, text);
        return file;
    };
    const sha = (text: string) => crypto.createHash("sha256").update(text).digest("hex");
    const response = (status: number, body: string) => (async () => new Response(body, { status })) as unknown as typeof fetch;
    const url: DemoManifestSource = { kind: "url", url: "https://example.test/demo.yaml", sha256: sha("kind: x") };

    it("a missing file", async () => {
        await expect(readDemoManifest({ kind: "file", path: path.join(tmp, "nope.yaml") })).rejects.toThrow(/^Demo manifest file .*nope.yaml cannot be read: ENOENT/);
    });
    it("a download that fails", async () => {
        const failing = (async () => { throw new TypeError("fetch failed"); }) as unknown as typeof fetch;
        await expect(readDemoManifest(url, failing)).rejects.toThrow("Demo manifest download from https://example.test/demo.yaml failed: fetch failed. For an air-gapped cluster set demo.manifestFile to a local copy.");
    });
    it("a non-200 answer", async () => {
        await expect(readDemoManifest(url, response(404, "not found"))).rejects.toThrow("Demo manifest download from https://example.test/demo.yaml failed: HTTP 404");
    });
    it("a digest mismatch", async () => {
        await expect(readDemoManifest(url, response(200, "kind: y"))).rejects.toThrow(`Demo manifest https://example.test/demo.yaml has SHA-256 ${sha("kind: y")}, expected ${sha("kind: x")}; refusing a manifest that changed`);
    });
    it("a matching download is returned as is", async () => {
        await expect(readDemoManifest(url, response(200, "kind: x"))).resolves.toBe("kind: x");
    });
    it("a local file with a pinned digest is checked too", async () => {
        const file = write("pinned.yaml", "a: 1\n");
        await expect(readDemoManifest({ kind: "file", path: file, sha256: sha("a: 2\n") })).rejects.toThrow(/refusing a manifest that changed/);
    });
    it("a file that is not YAML", () => {
        expect(() => parseDemoManifest("kind: [unclosed", fixtureSource)).toThrow(new RegExp(`^Demo manifest file ${DEMO_FIXTURE} is not valid YAML`));
    });
    it("a document that is not a Kubernetes object", () => {
        expect(() => parseDemoManifest("just a string\n", fixtureSource)).toThrow(`Demo manifest file ${DEMO_FIXTURE}: document 1 is not a Kubernetes object`);
    });
    it("a manifest with no Deployments", () => {
        expect(() => parseDemoManifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", fixtureSource)).toThrow(`Demo manifest file ${DEMO_FIXTURE} contains no Deployment`);
    });
    it("the pinned default is a commit URL with a digest, not a branch", () => {
        expect(PINNED_DEMO_MANIFEST.url).toMatch(/^https:\/\/raw\.githubusercontent\.com\/ClickHouse\/opentelemetry-demo\/[0-9a-f]{40}\/kubernetes\/opentelemetry-demo\.yaml$/);
        expect(PINNED_DEMO_MANIFEST.sha256).toMatch(/^[0-9a-f]{64}$/);
    });
});

describe("the demo in the stacks", () => {
    let dev: ProgramRun;
    beforeAll(async () => { dev = await runProgram("dev"); });

    it("dev: one ConfigGroup with the transformed objects, sending to the workloads' endpoint, waiting for nothing but the namespace", () => {
        const group = dev.find(T.configGroup, "otel-demo");
        const objs = group.plain.objs as KubeObject[];
        // dev is size small: the demo's requests at that size's scale.
        expect(objs).toEqual(transformDemoManifest(fixture(), { namespace: "otel-demo", collector: { kind: "workload-endpoint", host: "k8s-otel-daemonset-opentelemetry-collector.otel-demo" }, requestsScale: SIZES.small.demoRequestsScale }));
        expect(JSON.stringify(objs)).not.toContain("HYPERDX_API_KEY");
        expect(group.dependencies).toEqual(["namespace"]);
        expect(dev.outputs.demoPortForward).toBe("kubectl port-forward --namespace otel-demo service/frontend-proxy 8080:8080");
    });

    it("with the endpoint off: to the gateway with the key, after the bootstrap Job", async () => {
        const run = await runProgram("dev", { collectors: { otlpEndpoint: false } });
        const group = run.find(T.configGroup, "otel-demo");
        expect(allEnv(group.plain.objs).filter((e: Any) => e.name === "OTEL_COLLECTOR_NAME").map((e: Any) => e.value))
            .toEqual(["my-clickstack-otel-collector.otel-demo", "my-clickstack-otel-collector.otel-demo"]);
        expect(allEnv(group.plain.objs).filter((e: Any) => e.name === "HYPERDX_API_KEY")).toHaveLength(2);
        expect(group.dependencies).toEqual(expect.arrayContaining(["bootstrap-job", "ingestion-api-key"]));
    });

    it("prod: no demo by default", async () => {
        const prod = await runProgram("prod");
        expect(prod.ofType(T.configGroup)).toEqual([]);
        expect(prod.outputs.demoPortForward).toBeUndefined();
    });

    it("a bad manifest source fails the program before any resource is registered", async () => {
        const recorded: Parameters<typeof runProgram>[2] = [];
        const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "demo-")), "broken.yaml");
        fs.writeFileSync(broken, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        await expect(runProgram("dev", { demo: { manifestFile: broken } }, recorded)).rejects.toThrow(`Demo manifest file ${broken} contains no Deployment`);
        expect(recorded).toEqual([]);
    });
});
