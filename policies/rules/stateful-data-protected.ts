import { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { isAllowed, kindOf, TYPES } from "../kubernetes";

/** Types that hold data: StatefulSets, volume claims and the operators' database resources. */
const STATEFUL_TYPES = new Set<string>([
    TYPES.statefulSet,
    TYPES.pvc,
    TYPES.clickhouseCluster,
    TYPES.keeperCluster,
    TYPES.mongodbCommunity,
]);

const configSchema: PolicyConfigSchema = {
    properties: {
        productionStacks: { type: "array", items: { type: "string" }, default: ["prod", "production"], description: "Stacks that hold production data." },
        statefulCharts: { type: "array", items: { type: "string" }, default: ["clickstack", "clickstack-operators"], description: "Pulumi names of helm.v4.Chart resources that hold data (or its CRDs)." },
        allow: { type: "array", items: { type: "string" }, default: [], description: "Resources this policy skips." },
    },
};

/** The stack name inside a URN: urn:pulumi:<stack>::<project>::<type>::<name>. */
export const stackOfUrn = (urn: string) => urn.split("::")[0].replace(/^urn:pulumi:/, "");

/** In a production stack, whatever holds data is protected against deletion. */
export const policy: ResourceValidationPolicy = {
    name: "stateful-data-protected",
    description: "In a production stack, StatefulSets, PersistentVolumeClaims, database custom resources and charts known to hold data are protected.",
    enforcementLevel: "advisory",
    configSchema,
    validateResource: (args, reportViolation) => {
        const config = args.getConfig<{ productionStacks?: string[]; statefulCharts?: string[] }>();
        const productionStacks = config.productionStacks ?? ["prod", "production"];
        const statefulCharts = config.statefulCharts ?? ["clickstack", "clickstack-operators"];
        if (!productionStacks.includes(stackOfUrn(args.urn)) || isAllowed(args)) return;
        const holdsData = STATEFUL_TYPES.has(args.type) || (args.type === TYPES.helmChart && statefulCharts.includes(args.name));
        if (holdsData && !args.opts.protect) {
            reportViolation(`${kindOf(args.type)} ${args.name} holds data in production stack ${stackOfUrn(args.urn)} but is not protected; set protect (the program does so with protectData: true).`);
        }
    },
};
