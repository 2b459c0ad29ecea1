// What the Jobs that run this project's Node scripts in the HyperDX image share (the bootstrap, the
// retention and the content Job): the restricted Pod Security settings, the script's checksum that
// reruns the Job when the script changes (a ConfigMap's content is not part of the pod spec), and the
// Job's metadata.
import * as crypto from "crypto";
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
