// What the Jobs that run this project's Node scripts in the HyperDX image share (the bootstrap, the
// retention and the content Job): the restricted Pod Security settings, the script's checksum that
// reruns the Job when the script changes (a ConfigMap's content is not part of the pod spec), and the
// Job's metadata; and, for the Jobs that call the Kubernetes API, their script's ConfigMap and their
// ServiceAccount bound to a Role of their own.
import * as crypto from "crypto";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Pod level. The HyperDX image runs as `node` (uid 1000, docker/hyperdx/Dockerfile); a name cannot be checked against runAsNonRoot. */
export const SCRIPT_POD_SECURITY = {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    seccompProfile: { type: "RuntimeDefault" },
};

/** Container level: no privilege escalation, no capability, a read-only root. */
export const SCRIPT_CONTAINER_SECURITY = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

export const scriptSha256 = (script: string): string => crypto.createHash("sha256").update(script).digest("hex");

/**
 * A script Job's metadata. The Jobs are auto-named, so a changed spec replaces the Job (create before
 * delete), which runs it again; one that failed (its server down too long) is replaced, i.e. run
 * again, on the next `pulumi up`.
 */
export const scriptJobMetadata = (namespace: pulumi.Input<string>, labels: Record<string, string>) => ({
    namespace,
    labels,
    annotations: { "pulumi.com/replaceUnready": "true" },
});

/**
 * A script Job's ConfigMap (its script under `script.key`) and, for a script that calls the Kubernetes
 * API, a ServiceAccount bound to a Role with `rules` and nothing more. Children of `parent`, named
 * `<name>-script`, `-sa`, `-role`, `-rolebinding`; every object in the cluster is `objectName`.
 */
export function scriptJobAccess(
    name: string, objectName: string, namespace: pulumi.Input<string>, script: { readonly key: string; readonly text: string },
    rules: pulumi.Input<kubernetes.types.input.rbac.v1.PolicyRule>[], parent: pulumi.Resource,
) {
    const configMap = new kubernetes.core.v1.ConfigMap(`${name}-script`, {
        metadata: { name: objectName, namespace },
        data: { [script.key]: script.text },
    }, { parent });
    const serviceAccount = new kubernetes.core.v1.ServiceAccount(`${name}-sa`, {
        metadata: { name: objectName, namespace },
        automountServiceAccountToken: false, // only the Job's pod mounts it
    }, { parent });
    const role = new kubernetes.rbac.v1.Role(`${name}-role`, { metadata: { name: objectName, namespace }, rules }, { parent });
    // The Role's name as given above, not its output: the binding need not wait for the Role
    // (Kubernetes accepts a binding first), which keeps the chain before the Job short.
    const binding = new kubernetes.rbac.v1.RoleBinding(`${name}-rolebinding`, {
        metadata: { name: objectName, namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: objectName },
        subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace }],
    }, { parent });
    return { configMap, serviceAccount, role, binding };
}
