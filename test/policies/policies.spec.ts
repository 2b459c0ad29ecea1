import { policy as containerResources } from "../../policies/rules/container-resources";
import { policy as helmReleasePinned } from "../../policies/rules/helm-release-pinned";
import { policy as imageTagsPinned } from "../../policies/rules/image-tags-pinned";
import { policy as ingressTls, tlsCovers } from "../../policies/rules/ingress-tls";
import { policy as noHostNetworkExposure } from "../../policies/rules/no-host-network-exposure";
import { credentialProblem, policy as noPlainCredentials } from "../../policies/rules/no-plain-credentials";
import { policy as servicesClusterIp } from "../../policies/rules/services-cluster-ip";
import { policy as statefulDataProtected } from "../../policies/rules/stateful-data-protected";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { renderedValues, valuesHash } from "../collectors/rendered-values";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policies/all";
import { ROOT, runProgram } from "../harness";
import { FakeResource, kubeResource, violations } from "./policy-args";

const service = (name: string, spec: Record<string, unknown>, namespace = "otel-demo") =>
    kubeResource({ apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec } as never);
const ingress = (name: string, spec: Record<string, unknown>) =>
    kubeResource({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name, namespace: "otel-demo" }, spec } as never);
const rule = (host?: string) => ({ ...(host ? { host } : {}), http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "my-clickstack-app", port: { number: 3000 } } } }] } });
const deployment = (name: string, containers: Record<string, unknown>[]) => kubeResource({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "otel-demo" },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers } } },
} as never);
const sized = { limits: { memory: "512Mi" }, requests: { cpu: "100m", memory: "256Mi" } };

describe("services-cluster-ip-only (mandatory)", () => {
    it("is mandatory", () => expect(servicesClusterIp.enforcementLevel).toBe("mandatory"));

    it.each<[string, FakeResource, string]>([
        ["a LoadBalancer frontend-proxy (demo-shaped)", service("frontend-proxy", { type: "LoadBalancer", ports: [{ port: 8080 }] }),
            "Service otel-demo/frontend-proxy has type LoadBalancer; only ClusterIP is allowed. Expose HTTP through an Ingress with TLS, or allow-list the Service in the pack config."],
        ["a NodePort HyperDX app (chart-shaped)", service("my-clickstack-app", { type: "NodePort", ports: [{ port: 3000, name: "app" }] }),
            "Service otel-demo/my-clickstack-app has type NodePort; only ClusterIP is allowed. Expose HTTP through an Ingress with TLS, or allow-list the Service in the pack config."],
        ["an ExternalName Service", service("clickhouse-cloud", { type: "ExternalName", externalName: "abc.clickhouse.cloud" }),
            "Service otel-demo/clickhouse-cloud has type ExternalName; only ClusterIP is allowed. Expose HTTP through an Ingress with TLS, or allow-list the Service in the pack config."],
    ])("flags %s", async (_case, resource, message) => {
        expect(await violations(servicesClusterIp, resource)).toEqual([message]);
    });

    it.each<[string, FakeResource]>([
        ["the chart's HyperDX app Service", service("my-clickstack-app", { type: "ClusterIP", ports: [{ port: 3000 }, { port: 4320 }] })],
        ["the gateway collector Service (type unset)", service("my-clickstack-otel-collector", { ports: [{ port: 4317 }, { port: 4318 }] })],
        ["the MongoDB operator's headless Service", service("my-clickstack-mongodb-svc", { clusterIP: "None", ports: [{ port: 27017 }] })],
        ["the ClickHouse headless Service", service("my-clickstack-clickhouse-clickhouse-headless", { type: "ClusterIP", clusterIP: "None" })],
        ["the demo's frontend-proxy as shipped", service("frontend-proxy", { type: "ClusterIP", ports: [{ port: 8080 }] })],
    ])("passes %s", async (_case, resource) => {
        expect(await violations(servicesClusterIp, resource)).toEqual([]);
    });

    it("skips a Service on the allow-list, by name or namespace/name", async () => {
        const lb = service("frontend-proxy", { type: "LoadBalancer" });
        expect(await violations(servicesClusterIp, { ...lb, config: { allow: ["frontend-proxy"] } })).toEqual([]);
        expect(await violations(servicesClusterIp, { ...lb, config: { allow: ["otel-demo/frontend-proxy"] } })).toEqual([]);
        expect(await violations(servicesClusterIp, { ...lb, config: { allow: ["other-ns/frontend-proxy"] } })).toHaveLength(1);
    });
});

describe("ingress-tls (mandatory)", () => {
    const chartIngress = (spec: Record<string, unknown>) => ingress("my-clickstack-app-ingress", spec);

    it("wildcards cover exactly one label", () => {
        expect(tlsCovers("*.example.com", "hyperdx.example.com")).toBe(true);
        expect(tlsCovers("*.example.com", "a.b.example.com")).toBe(false);
        expect(tlsCovers("*.example.com", "example.com")).toBe(false);
        expect(tlsCovers("hyperdx.example.com", "hyperdx.example.com")).toBe(true);
    });

    it.each<[string, FakeResource, string[]]>([
        ["no spec.tls", chartIngress({ rules: [rule("hyperdx.example.com")] }),
            ["Ingress otel-demo/my-clickstack-app-ingress has no spec.tls; every Ingress must terminate TLS."]],
        ["a host TLS does not cover", chartIngress({ tls: [{ hosts: ["hyperdx.example.com"], secretName: "tls" }], rules: [rule("hyperdx.example.com"), rule("admin.example.org")] }),
            ["Ingress otel-demo/my-clickstack-app-ingress: host admin.example.org is not covered by any spec.tls hosts."]],
        ["a TLS entry without secret", chartIngress({ tls: [{ hosts: ["hyperdx.example.com"] }], rules: [rule("hyperdx.example.com")] }),
            ["Ingress otel-demo/my-clickstack-app-ingress: spec.tls[0] names no secretName."]],
        ["a rule without host", chartIngress({ tls: [{ hosts: ["hyperdx.example.com"], secretName: "tls" }], rules: [rule()] }),
            ["Ingress otel-demo/my-clickstack-app-ingress has a rule without host; TLS cannot cover it."]],
        ["a wildcard two labels away", chartIngress({ tls: [{ hosts: ["*.example.com"], secretName: "tls" }], rules: [rule("a.b.example.com")] }),
            ["Ingress otel-demo/my-clickstack-app-ingress: host a.b.example.com is not covered by any spec.tls hosts."]],
    ])("flags %s", async (_case, resource, messages) => {
        expect(await violations(ingressTls, resource)).toEqual(messages);
    });

    it.each<[string, FakeResource]>([
        ["the HyperDX Ingress this program renders", chartIngress({ ingressClassName: "nginx", tls: [{ hosts: ["hyperdx.example.com"], secretName: "my-clickstack-hyperdx-tls" }], rules: [rule("hyperdx.example.com")] })],
        ["a wildcard certificate", chartIngress({ tls: [{ hosts: ["*.example.com"], secretName: "wildcard-tls" }], rules: [rule("hyperdx.example.com"), rule("demo.example.com")] })],
    ])("passes %s", async (_case, resource) => {
        expect(await violations(ingressTls, resource)).toEqual([]);
    });
});

describe("helm-release-pinned (mandatory)", () => {
    const release = (version: string | undefined, chart = "opentelemetry-collector"): FakeResource =>
        ({ type: "kubernetes:helm.sh/v3:Release", name: "k8s-otel-daemonset", props: { chart, ...(version === undefined ? {} : { version }), repositoryOpts: { repo: "https://open-telemetry.github.io/opentelemetry-helm-charts" } } });

    it.each<[string, FakeResource, string]>([
        ["no version", release(undefined), "Helm release k8s-otel-daemonset (chart opentelemetry-collector) pins no version; set an exact chart version."],
        ["an empty version", release(""), "Helm release k8s-otel-daemonset (chart opentelemetry-collector) pins no version; set an exact chart version."],
        ["a caret range", release("^0.170.0"), 'Helm release k8s-otel-daemonset (chart opentelemetry-collector) has version "^0.170.0", a range; set an exact chart version.'],
        ["a wildcard", release("0.170.x"), 'Helm release k8s-otel-daemonset (chart opentelemetry-collector) has version "0.170.x", a range; set an exact chart version.'],
    ])("flags %s", async (_case, resource, message) => {
        expect(await violations(helmReleasePinned, resource)).toEqual([message]);
    });

    it.each<[string, FakeResource]>([
        ["an exact version", release("0.170.0")],
        ["a pre-release version", release("1.2.3-rc.1")],
        ["a local chart archive", release(undefined, "./charts/clickstack-3.0.2.tgz")],
    ])("passes %s", async (_case, resource) => {
        expect(await violations(helmReleasePinned, resource)).toEqual([]);
    });

    it("ignores helm.v4.Chart components, whose inputs policies never see", async () => {
        expect(await violations(helmReleasePinned, { type: "kubernetes:helm.sh/v4:Chart", name: "clickstack", props: {} })).toEqual([]);
    });
});

describe("no-plain-credentials (mandatory)", () => {
    const configMap = (name: string, data: Record<string, string>) => kubeResource({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "otel-demo" }, data } as never);

    it("recognises the three shapes of a literal credential, and references", () => {
        expect(credentialProblem("MONGODB_PASSWORD", "hyperdx")).toBe("a value under a credential-like key");
        expect(credentialProblem("MONGO_URI", "mongodb://hyperdx:hyperdx@db:27017/hyperdx")).toBe("a URI with user:password@");
        expect(credentialProblem("DEFAULT_CONNECTIONS", '[{"username":"app","password":"hyperdx"}]')).toBe('JSON with a non-empty "password"');
        expect(credentialProblem("HYPERDX_API_KEY", "$(HYPERDX_API_KEY)")).toBeUndefined();
        expect(credentialProblem("authorization", "${env:HYPERDX_API_KEY}")).toBeUndefined();
        expect(credentialProblem("DB_PASSWORD", "")).toBeUndefined();
        expect(credentialProblem("password_sha256_hex", "4c2ab1a8f9")).toBeUndefined();
        expect(credentialProblem("OTEL_EXPORTER_OTLP_ENDPOINT", "http://my-clickstack-otel-collector:4318")).toBeUndefined();
        expect(credentialProblem("DB_PASS", "hunter2")).toBe("a value under a credential-like key");
        expect(credentialProblem("BYPASS_CACHE", "true")).toBeUndefined();
        expect(credentialProblem("scramCredentialsSecretName", "my-clickstack-mongodb-scram")).toBeUndefined();
        // The MongoDB operator's env with imagePullSecrets set: the name of a Secret (found by the real-engine test).
        expect(credentialProblem("IMAGE_PULL_SECRETS", "regcred")).toBeUndefined();
        expect(credentialProblem("REGISTRY_SECRET", "hunter2")).toBe("a value under a credential-like key");
    });

    it.each<[string, FakeResource, string[]]>([
        ["the chart's default clickstack-config (MONGO_URI with the password)",
            configMap("clickstack-config", { MONGO_URI: "mongodb://hyperdx:hyperdx@my-clickstack-mongodb-svc:27017/hyperdx?authSource=hyperdx", CLICKHOUSE_USER: "otelcollector" }),
            ["ConfigMap otel-demo/clickstack-config: data.MONGO_URI holds a literal credential (a URI with user:password@); move it to a Secret."]],
        ["a ConfigMap with a token", configMap("app-config", { SLACK_TOKEN: "xoxb-123", LOG_LEVEL: "info" }),
            ["ConfigMap otel-demo/app-config: data.SLACK_TOKEN holds a literal credential (a value under a credential-like key); move it to a Secret."]],
        ["the chart's default HyperDX Deployment (DEFAULT_CONNECTIONS env value)",
            deployment("my-clickstack-app", [{ name: "app", image: "docker.hyperdx.io/hyperdx/hyperdx:2.30.1", env: [{ name: "DEFAULT_CONNECTIONS", value: '[{"name":"Local ClickHouse","username":"app","password":"hyperdx"}]' }] }]),
            ['Deployment otel-demo/my-clickstack-app: container app env DEFAULT_CONNECTIONS holds a literal credential (JSON with a non-empty "password"); use valueFrom.secretKeyRef.']],
        ["an env API key", deployment("cart", [{ name: "cart", image: "cart:2.0.2", env: [{ name: "HYPERDX_API_KEY", value: "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f" }] }]),
            ["Deployment otel-demo/cart: container cart env HYPERDX_API_KEY holds a literal credential (a value under a credential-like key); use valueFrom.secretKeyRef."]],
        ["the chart's default ClickHouseCluster users",
            kubeResource({ apiVersion: "clickhouse.com/v1alpha1", kind: "ClickHouseCluster", metadata: { name: "my-clickstack-clickhouse", namespace: "otel-demo" },
                spec: { settings: { extraUsersConfig: { users: { app: { password: "hyperdx" }, otelcollector: { password: "otelcollectorpass" } } } } } } as never),
            ["ClickHouseCluster otel-demo/my-clickstack-clickhouse: spec.settings.extraUsersConfig.users.app.password holds a literal password; reference a Secret or store a hash (e.g. password_sha256_hex).",
                "ClickHouseCluster otel-demo/my-clickstack-clickhouse: spec.settings.extraUsersConfig.users.otelcollector.password holds a literal password; reference a Secret or store a hash (e.g. password_sha256_hex)."]],
    ])("flags %s", async (_case, resource, messages) => {
        expect(await violations(noPlainCredentials, resource)).toEqual(messages);
    });

    it.each<[string, FakeResource]>([
        ["clickstack-config as this program configures it", configMap("clickstack-config", { CLICKHOUSE_USER: "otelcollector", OTEL_EXPORTER_OTLP_ENDPOINT: "http://my-clickstack-otel-collector:4318", FRONTEND_URL: "http://localhost:3000" })],
        ["otel-config-vars", configMap("otel-config-vars", { YOUR_OTEL_COLLECTOR_ENDPOINT: "http://my-clickstack-otel-collector.otel-demo:4318" })],
        ["a demo Deployment reading the key from the Secret", deployment("cart", [{ name: "cart", image: "cart:2.0.2", env: [
            { name: "HYPERDX_API_KEY", valueFrom: { secretKeyRef: { name: "hyperdx-secret", key: "HYPERDX_API_KEY", optional: true } } },
            { name: "OTEL_EXPORTER_OTLP_HEADERS", value: "authorization=$(HYPERDX_API_KEY)" }] }])],
        ["hashed ClickHouse users and a MongoDB user by Secret reference", kubeResource({ apiVersion: "mongodbcommunity.mongodb.com/v1", kind: "MongoDBCommunity", metadata: { name: "my-clickstack-mongodb" },
            spec: { users: [{ name: "hyperdx", passwordSecretRef: { name: "my-clickstack-mongodb-password" }, scramCredentialsSecretName: "my-clickstack-mongodb-scram" }] } } as never)],
        ["a ClickHouseCluster with password_sha256_hex", kubeResource({ apiVersion: "clickhouse.com/v1alpha1", kind: "ClickHouseCluster", metadata: { name: "my-clickstack-clickhouse" },
            spec: { settings: { extraUsersConfig: { users: { app: { password_sha256_hex: "4c2ab1a8f9d394e4820cfb9ae0fa399325073b8e99f89faafe9a4e469a23a5dd" } } } } } } as never)],
        ["a Secret, where credentials belong", kubeResource({ apiVersion: "v1", kind: "Secret", metadata: { name: "hyperdx-secret" }, stringData: { HYPERDX_API_KEY: "3f1c2b9e" } } as never)],
    ])("passes %s", async (_case, resource) => {
        expect(await violations(noPlainCredentials, resource)).toEqual([]);
    });
});

describe("container-resources (advisory)", () => {
    it("is advisory", () => expect(containerResources.enforcementLevel).toBe("advisory"));
    it.each<[string, FakeResource, string]>([
        ["a demo container with a limit only", deployment("cart", [{ name: "cart", image: "cart:2.0.2", resources: { limits: { memory: "160Mi" } } }]),
            "Deployment otel-demo/cart: container cart has no resources.requests.cpu, resources.requests.memory."],
        ["a container with nothing", deployment("my-clickstack-app", [{ name: "app", image: "hyperdx:2.30.1" }]),
            "Deployment otel-demo/my-clickstack-app: container app has no resources.limits.memory, resources.requests.cpu, resources.requests.memory."],
    ])("flags %s", async (_case, resource, message) => {
        expect(await violations(containerResources, resource)).toEqual([message]);
    });
    it("passes a sized collector", async () => {
        expect(await violations(containerResources, deployment("k8s-otel-deployment", [{ name: "opentelemetry-collector", image: "otel/opentelemetry-collector-contrib:0.158.0", resources: sized }]))).toEqual([]);
    });
});

describe("image-tags-pinned (advisory)", () => {
    it.each<[string, FakeResource, string]>([
        ["an untagged image", deployment("valkey", [{ name: "valkey", image: "valkey/valkey", resources: sized }]), "Deployment otel-demo/valkey: container valkey image valkey/valkey has no tag (it means :latest)."],
        [":latest", deployment("x", [{ name: "x", image: "registry.example.com:5000/team/x:latest", resources: sized }]), "Deployment otel-demo/x: container x image registry.example.com:5000/team/x:latest uses the moving tag :latest."],
        ["the demo's latest-* tags", deployment("cart", [{ name: "cart", image: "clickhouse/ch-otel-demo:latest-cart", resources: sized }]), "Deployment otel-demo/cart: container cart image clickhouse/ch-otel-demo:latest-cart uses the moving tag :latest-cart."],
    ])("flags %s", async (_case, resource, message) => {
        expect(await violations(imageTagsPinned, resource)).toEqual([message]);
    });
    it("passes a version tag, a registry port and a digest", async () => {
        expect(await violations(imageTagsPinned, deployment("ok", [
            { name: "a", image: "otel/opentelemetry-collector-contrib:0.158.0" },
            { name: "b", image: "registry.example.com:5000/team/b:1.2.3" },
            { name: "c", image: "busybox@sha256:1fcf5df59121b92d61e066df1788e8df0cc35623f5d62d9679a41e163b6a0cdb" },
        ]))).toEqual([]);
    });
});

describe("stateful-data-protected (advisory)", () => {
    const chart = (name: string, protect: boolean, stack: string): FakeResource => ({ type: "kubernetes:helm.sh/v4:Chart", name, props: {}, protect, stack });
    const pvc = (protect: boolean, stack: string): FakeResource => ({ ...kubeResource({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data-volume-0" } } as never), protect, stack });

    it.each<[string, FakeResource, string]>([
        ["an unprotected clickstack chart in prod", chart("clickstack", false, "prod"), "Chart clickstack holds data in production stack prod but is not protected; set protect (the program does so with protectData: true)."],
        ["an unprotected PVC in prod", pvc(false, "prod"), "PersistentVolumeClaim data-volume-0 holds data in production stack prod but is not protected; set protect (the program does so with protectData: true)."],
    ])("flags %s", async (_case, resource, message) => {
        expect(await violations(statefulDataProtected, resource)).toEqual([message]);
    });
    it.each<[string, FakeResource]>([
        ["a protected chart in prod", chart("clickstack", true, "prod")],
        ["an unprotected chart in dev", chart("clickstack", false, "dev")],
        ["a stateless chart in prod", chart("collectors-daemonset", false, "prod")],
        ["a PVC in a stack configured as not production", { ...pvc(false, "prod"), config: { productionStacks: ["live"] } }],
    ])("passes %s", async (_case, resource) => {
        expect(await violations(statefulDataProtected, resource)).toEqual([]);
    });
});

describe("no-host-network-exposure (mandatory)", () => {
    type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace: string } };
    /** A fixture's text and its one workload (the DaemonSet of a release's render). */
    const fixture = (file: string) => {
        const text = fs.readFileSync(path.join(ROOT, "test", "fixtures", file), "utf8");
        const workloads = (yaml.loadAll(text) as (Doc | null)[]).filter((d): d is Doc => d?.kind === "DaemonSet");
        expect(workloads).toHaveLength(1);
        return { text, object: workloads[0] };
    };
    const podSpec = (spec: Record<string, unknown>) => ({ containers: [{ name: "app", image: "app:1.0.0" }], ...spec });
    const workload = (kind: string, apiVersion: string, spec: Record<string, unknown>) => kubeResource({
        apiVersion, kind, metadata: { name: `x-${kind.toLowerCase()}`, namespace: "otel-demo" },
        spec: kind === "Pod" ? podSpec(spec) : kind === "CronJob"
            ? { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: podSpec(spec) } } } }
            : { template: { spec: podSpec(spec) } },
    } as never);
    const withPorts = (ports: Record<string, unknown>[], where: "containers" | "initContainers" = "containers") =>
        ({ [where]: [{ name: "agent", image: "otel/opentelemetry-collector-contrib:0.158.0", ports }] });

    it("is mandatory", () => expect(noHostNetworkExposure.enforcementLevel).toBe("mandatory"));

    it.each<[string, FakeResource, string[]]>([
        ["a DaemonSet with an OTLP hostPort", workload("DaemonSet", "apps/v1", withPorts([{ name: "otlp", containerPort: 4317, hostPort: 4317, protocol: "TCP" }])),
            ["DaemonSet otel-demo/x-daemonset: container agent publishes hostPort 4317 (containerPort 4317/TCP) on every node it runs on; remove it, or allow-list the workload in the pack config."]],
        ["a Pod with a UDP hostPort on an init container", workload("Pod", "v1", withPorts([{ containerPort: 6831, hostPort: 16831, protocol: "UDP" }], "initContainers")),
            ["Pod otel-demo/x-pod: container agent publishes hostPort 16831 (containerPort 6831/UDP) on every node it runs on; remove it, or allow-list the workload in the pack config."]],
        ["a Deployment with hostNetwork", workload("Deployment", "apps/v1", { hostNetwork: true }), ["Deployment otel-demo/x-deployment sets hostNetwork: true; pods must not share the node's namespaces."]],
        ["a CronJob with hostNetwork", workload("CronJob", "batch/v1", { hostNetwork: true }), ["CronJob otel-demo/x-cronjob sets hostNetwork: true; pods must not share the node's namespaces."]],
        ["a StatefulSet with hostPID", workload("StatefulSet", "apps/v1", { hostPID: true }), ["StatefulSet otel-demo/x-statefulset sets hostPID: true; pods must not share the node's namespaces."]],
        ["a Job with hostPID", workload("Job", "batch/v1", { hostPID: true }), ["Job otel-demo/x-job sets hostPID: true; pods must not share the node's namespaces."]],
        ["a ReplicaSet with hostIPC", workload("ReplicaSet", "apps/v1", { hostIPC: true }), ["ReplicaSet otel-demo/x-replicaset sets hostIPC: true; pods must not share the node's namespaces."]],
        ["a Pod with hostIPC and hostNetwork", workload("Pod", "v1", { hostIPC: true, hostNetwork: true }), [
            "Pod otel-demo/x-pod sets hostNetwork: true; pods must not share the node's namespaces.",
            "Pod otel-demo/x-pod sets hostIPC: true; pods must not share the node's namespaces.",
        ]],
    ])("flags %s", async (_case, resource, messages) => {
        expect(await violations(noHostNetworkExposure, resource)).toEqual(messages);
    });

    it("flags the chart's own default DaemonSet: six hostPorts (OTLP, Jaeger, Zipkin)", async () => {
        const found = await violations(noHostNetworkExposure, kubeResource(fixture("collector-daemonset-chart-defaults.yaml").object));
        expect(found.map((m) => /hostPort (\d+)/.exec(m)?.[1]).sort()).toEqual(["14250", "14268", "4317", "4318", "6831", "9411"]);
    });

    it("passes this project's DaemonSet as the chart renders it (the fixture is of today's values)", async () => {
        const { text, object } = fixture("collector-daemonset-ours.yaml");
        expect(/values-sha256: ([0-9a-f]{64})/.exec(text)?.[1]).toBe(valuesHash(renderedValues("daemonset")));
        expect(await violations(noHostNetworkExposure, kubeResource(object))).toEqual([]);
        // ... while the log preset's hostPath mounts stay: the DaemonSet still reads the node's logs.
        const volumes = (object as unknown as { spec: { template: { spec: { volumes: { name: string; hostPath?: { path: string } }[] } } } }).spec.template.spec.volumes;
        expect(volumes.filter((v) => v.hostPath).map((v) => v.hostPath!.path).sort()).toEqual(["/", "/var/lib/docker/containers", "/var/log/pods"]);
    });

    it.each<[string, FakeResource]>([
        ["container ports without hostPort", workload("Deployment", "apps/v1", withPorts([{ name: "otlp", containerPort: 4317, protocol: "TCP" }]))],
        ["explicit false switches", workload("DaemonSet", "apps/v1", { hostNetwork: false, hostPID: false, hostIPC: false })],
        ["a Service (not a workload)", kubeResource({ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "otel-demo" }, spec: { ports: [{ port: 4317 }] } } as never)],
    ])("passes %s", async (_case, resource) => {
        expect(await violations(noHostNetworkExposure, resource)).toEqual([]);
    });

    it("skips a workload on the allow-list", async () => {
        const node = workload("DaemonSet", "apps/v1", { hostNetwork: true });
        expect(await violations(noHostNetworkExposure, { ...node, config: { allow: ["otel-demo/x-daemonset"] } })).toEqual([]);
        expect(await violations(noHostNetworkExposure, { ...node, config: { allow: ["other/x-daemonset"] } })).toHaveLength(1);
    });
});

// The program's own objects (not the charts' renders: those reach policies only in the real-engine
// test) as the pack sees them: no mandatory policy may fail on dev or prod. The real engine found the
// bootstrap Job's env name API_KEY_SECRET_KEY read as a credential; it is API_KEY_SECRET_KEY_NAME now.
describe.each(["dev", "prod"] as const)("the %s stack's own Kubernetes objects pass every mandatory policy", (stack) => {
    it("no violation", async () => {
        const run = await runProgram(stack);
        const objects = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh"));
        expect(objects.map((r) => r.type)).toEqual(expect.arrayContaining(["kubernetes:batch/v1:Job", "kubernetes:core/v1:Secret"]));
        const found: string[] = [];
        for (const policy of policies.filter((p) => p.enforcementLevel === "mandatory")) {
            for (const r of objects) {
                for (const message of await violations(policy as ResourceValidationPolicy, { type: r.type, name: r.name, props: r.plain, stack })) {
                    found.push(`${policy.name}: ${message}`);
                }
            }
        }
        expect(found).toEqual([]);
    });
});
