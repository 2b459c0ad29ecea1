import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowListSchema, containersOf, isAllowed, kindOf, objectName, Props, TYPES } from "../kubernetes";

/** Keys that name a credential. */
const CREDENTIAL_KEY = /(password|passwd|(^|[_.-])pass($|[_.-])|secret|token|api_?key|private_?key|credential)/i;
/**
 * Keys that name where a credential is, or its hash, not the credential itself. `…PULL_SECRETS` holds
 * names of image pull Secrets (mongodb-kubernetes 1.7.0 templates/operator.yaml, env IMAGE_PULL_SECRETS).
 */
const NOT_A_CREDENTIAL_KEY = /(name|ref|refs|hash|hex|sha\d*|file|path|pull_?secrets?)$/i;
const PASSWORD_KEY = /pass(word|wd)/i;
/** A value made only of references to other variables: `$(VAR)` (Kubernetes) or `${env:VAR}` (collector). */
const ONLY_REFERENCES = /^(\s*(\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{env:[A-Za-z_][A-Za-z0-9_]*\})\s*)+$/;
const URI_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:([^/\s@]+)@/i;
const JSON_PASSWORD = /"pass(word|wd)"\s*:\s*"([^"]+)"/i;

/** Kubernetes API groups; any other group under `kubernetes:` is a custom resource. */
const BUILTIN_GROUP = /^(core|apps|batch|policy|autoscaling|helm\.sh|yaml|kustomize|.*\.k8s\.io)\//;

const isLiteral = (value: string) => value.trim() !== "" && !ONLY_REFERENCES.test(value);

/** Why `value` under `key` is a literal credential, or undefined if it is not one. */
export function credentialProblem(key: string, value: unknown): string | undefined {
    if (typeof value !== "string" || !isLiteral(value)) return undefined;
    if (CREDENTIAL_KEY.test(key) && !NOT_A_CREDENTIAL_KEY.test(key)) return "a value under a credential-like key";
    const uri = URI_WITH_PASSWORD.exec(value);
    if (uri && isLiteral(uri[1])) return "a URI with user:password@";
    const json = JSON_PASSWORD.exec(value);
    if (json && isLiteral(json[2])) return 'JSON with a non-empty "password"';
    return undefined;
}

/** Password-named fields with a literal string value anywhere under `node`, as paths. */
function passwordFields(node: unknown, path: string): string[] {
    if (Array.isArray(node)) return node.flatMap((item, i) => passwordFields(item, `${path}[${i}]`));
    if (node === null || typeof node !== "object") return [];
    return Object.entries(node as Props).flatMap(([key, value]) => {
        const here = path ? `${path}.${key}` : key;
        if (typeof value === "string") {
            return PASSWORD_KEY.test(key) && !NOT_A_CREDENTIAL_KEY.test(key) && isLiteral(value) ? [here] : [];
        }
        return passwordFields(value, here);
    });
}

/** Credentials belong in Secrets (or as hashes), never in ConfigMaps, env values or custom resources. */
export const policy: ResourceValidationPolicy = {
    name: "no-plain-credentials",
    description: "No literal credential in ConfigMap data, container env values, or password fields of custom resources: a value under a PASSWORD/SECRET/TOKEN/API_KEY-like key, a URI with user:password@, or JSON with a non-empty \"password\".",
    enforcementLevel: "mandatory",
    configSchema: allowListSchema,
    validateResource: (args, reportViolation) => {
        if (isAllowed(args)) return;
        const name = objectName(args);
        if (args.type === TYPES.configMap) {
            for (const [key, value] of Object.entries((args.props.data ?? {}) as Props)) {
                const problem = credentialProblem(key, value);
                if (problem) reportViolation(`ConfigMap ${name}: data.${key} holds a literal credential (${problem}); move it to a Secret.`);
            }
            return;
        }
        for (const container of containersOf(args.type, args.props)) {
            for (const env of container.env ?? []) {
                const problem = credentialProblem(env.name, env.value);
                if (problem) {
                    reportViolation(`${kindOf(args.type)} ${name}: container ${container.name} env ${env.name} holds a literal credential (${problem}); use valueFrom.secretKeyRef.`);
                }
            }
        }
        const group = args.type.split(":")[1] ?? "";
        if (args.type.startsWith("kubernetes:") && !BUILTIN_GROUP.test(group)) {
            for (const field of passwordFields(args.props.spec, "spec")) {
                reportViolation(`${kindOf(args.type)} ${name}: ${field} holds a literal password; reference a Secret or store a hash (e.g. password_sha256_hex).`);
            }
        }
    },
};
