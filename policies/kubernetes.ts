// What the policies share: reading Kubernetes objects as Pulumi hands them over, and the allow-list.
import { PolicyConfigSchema, ResourceValidationArgs } from "@pulumi/policy";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;

/** The resource types policies match on (`__pulumiType`). */
export const TYPES = {
    service: "kubernetes:core/v1:Service",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    configMap: "kubernetes:core/v1:ConfigMap",
    helmRelease: "kubernetes:helm.sh/v3:Release",
    helmChart: "kubernetes:helm.sh/v4:Chart",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    deployment: "kubernetes:apps/v1:Deployment",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    clickhouseCluster: "kubernetes:clickhouse.com/v1alpha1:ClickHouseCluster",
    keeperCluster: "kubernetes:clickhouse.com/v1alpha1:KeeperCluster",
    mongodbCommunity: "kubernetes:mongodbcommunity.mongodb.com/v1:MongoDBCommunity",
} as const;

/** Workload types and where their pod spec is. */
const POD_SPEC_PATHS: Record<string, string[]> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

export interface Container {
    name?: string;
    image?: string;
    ports?: { name?: string; containerPort?: number; hostPort?: number; protocol?: string }[];
    env?: { name: string; value?: string }[];
    resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
}

/** The pod spec of a workload (Pod, Deployment, …, CronJob), or undefined for other types. */
export function podSpecOf(type: string, props: Props): Props | undefined {
    const path = POD_SPEC_PATHS[type];
    return path ? path.reduce<Props | undefined>((node, key) => node?.[key], props) : undefined;
}

/** Containers and init containers of a workload, or [] for other types. */
export function containersOf(type: string, props: Props): Container[] {
    const spec = podSpecOf(type, props);
    return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
}

/** The Kind in a type token: `kubernetes:apps/v1:Deployment` → `Deployment`. */
export const kindOf = (type: string): string => type.split(":")[2] ?? type;

/** `namespace/name` of a Kubernetes object (or its name alone when cluster-scoped or unset). */
export function objectName(args: Pick<ResourceValidationArgs, "props" | "name">): string {
    const metadata = args.props.metadata ?? {};
    const name = metadata.name ?? args.name;
    return metadata.namespace ? `${metadata.namespace}/${name}` : name;
}

/** Every policy takes `allow`: names (Kubernetes `name`, `namespace/name`, or Pulumi name) it skips. */
export const allowListSchema: PolicyConfigSchema = {
    properties: {
        allow: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "Resources this policy skips, by Kubernetes name, namespace/name or Pulumi resource name: deliberate exceptions.",
        },
    },
};

export function isAllowed(args: Pick<ResourceValidationArgs, "props" | "name" | "getConfig">): boolean {
    const allow = args.getConfig<{ allow?: string[] }>().allow ?? [];
    const metadataName: string | undefined = args.props?.metadata?.name;
    return [objectName(args), args.name, metadataName].some((n) => n !== undefined && allow.includes(n));
}

/** What a label selector holds (matchLabels and matchExpressions). */
export interface Selector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether `selector` selects pods labelled `labels` (Kubernetes' rules; an empty selector selects all). */
export function selects(selector: Selector | undefined, labels: Readonly<Record<string, string>>): boolean {
    if (selector === undefined || selector === null) return false;
    const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
        switch (operator) {
            case "In": return key in labels && values.includes(labels[key]);
            case "NotIn": return !(key in labels) || !values.includes(labels[key]);
            case "Exists": return key in labels;
            case "DoesNotExist": return !(key in labels);
            default: return false;
        }
    });
    return byLabel && byExpression;
}
