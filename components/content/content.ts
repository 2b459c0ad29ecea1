// HyperDX content: a Job, after the bootstrap, that applies this stack's dashboards, saved searches,
// alerts and notification channels (components/content/packs/) through HyperDX's external API. A Job of its
// own rather than a step of the bootstrap: a new dashboard must not re-run the bootstrap, whose spec
// the collectors' key annotation follows (a bootstrap change restarts every collector), and this Job
// needs no Kubernetes API access at all. The definitions reach it in a ConfigMap, the webhook URLs in
// a Secret; a change to either re-runs it.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { hyperdxAdminEnv } from "../bootstrap/bootstrap";
import { ContentDocument } from "./packs";
import { pullSecretRefs } from "../common/images";
import { SCRIPT_CONTAINER_SECURITY, SCRIPT_POD_SECURITY, scriptJobMetadata, scriptSha256 as sha256 } from "../common/script-job";

/** The script the Job runs: standalone Node, tested as a file (test/content-script.test.ts). */
export const CONTENT_SCRIPT = path.join(__dirname, "hyperdx-content.mjs");
const SCRIPT_KEY = "hyperdx-content.mjs";
const DOCUMENT_KEY = "content.json";
const CONFIG_DIR = "/opt/hyperdx-content";
const WEBHOOK_URLS_DIR = "/var/run/hyperdx-webhooks";

/** Pod-template annotations that re-run the Job: the document, the script, and the webhook URLs (keyed digest). */
export const CONTENT_ANNOTATIONS = { document: "checksum/content", script: "checksum/script", webhooks: "checksum/webhook-urls" } as const;

/** How long the Job waits for HyperDX (the bootstrap has already seen it answer), and its deadline above that. */
export const DEFAULT_CONTENT_WAIT_SECONDS = 300;
const DEADLINE_MARGIN_SECONDS = 120;

export interface ContentJobInput {
    readonly hyperdxUrl: string;
    readonly image: string;
    readonly serviceAccountName: string;
    readonly configMap: string;
    /** The Secret of webhook URLs (one key per webhook); none without webhooks. */
    readonly webhookSecret?: string;
    readonly adminSecret: string;
    readonly waitSeconds: number;
    readonly checksums: { readonly document: string; readonly script: string; readonly webhooks: string };
    readonly imagePullSecrets?: readonly string[];
}

/** The Job's spec. Pure. Restricted Pod Security, no service account token, bounded. */
export function buildContentJobSpec(input: ContentJobInput) {
    return {
        backoffLimit: 2,
        activeDeadlineSeconds: input.waitSeconds + DEADLINE_MARGIN_SECONDS,
        template: {
            metadata: {
                annotations: {
                    [CONTENT_ANNOTATIONS.document]: input.checksums.document,
                    [CONTENT_ANNOTATIONS.script]: input.checksums.script,
                    [CONTENT_ANNOTATIONS.webhooks]: input.checksums.webhooks,
                },
            },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: input.serviceAccountName,
                automountServiceAccountToken: false, // it talks to HyperDX only
                ...(input.imagePullSecrets?.length ? { imagePullSecrets: pullSecretRefs(input.imagePullSecrets) } : {}),
                securityContext: SCRIPT_POD_SECURITY,
                containers: [{
                    name: "content",
                    image: input.image,
                    command: ["node", `${CONFIG_DIR}/${SCRIPT_KEY}`],
                    env: [
                        ...hyperdxAdminEnv(input.hyperdxUrl, input.adminSecret),
                        { name: "CONTENT_FILE", value: `${CONFIG_DIR}/${DOCUMENT_KEY}` },
                        ...(input.webhookSecret ? [{ name: "WEBHOOK_URLS_DIR", value: WEBHOOK_URLS_DIR }] : []),
                        { name: "WAIT_SECONDS", value: String(input.waitSeconds) },
                    ],
                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                    securityContext: SCRIPT_CONTAINER_SECURITY,
                    volumeMounts: [
                        { name: "content", mountPath: CONFIG_DIR, readOnly: true },
                        ...(input.webhookSecret ? [{ name: "webhook-urls", mountPath: WEBHOOK_URLS_DIR, readOnly: true }] : []),
                    ],
                }],
                volumes: [
                    { name: "content", configMap: { name: input.configMap } },
                    // Files readable by the pod's user only; the URLs never enter the environment.
                    ...(input.webhookSecret ? [{ name: "webhook-urls", secret: { secretName: input.webhookSecret, defaultMode: 0o400 } }] : []),
                ],
            },
        },
    };
}

export interface HyperdxContentArgs {
    /** Namespace of ClickStack and the bootstrap's admin Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Prefix of the Job's objects (`<releaseName>-hyperdx-content`). */
    readonly releaseName: string;
    /** HyperDX's app Service inside the cluster (port 3000). */
    readonly hyperdxUrl: pulumi.Input<string>;
    /** Image with Node ≥ 20: the HyperDX image. */
    readonly image: string;
    /** The bootstrap's admin Secret (email, password) and its Job: this Job runs after it. */
    readonly admin: { readonly secret: kubernetes.core.v1.Secret; readonly job: pulumi.Resource };
    /** What to apply (components/content/packs renderContent). */
    readonly document: ContentDocument;
    /** Webhook name → URL, a Pulumi secret. */
    readonly webhookUrls: pulumi.Input<Record<string, string>>;
    /** @default DEFAULT_CONTENT_WAIT_SECONDS */
    readonly waitSeconds?: number;
    /** Secrets the Job's pod pulls its image with. @default none */
    readonly imagePullSecrets?: readonly string[];
}

export class HyperdxContent extends pulumi.ComponentResource {
    public readonly job: kubernetes.batch.v1.Job;
    public readonly configMap: kubernetes.core.v1.ConfigMap;
    /** Names of the dashboards the Job keeps in HyperDX. */
    public readonly dashboards: string[];
    /** How many alerts it keeps (none without a channel). */
    public readonly alerts: number;

    constructor(name: string, args: HyperdxContentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clickstack:content:HyperdxContent", name, {}, opts);
        const objectName = `${args.releaseName}-hyperdx-content`;
        const namespace = args.namespace;
        const script = fs.readFileSync(CONTENT_SCRIPT, "utf8");
        const documentJson = JSON.stringify(args.document, null, 2);

        this.configMap = new kubernetes.core.v1.ConfigMap(`${name}-definitions`, {
            metadata: { name: objectName, namespace },
            data: { [DOCUMENT_KEY]: documentJson, [SCRIPT_KEY]: script },
        }, { parent: this });
        // Only with webhooks: the provider replaces a Secret whenever its data changes (pulumi-kubernetes
        // provider/pkg/provider/diff.go forceNewProperties), so an empty one is better not there.
        const webhookSecret = args.document.webhooks.length === 0 ? undefined : new kubernetes.core.v1.Secret(`${name}-webhook-urls`, {
            metadata: { name: `${args.releaseName}-hyperdx-webhook-urls`, namespace },
            type: "Opaque",
            stringData: pulumi.secret(args.webhookUrls),
        }, { parent: this });
        const serviceAccount = new kubernetes.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: objectName, namespace },
            automountServiceAccountToken: false,
        }, { parent: this });

        // The Job re-runs when a URL changes, but its spec must not hold the URLs or a plain hash of
        // them (a short generic URL could be guessed back): an HMAC with a key only the state holds.
        const digestKey = new random.RandomPassword(`${name}-webhook-digest-key`, { length: 32, special: false }, { parent: this });
        const webhooksDigest = pulumi.unsecret(pulumi.all([digestKey.result, pulumi.output(args.webhookUrls)]).apply(([key, urls]) =>
            crypto.createHmac("sha256", key).update(JSON.stringify(Object.entries(urls).sort())).digest("hex")));

        const spec = pulumi.all([args.hyperdxUrl, serviceAccount.metadata.name, this.configMap.metadata.name, webhookSecret?.metadata.name, args.admin.secret.metadata.name, webhooksDigest])
            .apply(([hyperdxUrl, serviceAccountName, configMap, secret, adminSecret, webhooks]) => buildContentJobSpec({
                hyperdxUrl,
                image: args.image,
                serviceAccountName,
                configMap,
                webhookSecret: secret,
                adminSecret,
                waitSeconds: args.waitSeconds ?? DEFAULT_CONTENT_WAIT_SECONDS,
                checksums: { document: sha256(documentJson), script: sha256(script), webhooks },
                imagePullSecrets: args.imagePullSecrets,
            }));

        this.job = new kubernetes.batch.v1.Job(`${name}-job`, {
            metadata: scriptJobMetadata(namespace, { "app.kubernetes.io/name": "hyperdx-content", "app.kubernetes.io/instance": args.releaseName }),
            spec,
        }, {
            parent: this,
            dependsOn: [args.admin.job, this.configMap, ...(webhookSecret ? [webhookSecret] : [])],
            customTimeouts: { create: "10m", update: "10m" },
        });

        this.dashboards = args.document.dashboards.map((d) => d.name);
        this.alerts = args.document.alerts.length;
        this.registerOutputs({ jobName: this.job.metadata.name, dashboards: this.dashboards, alerts: this.alerts });
    }
}
