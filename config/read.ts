// Reading the stack config the CLI hands the program: this project's keys, the Kubernetes provider's
// cluster keys, and which keys the stack holds encrypted.
import * as pulumi from "@pulumi/pulumi";
import { OBJECT_KEYS, PROJECT } from "./keys";

/** Which cluster: the standard `kubernetes:context` / `kubernetes:kubeconfig` keys, else the current kube context. */
export interface ClusterConfig {
    readonly context?: string;
    /** A Pulumi secret: the provider does not mark this input secret by itself, so the state would hold it in clear. */
    readonly kubeconfig?: pulumi.Output<string>;
}

/**
 * Reads this project's keys from the stack config the CLI passes in. Structured values arrive as
 * JSON text; a value that does not parse is reported like any other problem.
 */
export function readRawConfig(all: Record<string, string> = pulumi.runtime.allConfig()): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const prefix = `${PROJECT}:`;
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        raw[key] = OBJECT_KEYS.has(key) ? parseJsonOrKeep(value) : value;
    }
    return raw;
}

function parseJsonOrKeep(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value; // the schema then says "must be an object" and shows what was given
    }
}

/** The pulumi-kubernetes keys that pick the cluster; an explicit provider does not read them by itself. */
export function readClusterConfig(all: Record<string, string> = pulumi.runtime.allConfig()): ClusterConfig {
    const value = (key: string) => (all[key] === undefined || all[key] === "" ? undefined : all[key]);
    const kubeconfig = value("kubernetes:kubeconfig");
    return { context: value("kubernetes:context"), kubeconfig: kubeconfig === undefined ? undefined : pulumi.secret(kubeconfig) };
}

/**
 * The config keys the stack holds encrypted (`<project>:<key>`), or undefined when no language host
 * said. The Node language host always sets PULUMI_CONFIG_SECRET_KEYS (a JSON list, "[]" for none)
 * for the program it starts (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs, constructConfigSecretKeys);
 * every Pulumi SDK reads this variable, so it stays as long as old SDKs must run under new CLIs.
 * The Node SDK's own reader (`runtime.isConfigSecret`) is marked internal and not in its typings.
 */
export function readEncryptedKeys(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> | undefined {
    const listed = env.PULUMI_CONFIG_SECRET_KEYS;
    if (listed === undefined || listed === "") return undefined;
    const keys: unknown = JSON.parse(listed);
    return new Set(Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : []);
}
