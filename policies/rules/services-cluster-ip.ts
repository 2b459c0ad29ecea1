import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowListSchema, isAllowed, objectName, TYPES } from "../kubernetes";

/** Every Service is ClusterIP: nothing is exposed outside the cluster except through a TLS Ingress. */
export const policy: ResourceValidationPolicy = {
    name: "services-cluster-ip-only",
    description: "Every Service is ClusterIP (type unset counts as ClusterIP); NodePort, LoadBalancer and ExternalName are not allowed.",
    enforcementLevel: "mandatory",
    configSchema: allowListSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.service || isAllowed(args)) return;
        const type = args.props.spec?.type;
        if (type !== undefined && type !== null && type !== "" && type !== "ClusterIP") {
            reportViolation(`Service ${objectName(args)} has type ${type}; only ClusterIP is allowed. Expose HTTP through an Ingress with TLS, or allow-list the Service in the pack config.`);
        }
    },
};
