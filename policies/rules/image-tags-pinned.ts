import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowListSchema, containersOf, isAllowed, kindOf, objectName } from "../kubernetes";

/** Why an image reference is not pinned, or undefined when it is (a digest always is). */
export function imageProblem(image: string): string | undefined {
    if (image.includes("@sha256:")) return undefined;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    if (colon < 0) return "has no tag (it means :latest)";
    const tag = lastSegment.slice(colon + 1);
    if (tag === "latest" || tag.startsWith("latest-")) return `uses the moving tag :${tag}`;
    return undefined;
}

/** Images are pinned, so a restart runs the same code as the deploy did. */
export const policy: ResourceValidationPolicy = {
    name: "image-tags-pinned",
    description: "No untagged images and no :latest (or latest-*) tags; pin a version or a digest.",
    enforcementLevel: "advisory",
    configSchema: allowListSchema,
    validateResource: (args, reportViolation) => {
        if (isAllowed(args)) return;
        for (const container of containersOf(args.type, args.props)) {
            const problem = container.image === undefined ? undefined : imageProblem(container.image);
            if (problem) reportViolation(`${kindOf(args.type)} ${objectName(args)}: container ${container.name} image ${container.image} ${problem}.`);
        }
    },
};
