// The ClickStack fork of the OpenTelemetry demo: its single manifest, fetched at a pinned commit
// and checked against a pinned digest, fixed for this stack and applied as one ConfigGroup.
import * as crypto from "crypto";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { API_KEY_CHECKSUM_ANNOTATION, API_KEY_SECRET, IngestionRefs } from "../collectors/ingestion";
import { ImageSource } from "../clickstack/clickstack-images";
import { MirroredImage, mirrored, mirrorImage, pullSecretRefs } from "../common/images";
import { parseQuantity } from "../common/quantity";
import { Resources, workloadRequests, WorkloadRequests } from "../sizing/requests";

const DEMO_COMMIT = "15969bb3fc531e6d88fb4071e3fc97f16d3e6834"; // ClickHouse/opentelemetry-demo, 2026-03-02
export const PINNED_DEMO_MANIFEST = {
    url: `https://raw.githubusercontent.com/ClickHouse/opentelemetry-demo/${DEMO_COMMIT}/kubernetes/opentelemetry-demo.yaml`,
    sha256: "02733b4781a7fbfb99656f943ecaaf990a6e1866e93b62972a2fe696cfcaa768",
} as const;

/** The demo's entry point: its Envoy proxy in front of the shop and the load generator UI. */
export const FRONTEND_PROXY = { service: "frontend-proxy", port: 8080 } as const;

/** Env vars whose value is the collector host (the fork hardcodes `my-clickstack-otel-collector`). */
const COLLECTOR_HOST_ENV = new Set(["OTEL_COLLECTOR_NAME"]);
/** Kinds without a namespace that the demo manifest contains (or could). */
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "CustomResourceDefinition", "PriorityClass"]);
const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job"]);

/** A Kubernetes object as it comes out of YAML. */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

export type DemoManifestSource =
    | { readonly kind: "url"; readonly url: string; readonly sha256: string }
    | { readonly kind: "file"; readonly path: string; readonly sha256?: string };

const describe = (source: DemoManifestSource) => (source.kind === "url" ? source.url : `file ${source.path}`);

/** Reads the manifest text from its source; any failure names the source. */
export async function readDemoManifest(source: DemoManifestSource, fetchImpl: typeof fetch = fetch): Promise<string> {
    let text: string;
    if (source.kind === "file") {
        try {
            text = await fs.promises.readFile(source.path, "utf8");
        } catch (err) {
            throw new Error(`Demo manifest ${describe(source)} cannot be read: ${(err as Error).message}`);
        }
    } else {
        let response: Response;
        try {
            response = await fetchImpl(source.url);
        } catch (err) {
            throw new Error(`Demo manifest download from ${source.url} failed: ${(err as Error).message}. For an air-gapped cluster set demo.manifestFile to a local copy.`);
        }
        if (response.status !== 200) {
            throw new Error(`Demo manifest download from ${source.url} failed: HTTP ${response.status} ${response.statusText}`);
        }
        text = await response.text();
    }
    if (source.sha256 !== undefined) {
        const digest = crypto.createHash("sha256").update(text).digest("hex");
        if (digest !== source.sha256) {
            throw new Error(`Demo manifest ${describe(source)} has SHA-256 ${digest}, expected ${source.sha256}; refusing a manifest that changed`);
        }
    }
    return text;
}

/** Parses the manifest into objects; it must be YAML and hold at least one Deployment. */
export function parseDemoManifest(text: string, source: DemoManifestSource): KubeObject[] {
    let documents: unknown[];
    try {
        documents = yaml.loadAll(text);
    } catch (err) {
        throw new Error(`Demo manifest ${describe(source)} is not valid YAML: ${(err as Error).message}`);
    }
    const objects = documents.filter((d) => d !== null && d !== undefined);
    objects.forEach((o, i) => {
        const obj = o as Partial<KubeObject>;
        if (typeof o !== "object" || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string" || typeof obj.metadata?.name !== "string") {
            throw new Error(`Demo manifest ${describe(source)}: document ${i + 1} is not a Kubernetes object (apiVersion, kind and metadata.name are required)`);
        }
    });
    if (!objects.some((o) => (o as KubeObject).kind === "Deployment")) {
        throw new Error(`Demo manifest ${describe(source)} contains no Deployment; is it the OpenTelemetry demo manifest?`);
    }
    return objects as KubeObject[];
}

/** Reads, checks and parses the manifest. Call it before registering anything: a bad source creates nothing. */
export async function loadDemoManifest(source: DemoManifestSource, fetchImpl: typeof fetch = fetch): Promise<KubeObject[]> {
    return parseDemoManifest(await readDemoManifest(source, fetchImpl), source);
}

/**
 * Where the demo's services send: the workloads' endpoint, which needs no key; or the gateway, with
 * the key from the ingestion Secret.
 */
export type DemoCollector =
    | { readonly kind: "workload-endpoint"; readonly host: string }
    | {
        readonly kind: "gateway";
        readonly host: string;
        readonly apiKeySecret: { readonly name: string; readonly key: string };
        readonly apiKeyChecksum: string;
    };

export interface DemoTransformInput {
    /** The stack's namespace: every namespaced object goes there. */
    readonly namespace: string;
    /** The collector host the demo's services send to, and whether they carry the key. */
    readonly collector: DemoCollector;
    /** A mirror for every image, and pull secrets. @default upstream, none */
    readonly images?: ImageSource;
    /** What each container asks for, as a share of the manifest's requests (limits unchanged; components/sizing). @default 1 */
    readonly requestsScale?: number;
}

/**
 * Fixes the upstream manifest for this stack. Pure: returns new objects, leaves the input alone.
 * - drops the manifest's Namespace (the program owns it) and moves every object into `namespace`;
 * - points OTEL_COLLECTOR_NAME at the workloads' endpoint, and drops the key (HYPERDX_API_KEY,
 *   NEXT_PUBLIC_HYPERDX_API_KEY, which the fork hands to the browser) and every header that quotes
 *   it; or, sending to the gateway, keeps HYPERDX_API_KEY on the ingestion Secret and adds the key
 *   checksum to every pod template;
 * - prefixes cluster-scoped names with the namespace (two stacks cannot collide) and follows them in
 *   bindings;
 * - forces every Service to ClusterIP, and drops `targetPort: 0` (Kubernetes reads 0 as "the port";
 *   left in, the server stores the port and every preview shows a diff: the manifest's
 *   jaeger-agent and jaeger-collector have it; found by the real-engine test);
 * - with `imageRegistry`, pulls every container and init container image from the mirror, and adds
 *   the pull secrets to every pod template;
 * - with `requestsScale` below 1, scales every container's CPU and memory requests (limits stay; a
 *   container that states only a limit gets a request: that limit scaled, where the API server would
 *   have made the request equal to it).
 */
export function transformDemoManifest(objects: readonly KubeObject[], input: DemoTransformInput): KubeObject[] {
    const clusterScopedName = (name: string) => `${input.namespace}-${name}`;
    const serviceAccounts = new Set(objects.filter((o) => o.kind === "ServiceAccount").map((o) => o.metadata.name));
    return objects
        .filter((o) => o.kind !== "Namespace")
        .map((original) => {
            const o = JSON.parse(JSON.stringify(original)) as KubeObject; // YAML-born objects are plain JSON
            if (CLUSTER_SCOPED.has(o.kind)) {
                o.metadata.name = clusterScopedName(o.metadata.name);
            } else {
                o.metadata.namespace = input.namespace;
            }
            if (o.kind === "ClusterRoleBinding" || o.kind === "RoleBinding") {
                rebind(o, input.namespace, clusterScopedName);
            }
            if (o.kind === "Service") {
                clusterIpOnly(o);
                withoutZeroTargetPorts(o);
            }
            if (WORKLOAD_KINDS.has(o.kind)) {
                wirePodTemplate(o, input);
                dependOnServiceAccount(o, input.namespace, serviceAccounts);
            }
            return o;
        });
}

/** yaml/v2's explicit ordering within a ConfigGroup (pulumi-kubernetes#2894, from cli-utils). */
export const DEPENDS_ON_ANNOTATION = "config.kubernetes.io/depends-on";

/**
 * Orders a workload after the ServiceAccount its pods run as, when the manifest brings it. Until that
 * ServiceAccount exists the API server refuses the pods, and Pulumi awaits the workload meanwhile; when
 * the workloads take every step the engine runs at once (8 on 2 CPUs, seen in the e2e), the
 * ServiceAccounts wait behind them and `up` hangs until the workloads' await times out.
 */
function dependOnServiceAccount(workload: KubeObject, namespace: string, serviceAccounts: ReadonlySet<string>) {
    const name = (workload.spec as { template: { spec: { serviceAccountName?: string } } }).template.spec.serviceAccountName;
    if (name === undefined || !serviceAccounts.has(name)) return;
    const annotations = { ...(workload.metadata.annotations as Record<string, string> | undefined) };
    const reference = `/namespaces/${namespace}/ServiceAccount/${name}`;
    annotations[DEPENDS_ON_ANNOTATION] = annotations[DEPENDS_ON_ANNOTATION] ? `${annotations[DEPENDS_ON_ANNOTATION]},${reference}` : reference;
    workload.metadata.annotations = annotations;
}

function rebind(binding: KubeObject, namespace: string, clusterScopedName: (n: string) => string) {
    const roleRef = binding.roleRef as { kind: string; name: string };
    if (roleRef.kind === "ClusterRole") roleRef.name = clusterScopedName(roleRef.name);
    for (const subject of (binding.subjects ?? []) as { kind: string; namespace?: string }[]) {
        if (subject.kind === "ServiceAccount") subject.namespace = namespace;
    }
}

function clusterIpOnly(service: KubeObject) {
    const spec = service.spec as { type?: string; ports?: { nodePort?: number }[]; externalTrafficPolicy?: string; loadBalancerIP?: string } | undefined;
    if (!spec || spec.type === undefined || spec.type === "ClusterIP") return;
    spec.type = "ClusterIP";
    delete spec.externalTrafficPolicy;
    delete spec.loadBalancerIP;
    for (const port of spec.ports ?? []) delete port.nodePort;
}

function withoutZeroTargetPorts(service: KubeObject) {
    for (const port of (service.spec as { ports?: { targetPort?: number | string }[] } | undefined)?.ports ?? []) {
        if (port.targetPort === 0) delete port.targetPort;
    }
}

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }
interface Container { image?: string; env?: EnvVar[]; resources?: Resources }
interface PodTemplate {
    metadata?: { annotations?: Record<string, string> };
    spec: { containers: Container[]; initContainers?: Container[]; imagePullSecrets?: { name: string }[] };
}

function wirePodTemplate(workload: KubeObject, input: DemoTransformInput) {
    const template = (workload.spec as { template: PodTemplate }).template;
    const collector = input.collector;
    if (collector.kind === "gateway") {
        template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [API_KEY_CHECKSUM_ANNOTATION]: collector.apiKeyChecksum } };
    }
    if (input.images?.pullSecrets.length) {
        template.spec.imagePullSecrets = [...(template.spec.imagePullSecrets ?? []), ...pullSecretRefs(input.images.pullSecrets)];
    }
    for (const container of [...template.spec.containers, ...(template.spec.initContainers ?? [])]) {
        if (container.image !== undefined) container.image = mirrorImage(container.image, input.images?.registry);
        // What the container asks for: its requests, and a limit where it states no request (the API server's default).
        const asked = { ...container.resources?.limits, ...container.resources?.requests };
        if (Object.keys(asked).length > 0 && (input.requestsScale ?? 1) !== 1) {
            container.resources = { ...container.resources, requests: scaleRequests(asked, input.requestsScale!) };
        }
        if (collector.kind === "workload-endpoint" && container.env) container.env = withoutKey(container.env);
        for (const env of container.env ?? []) {
            if (COLLECTOR_HOST_ENV.has(env.name) && env.value !== undefined) {
                env.value = collector.host;
            }
            const ref = env.valueFrom?.secretKeyRef;
            if (collector.kind === "gateway" && env.name === collector.apiKeySecret.key && ref) {
                ref.name = collector.apiKeySecret.name;
                ref.key = collector.apiKeySecret.key;
                ref.optional = true; // pods start before the first key exists
            }
        }
    }
}

/** CPU and memory requests times `scale`, rounded up to whole millicores and MiB; other resources as they are. */
export function scaleRequests(requests: Readonly<Record<string, string | number>>, scale: number): Record<string, string | number> {
    if (!(scale > 0 && scale <= 1)) throw new Error(`requestsScale must be above 0 and at most 1 (given: ${scale})`);
    const scaled: Record<string, string | number> = { ...requests };
    if (requests.cpu !== undefined) scaled.cpu = `${Math.ceil(parseQuantity(String(requests.cpu)) * scale * 1000)}m`;
    if (requests.memory !== undefined) scaled.memory = `${Math.ceil((parseQuantity(String(requests.memory)) * scale) / 2 ** 20)}Mi`;
    return scaled;
}

/** What the demo's workloads ask the scheduler for, by name, as transformDemoManifest leaves them. */
export function demoRequests(objects: readonly KubeObject[], requestsScale = 1): Record<string, WorkloadRequests> {
    const scaled = transformDemoManifest(objects, { namespace: "demo", collector: { kind: "workload-endpoint", host: "collector" }, requestsScale });
    return Object.fromEntries(scaled.filter((o) => WORKLOAD_KINDS.has(o.kind) && o.kind !== "Job").map((o) => {
        const spec = o.spec as { replicas?: number; template: PodTemplate };
        return [`demo ${o.metadata.name}`, workloadRequests(o.kind === "DaemonSet" ? 1 : spec.replicas ?? 1, spec.template.spec, [], o.kind === "DaemonSet")];
    }));
}

/** The env without the ingestion key: the variables read from its Secret, and those that quote them (`$(HYPERDX_API_KEY)`). */
function withoutKey(env: EnvVar[]): EnvVar[] {
    const keyVars = new Set(env.filter((e) => e.valueFrom?.secretKeyRef?.key === API_KEY_SECRET.key).map((e) => e.name));
    return env.filter((e) => !keyVars.has(e.name) && ![...keyVars].some((name) => e.value?.includes(`$(${name})`)));
}

export interface OtelDemoArgs {
    readonly namespace: pulumi.Input<string>;
    /**
     * Where the services send (`<service>.<namespace>`): the workloads' endpoint, without a key (the
     * demo starts at once: its SDKs retry until the node's collector answers); or the gateway, with
     * the ingestion Secret (HYPERDX_API_KEY) and key checksum, once `ingestion.ready`.
     */
    readonly sendTo:
        | { readonly kind: "workload-endpoint"; readonly host: pulumi.Input<string> }
        | { readonly kind: "gateway"; readonly host: pulumi.Input<string>; readonly ingestion: IngestionRefs };
    /** The upstream manifest's objects, from loadDemoManifest. */
    readonly manifest: readonly KubeObject[];
    /** A mirror for every image, and pull secrets. @default upstream, none */
    readonly images?: ImageSource;
    /** What each container asks for, as a share of the manifest's requests (components/sizing). @default 1 */
    readonly requestsScale?: number;
}

export class OtelDemo extends pulumi.ComponentResource {
    public readonly objects: kubernetes.yaml.v2.ConfigGroup;
    /** Opens the demo shop on http://localhost:8080. */
    public readonly portForwardCommand: pulumi.Output<string>;
    /** What its workloads ask the scheduler for. */
    public readonly requests: Readonly<Record<string, WorkloadRequests>>;

    constructor(name: string, args: OtelDemoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clickstack:demo:OtelDemo", name, {}, opts);
        const sendTo = args.sendTo;
        const collector: pulumi.Output<DemoCollector> = sendTo.kind === "workload-endpoint"
            ? pulumi.output(sendTo.host).apply((host) => ({ kind: "workload-endpoint" as const, host }))
            : pulumi.all([sendTo.host, sendTo.ingestion.secretName, sendTo.ingestion.apiKeyChecksum]).apply(([host, secretName, apiKeyChecksum]) => ({
                kind: "gateway" as const, host, apiKeySecret: { name: secretName, key: sendTo.ingestion.secretKey }, apiKeyChecksum,
            }));
        const objs = pulumi.all([args.namespace, collector])
            .apply(([namespace, c]) => transformDemoManifest(args.manifest, { namespace, collector: c, images: args.images, requestsScale: args.requestsScale }));
        this.objects = new kubernetes.yaml.v2.ConfigGroup(name, { objs }, {
            parent: this,
            dependsOn: sendTo.kind === "workload-endpoint" ? [] : sendTo.ingestion.ready,
        });
        this.requests = demoRequests(args.manifest, args.requestsScale);
        this.portForwardCommand = pulumi.interpolate`kubectl port-forward --namespace ${args.namespace} service/${FRONTEND_PROXY.service} ${FRONTEND_PROXY.port}:${FRONTEND_PROXY.port}`;
        this.registerOutputs({ portForwardCommand: this.portForwardCommand });
    }
}

/** The demo's images (every container and init container of the manifest) and their copies in the mirror. */
export function demoImages(objects: readonly KubeObject[], images: ImageSource): MirroredImage[] {
    const refs = objects.filter((o) => WORKLOAD_KINDS.has(o.kind)).flatMap((o) => {
        const spec = (o.spec as { template: PodTemplate }).template.spec;
        return [...spec.containers, ...(spec.initContainers ?? [])].map((c) => c.image).filter((i): i is string => i !== undefined);
    });
    return [...new Set(refs)].sort().map((ref) => mirrored(ref, images.registry, "OpenTelemetry demo"));
}
