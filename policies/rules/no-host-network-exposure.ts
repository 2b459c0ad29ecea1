import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowListSchema, containersOf, isAllowed, kindOf, objectName, podSpecOf } from "../kubernetes";

/** Pod-spec switches that put a pod into the node's own namespaces. */
const HOST_NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"] as const;

/**
 * No pod reaches into its node: no container port published on the node's address (hostPort) and no
 * sharing of the node's network, process or IPC namespace. A hostPort is reachable by anything that
 * reaches the node, whatever the Services and NetworkPolicies say.
 */
export const policy: ResourceValidationPolicy = {
    name: "no-host-network-exposure",
    description: "No hostPort, hostNetwork, hostPID or hostIPC in any pod template (Pod, Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob).",
    enforcementLevel: "mandatory",
    configSchema: allowListSchema,
    validateResource: (args, reportViolation) => {
        const spec = podSpecOf(args.type, args.props);
        if (spec === undefined || isAllowed(args)) return;
        const workload = `${kindOf(args.type)} ${objectName(args)}`;
        for (const field of HOST_NAMESPACES) {
            if (spec[field] === true) reportViolation(`${workload} sets ${field}: true; pods must not share the node's namespaces.`);
        }
        for (const container of containersOf(args.type, args.props)) {
            for (const port of container.ports ?? []) {
                if (port.hostPort !== undefined && port.hostPort !== null && port.hostPort !== 0) {
                    reportViolation(`${workload}: container ${container.name} publishes hostPort ${port.hostPort} (containerPort ${port.containerPort}${port.protocol ? `/${port.protocol}` : ""}) on every node it runs on; remove it, or allow-list the workload in the pack config.`);
                }
            }
        }
    },
};
