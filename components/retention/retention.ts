// ClickHouseRetention: a Job after ClickStack that brings every existing table's TTL in line with the
// stack's `retention` (components/retention/clickhouse-retention.mjs). The TTL in the gateway's env applies only
// to tables it creates; this Job changes the ones that exist. It runs again when `retention` changes
// (its env carries the hours, and the Job is replaced), not on every `up`.
import * as fs from "fs";
import * as path from "path";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { hoursEnv, Retention } from "./capacity";
import { pullSecretRefs } from "../common/images";
import { SCRIPT_CONTAINER_SECURITY, SCRIPT_POD_SECURITY, scriptJobMetadata, scriptSha256 } from "../common/script-job";

export const RETENTION_SCRIPT = path.join(__dirname, "clickhouse-retention.mjs");
const SCRIPT_DIR = "/opt/clickstack-retention";
const PASSWORD_KEY = "password";
/** How long the Job waits for the tables, and its own deadline above that. */
export const DEFAULT_WAIT_SECONDS = 900;
const DEADLINE_MARGIN_SECONDS = 300;

/** The labels of the Job's pod: ClickHouse's NetworkPolicy admits exactly these on 8123. */
export const retentionJobLabels = (releaseName: string) => ({ "app.kubernetes.io/name": "clickhouse-retention", "app.kubernetes.io/instance": releaseName });

export interface RetentionJobInput {
    readonly releaseName: string;
    readonly image: string;
    readonly clickhouseUrl: string;
    readonly user: string;
    readonly passwordSecret: string;
    readonly scriptConfigMap: string;
    readonly retention: Retention;
    readonly waitSeconds: number;
    readonly imagePullSecrets?: readonly string[];
}

/**
 * The Job's spec. Pure. Restricted Pod Security settings; no ServiceAccount token (it talks only to
 * ClickHouse); bounded by a deadline; the retention in its env, so a change replaces the Job.
 */
export function buildRetentionJobSpec(input: RetentionJobInput, scriptChecksum: string) {
    return {
        backoffLimit: 2,
        activeDeadlineSeconds: input.waitSeconds + DEADLINE_MARGIN_SECONDS,
        template: {
            metadata: {
                labels: retentionJobLabels(input.releaseName),
                annotations: { "checksum/script": scriptChecksum },
            },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                ...(input.imagePullSecrets?.length ? { imagePullSecrets: pullSecretRefs(input.imagePullSecrets) } : {}),
                securityContext: SCRIPT_POD_SECURITY,
                containers: [{
                    name: "retention",
                    image: input.image,
                    command: ["node", `${SCRIPT_DIR}/clickhouse-retention.mjs`],
                    env: [
                        { name: "CLICKHOUSE_URL", value: input.clickhouseUrl },
                        { name: "CLICKHOUSE_USER", value: input.user },
                        { name: "CLICKHOUSE_PASSWORD", valueFrom: { secretKeyRef: { name: input.passwordSecret, key: PASSWORD_KEY } } },
                        { name: "CLICKHOUSE_DATABASE", value: "default" },
                        { name: "RETENTION_LOGS", value: hoursEnv(input.retention.logs) },
                        { name: "RETENTION_TRACES", value: hoursEnv(input.retention.traces) },
                        { name: "RETENTION_METRICS", value: hoursEnv(input.retention.metrics) },
                        { name: "RETENTION_SESSIONS", value: hoursEnv(input.retention.sessions) },
                        { name: "WAIT_SECONDS", value: String(input.waitSeconds) },
                    ],
                    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                    securityContext: SCRIPT_CONTAINER_SECURITY,
                    volumeMounts: [{ name: "script", mountPath: SCRIPT_DIR, readOnly: true }],
                }],
                volumes: [{ name: "script", configMap: { name: input.scriptConfigMap } }],
            },
        },
    };
}

export interface ClickHouseRetentionArgs {
    /** Namespace of ClickStack. */
    readonly namespace: pulumi.Input<string>;
    /** Prefix of the Job's objects, and its pods' instance label. */
    readonly releaseName: string;
    /** Hours each signal is kept. */
    readonly retention: Retention;
    /** ClickHouse's HTTP endpoint and the user that may ALTER (a Pulumi secret password). */
    readonly clickhouse: { readonly url: pulumi.Input<string>; readonly user: string; readonly password: pulumi.Input<string> };
    /** Image with Node ≥ 20 (the HyperDX image the chart runs). */
    readonly image: string;
    /** The ClickStack chart: the Job starts once everything it rendered is ready. */
    readonly clickstack: pulumi.Resource;
    /** Secrets the Job's pod pulls its image with. @default none */
    readonly imagePullSecrets?: readonly string[];
    /** How long the script waits for the gateway to create the tables. @default DEFAULT_WAIT_SECONDS */
    readonly waitSeconds?: number;
}

export class ClickHouseRetention extends pulumi.ComponentResource {
    public readonly job: kubernetes.batch.v1.Job;

    constructor(name: string, args: ClickHouseRetentionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clickstack:retention:ClickHouseRetention", name, {}, opts);
        const objectName = `${args.releaseName}-clickhouse-retention`;
        const script = fs.readFileSync(RETENTION_SCRIPT, "utf8");
        const password = new kubernetes.core.v1.Secret(`${name}-credentials`, {
            metadata: { name: objectName, namespace: args.namespace },
            type: "Opaque",
            stringData: { [PASSWORD_KEY]: pulumi.secret(args.clickhouse.password) },
        }, { parent: this });
        const scriptConfigMap = new kubernetes.core.v1.ConfigMap(`${name}-script`, {
            metadata: { name: objectName, namespace: args.namespace },
            data: { "clickhouse-retention.mjs": script },
        }, { parent: this });
        const spec = pulumi.all([args.clickhouse.url, password.metadata.name, scriptConfigMap.metadata.name]).apply(([url, secretName, configMapName]) =>
            buildRetentionJobSpec({
                releaseName: args.releaseName,
                image: args.image,
                clickhouseUrl: url,
                user: args.clickhouse.user,
                passwordSecret: secretName,
                scriptConfigMap: configMapName,
                retention: args.retention,
                waitSeconds: args.waitSeconds ?? DEFAULT_WAIT_SECONDS,
                imagePullSecrets: args.imagePullSecrets,
            }, scriptSha256(script)));
        // Auto-named: a changed spec (new retention, new script) replaces the Job, which runs it again.
        this.job = new kubernetes.batch.v1.Job(`${name}-job`, {
            metadata: scriptJobMetadata(args.namespace, retentionJobLabels(args.releaseName)),
            spec,
        }, { parent: this, dependsOn: [args.clickstack, password, scriptConfigMap], customTimeouts: { create: "25m", update: "25m" } });
        this.registerOutputs({ jobName: this.job.metadata.name });
    }
}
