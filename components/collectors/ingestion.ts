// The wiring every sender reads: Secret `hyperdx-secret` (the ingestion key) and ConfigMap
// `otel-config-vars` (the gateway collector's OTLP/HTTP endpoint). The names and keys are the ones
// the guide's collector values and the demo manifests refer to.
import * as crypto from "crypto";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export const API_KEY_SECRET = { name: "hyperdx-secret", key: "HYPERDX_API_KEY" } as const;
export const ENDPOINT_CONFIGMAP = { name: "otel-config-vars", key: "YOUR_OTEL_COLLECTOR_ENDPOINT" } as const;
/** Pod-template annotation that carries a hash of the key, so pods restart when the key changes. */
export const API_KEY_CHECKSUM_ANNOTATION = "checksum/hyperdx-api-key";

/**
 * The value of API_KEY_CHECKSUM_ANNOTATION: the SHA-256 of the key (never the key), or "none" while
 * no key is configured. A key is a random UUID, so its hash reveals nothing useful.
 */
export function apiKeyChecksum(apiKey: string | undefined): string {
    return apiKey === undefined ? "none" : crypto.createHash("sha256").update(apiKey).digest("hex");
}

/** What to do after the first `pulumi up`, when HyperDX has not issued a key yet. */
export function nextStepsWithoutKey(portForwardCommand: string, uiUrl: string, stack: string): string {
    return [
        "ClickStack is installed, but no ingestion API key is configured yet, so collectors and the demo cannot send data:",
        `  1. ${portForwardCommand}`,
        `  2. open ${uiUrl} and create the first user (this creates the team and its ingestion key)`,
        "  3. copy the key from Team Settings → API Keys",
        `  4. pulumi config set --secret ingestionApiKey <key> --stack ${stack}`,
        `  5. pulumi up --stack ${stack}   (collectors and demo pods restart with the key by themselves)`,
    ].join("\n");
}

/** References to the ingestion Secret and ConfigMap, for the components that read them. */
export interface IngestionRefs {
    readonly secretName: pulumi.Output<string>;
    readonly secretKey: string;
    readonly configMapName: pulumi.Output<string>;
    readonly configMapKey: string;
    /** Value for the API_KEY_CHECKSUM_ANNOTATION pod annotation (not secret: a hash). */
    readonly apiKeyChecksum: pulumi.Output<string>;
    /**
     * What the readers' workloads wait for, so their pods start with the key: the Secret and
     * ConfigMap, or the bootstrap Job that fills the Secret. (A component's own `dependsOn` does not
     * reach its children, so readers put this on the resources they create.)
     */
    readonly ready: pulumi.Resource[];
}

/**
 * Where the ingestion key comes from: the stack config (Pulumi writes the Secret), the bootstrap Job
 * (Pulumi creates the Secret empty and leaves its data to the Job), or nowhere yet (no Secret, and
 * `nextSteps` says how to get a key).
 */
export type ApiKeySource =
    | { readonly from: "config"; readonly value: pulumi.Input<string> }
    | { readonly from: "bootstrap" }
    | {
        readonly from: "none";
        /** Shown in `nextSteps`: how to open HyperDX. */
        readonly portForwardCommand: pulumi.Input<string>;
        readonly uiUrl: pulumi.Input<string>;
    };

export interface IngestionArgs {
    readonly namespace: pulumi.Input<string>;
    /** The gateway collector's OTLP/HTTP URL: ClickStack's, or (agent) the remote gateway's. */
    readonly collectorEndpoint: pulumi.Input<string>;
    /** Where the key comes from. */
    readonly apiKey: ApiKeySource;
}

export class Ingestion extends pulumi.ComponentResource implements IngestionRefs {
    public readonly secretName: pulumi.Output<string>;
    public readonly secretKey = API_KEY_SECRET.key;
    public readonly configMapName: pulumi.Output<string>;
    public readonly configMapKey = ENDPOINT_CONFIGMAP.key;
    public readonly apiKeyChecksum: pulumi.Output<string>;
    public readonly ready: pulumi.Resource[];
    /** The endpoint as stored in the ConfigMap. */
    public readonly collectorEndpoint: pulumi.Output<string>;
    /** Instructions while no key is configured; undefined once it is. */
    public readonly nextSteps?: pulumi.Output<string>;
    /** The Secret, created once a key is configured or the bootstrap fills it. */
    public readonly secret?: kubernetes.core.v1.Secret;
    public readonly configMap: kubernetes.core.v1.ConfigMap;

    constructor(name: string, args: IngestionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clickstack:ingestion:Ingestion", name, {}, opts);

        this.configMap = new kubernetes.core.v1.ConfigMap(`${name}-endpoint`, {
            metadata: { name: ENDPOINT_CONFIGMAP.name, namespace: args.namespace },
            data: { [ENDPOINT_CONFIGMAP.key]: args.collectorEndpoint },
        }, { parent: this });

        const key = args.apiKey;
        if (key.from !== "none") {
            this.secret = new kubernetes.core.v1.Secret(`${name}-api-key`, {
                metadata: { name: API_KEY_SECRET.name, namespace: args.namespace },
                type: "Opaque",
                ...(key.from === "config" ? { stringData: { [API_KEY_SECRET.key]: pulumi.secret(key.value) } } : {}),
            }, {
                parent: this,
                // The bootstrap Job writes the key; Pulumi must not take it back out on the next update.
                ...(key.from === "bootstrap" ? { ignoreChanges: ["data", "stringData"] } : {}),
            });
        }

        this.secretName = this.secret ? this.secret.metadata.name : pulumi.output(API_KEY_SECRET.name);
        this.configMapName = this.configMap.metadata.name;
        this.ready = this.secret ? [this.configMap, this.secret] : [this.configMap];
        this.collectorEndpoint = pulumi.output(args.collectorEndpoint);
        // The hash is derived from a secret but is not one; unsecret it so pod diffs stay readable.
        // With the bootstrap, the consumers follow the Job instead (HyperdxBootstrap.apiKey).
        this.apiKeyChecksum = key.from === "config"
            ? pulumi.unsecret(pulumi.output(key.value).apply(apiKeyChecksum))
            : pulumi.output(apiKeyChecksum(undefined));
        this.nextSteps = key.from === "none"
            ? pulumi.all([key.portForwardCommand, key.uiUrl]).apply(([cmd, url]) => nextStepsWithoutKey(cmd, url, pulumi.getStack()))
            : undefined;

        this.registerOutputs({
            secretName: this.secretName,
            configMapName: this.configMapName,
            apiKeyChecksum: this.apiKeyChecksum,
            nextSteps: this.nextSteps,
        });
    }
}
