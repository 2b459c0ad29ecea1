import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowListSchema, containersOf, isAllowed, kindOf, objectName } from "../kubernetes";

/** Containers declare what they need and cap their memory, so one cannot starve a node. */
export const policy: ResourceValidationPolicy = {
    name: "container-resources",
    description: "Every container has a memory limit and CPU and memory requests.",
    enforcementLevel: "advisory",
    configSchema: allowListSchema,
    validateResource: (args, reportViolation) => {
        if (isAllowed(args)) return;
        for (const container of containersOf(args.type, args.props)) {
            const missing = [
                container.resources?.limits?.memory === undefined && "limits.memory",
                container.resources?.requests?.cpu === undefined && "requests.cpu",
                container.resources?.requests?.memory === undefined && "requests.memory",
            ].filter((m): m is string => typeof m === "string");
            if (missing.length > 0) {
                reportViolation(`${kindOf(args.type)} ${objectName(args)}: container ${container.name} has no resources.${missing.join(", resources.")}.`);
            }
        }
    },
};
