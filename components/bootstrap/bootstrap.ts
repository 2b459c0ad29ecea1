// HyperDX bootstrap: a Job that registers the stack's admin on a fresh HyperDX (so nobody else can
// become its first admin), reads the team's ingestion key and writes it into the ingestion Secret,
// so one `pulumi up` goes from an empty cluster to data in HyperDX. The key never passes through
// Pulumi: the Job writes it straight into the cluster.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import stableStringify from "safe-stable-stringify";
import { IngestionRefs } from "../collectors/ingestion";
import { pullSecretRefs } from "../common/images";
import { SCRIPT_CONTAINER_SECURITY, SCRIPT_POD_SECURITY, scriptJobAccess, scriptJobMetadata, scriptSha256 } from "../common/script-job";

/** The script the Job runs: standalone Node (no dependencies), tested as a file (test/bootstrap-script.test.ts). */
export const BOOTSTRAP_SCRIPT = path.join(__dirname, "hyperdx-bootstrap.mjs");
const SCRIPT_DIR = "/opt/hyperdx-bootstrap";
const SCRIPT_KEY = "hyperdx-bootstrap.mjs";

/** HyperDX's password rules (packages/api/src/utils/validators.ts, @hyperdx/api 2.30.1): 12–72 characters, a lower-
 * and an upper-case letter, a digit and one of these specials. */
export const HYPERDX_PASSWORD_SPECIALS = '!@#$%^&*(),.?":{}|<>;-+=';

/** Keys of the admin Secret `<release>-hyperdx-admin`. */
export const ADMIN_SECRET_KEYS = { email: "email", password: "password" } as const;
/** Pod-template annotation of the Job: raising `bootstrap.rotation` changes it, so the Job runs again. */
export const ROTATION_ANNOTATION = "clickstack.io/api-key-rotation";

/** How long the Job waits for HyperDX, and the Job's own deadline above it. */
export const DEFAULT_WAIT_SECONDS = 600;
const DEADLINE_MARGIN_SECONDS = 300;

export interface BootstrapJobInput {
    readonly namespace: string;
    /** HyperDX's app Service inside the cluster, e.g. http://my-clickstack-app.otel-demo:3000 */
    readonly hyperdxUrl: string;
    readonly image: string;
    readonly serviceAccountName: string;
    readonly scriptConfigMap: string;
    readonly adminSecret: string;
    readonly apiKeySecret: { readonly name: string; readonly key: string };
    readonly rotation: number;
    readonly waitSeconds: number;
    /** Secrets the pod pulls its image with (`imagePullSecrets`). @default none */
    readonly imagePullSecrets?: readonly string[];
}

/**
 * The Job's spec. Pure. Every container setting that a restricted Pod Security Standard asks for is
 * here; the Job runs once, retries twice, and gives up past the wait plus a margin.
 */
/** The env of a script that logs in to HyperDX as the stack's admin (the bootstrap, the content Job). */
export const hyperdxAdminEnv = (hyperdxUrl: string, adminSecret: string) => [
    { name: "HYPERDX_URL", value: hyperdxUrl },
    { name: "HYPERDX_ADMIN_EMAIL", valueFrom: { secretKeyRef: { name: adminSecret, key: ADMIN_SECRET_KEYS.email } } },
    { name: "HYPERDX_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: adminSecret, key: ADMIN_SECRET_KEYS.password } } },
];

export function buildBootstrapJobSpec(input: BootstrapJobInput, scriptSha256: string) {
    return {
        backoffLimit: 2,
        activeDeadlineSeconds: input.waitSeconds + DEADLINE_MARGIN_SECONDS,
        template: {
            metadata: {
                annotations: {
                    [ROTATION_ANNOTATION]: String(input.rotation),
                    // The ConfigMap's content is not part of the pod spec: a new script must still rerun the Job.
                    "checksum/script": scriptSha256,
                },
            },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: input.serviceAccountName,
                ...(input.imagePullSecrets?.length ? { imagePullSecrets: pullSecretRefs(input.imagePullSecrets) } : {}),
                automountServiceAccountToken: true, // the script writes the Secret with this token
                securityContext: SCRIPT_POD_SECURITY,
                containers: [{
                    name: "bootstrap",
                    image: input.image,
                    command: ["node", `${SCRIPT_DIR}/${SCRIPT_KEY}`],
                    env: [
                        ...hyperdxAdminEnv(input.hyperdxUrl, input.adminSecret),
                        { name: "API_KEY_SECRET_NAME", value: input.apiKeySecret.name },
                        { name: "API_KEY_SECRET_KEY_NAME", value: input.apiKeySecret.key },
                        { name: "NAMESPACE", value: input.namespace },
                        { name: "ROTATE_KEY", value: input.rotation > 0 ? "true" : "false" },
                        { name: "WAIT_SECONDS", value: String(input.waitSeconds) },
                    ],
                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                    securityContext: SCRIPT_CONTAINER_SECURITY,
                    volumeMounts: [
                        { name: "script", mountPath: SCRIPT_DIR, readOnly: true },
                        { name: "tmp", mountPath: "/tmp" },
                    ],
                }],
                volumes: [
                    { name: "script", configMap: { name: input.scriptConfigMap } },
                    { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                ],
            },
        },
    };
}

/**
 * What the consumers' key annotation follows in bootstrap mode. Pulumi never sees the key, but it
 * knows when the Job will run again (and may rotate): exactly when the Job's spec changes.
 */
export function apiKeyGeneration(jobSpec: object): string {
    // Keys sorted: reordering the builder's object literal must not restart every reader.
    return crypto.createHash("sha256").update(stableStringify(jobSpec) ?? "").digest("hex");
}

export interface HyperdxBootstrapArgs {
    /** Namespace of ClickStack, the ingestion Secret and the Job. */
    readonly namespace: pulumi.Input<string>;
    /** Prefix of the admin Secret and the Job's objects (`<releaseName>-hyperdx-admin`). */
    readonly releaseName: string;
    /** HyperDX inside the cluster: `http://<app service>.<namespace>:3000`. */
    readonly hyperdxUrl: pulumi.Input<string>;
    /** Image with Node ≥ 20 that runs the script; the HyperDX image the chart runs has Node 22. */
    readonly image: string;
    /** The ClickStack chart: the Job starts once everything it rendered is ready. */
    readonly clickstack: pulumi.Resource;
    /** The ingestion Secret the Job fills (Pulumi creates it empty). */
    readonly ingestion: IngestionRefs;
    /** The admin's email address. */
    readonly adminEmail: string;
    /** Raise it to rotate the ingestion key on the next `pulumi up`. @default 0 */
    readonly rotation?: number;
    /** How long the Job waits for HyperDX to answer. @default DEFAULT_WAIT_SECONDS */
    readonly waitSeconds?: number;
    /** Secrets the Job's pod pulls its image with. @default none */
    readonly imagePullSecrets?: readonly string[];
}

export class HyperdxBootstrap extends pulumi.ComponentResource {
    public readonly adminEmail: pulumi.Output<string>;
    /** A Pulumi secret. */
    public readonly adminPassword: pulumi.Output<string>;
    public readonly adminSecret: kubernetes.core.v1.Secret;
    public readonly job: kubernetes.batch.v1.Job;
    /** The ingestion refs for consumers: same Secret, with a key annotation that follows each Job run. */
    public readonly apiKey: IngestionRefs;

    constructor(name: string, args: HyperdxBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clickstack:bootstrap:HyperdxBootstrap", name, {}, opts);
        const objectName = `${args.releaseName}-hyperdx-bootstrap`;
        const namespace = args.namespace;
        const script = fs.readFileSync(BOOTSTRAP_SCRIPT, "utf8");

        const password = new random.RandomPassword(`${name}-admin-password`, {
            length: 32,
            minLower: 1,
            minUpper: 1,
            minNumeric: 1,
            minSpecial: 1,
            overrideSpecial: HYPERDX_PASSWORD_SPECIALS,
        }, { parent: this });
        this.adminSecret = new kubernetes.core.v1.Secret(`${name}-admin`, {
            metadata: { name: `${args.releaseName}-hyperdx-admin`, namespace },
            type: "Opaque",
            stringData: { [ADMIN_SECRET_KEYS.email]: args.adminEmail, [ADMIN_SECRET_KEYS.password]: password.result },
        }, { parent: this });

        // Read and write one Secret, by name: nothing else.
        const { configMap: scriptConfigMap, serviceAccount, role, binding } = scriptJobAccess(name, objectName, namespace, { key: SCRIPT_KEY, text: script },
            [{ apiGroups: [""], resources: ["secrets"], resourceNames: [args.ingestion.secretName], verbs: ["get", "patch"] }], this);

        const scriptChecksum = scriptSha256(script);
        const spec = pulumi.all([namespace, args.hyperdxUrl, serviceAccount.metadata.name, scriptConfigMap.metadata.name, this.adminSecret.metadata.name, args.ingestion.secretName])
            .apply(([ns, hyperdxUrl, serviceAccountName, configMapName, adminSecret, apiKeySecretName]) => buildBootstrapJobSpec({
                namespace: ns,
                hyperdxUrl,
                image: args.image,
                serviceAccountName,
                scriptConfigMap: configMapName,
                adminSecret,
                apiKeySecret: { name: apiKeySecretName, key: args.ingestion.secretKey },
                rotation: args.rotation ?? 0,
                waitSeconds: args.waitSeconds ?? DEFAULT_WAIT_SECONDS,
                imagePullSecrets: args.imagePullSecrets,
            }, scriptChecksum));

        this.job = new kubernetes.batch.v1.Job(`${name}-job`, {
            metadata: scriptJobMetadata(namespace, { "app.kubernetes.io/name": "hyperdx-bootstrap", "app.kubernetes.io/instance": args.releaseName }),
            spec,
        }, {
            parent: this,
            dependsOn: [args.clickstack, role, binding],
            // Pulumi waits for the Job to complete; give it the Job's own deadline.
            customTimeouts: { create: "20m", update: "20m" },
        });

        this.adminEmail = pulumi.output(args.adminEmail);
        this.adminPassword = pulumi.secret(password.result);
        this.apiKey = {
            secretName: args.ingestion.secretName,
            secretKey: args.ingestion.secretKey,
            configMapName: args.ingestion.configMapName,
            configMapKey: args.ingestion.configMapKey,
            apiKeyChecksum: spec.apply(apiKeyGeneration),
            ready: [...args.ingestion.ready, this.job],
        };
        this.registerOutputs({ adminEmail: this.adminEmail, adminPassword: this.adminPassword, jobName: this.job.metadata.name });
    }
}
