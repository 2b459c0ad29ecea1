// What the ClickHouse operator makes of the `containerTemplate.resources` this program gives its
// ClickHouseCluster and KeeperCluster, and whether the API server accepts the pod that results.
//
// The operator (ClickHouse/clickhouse-operator at 581494e, the chart's 0.0.7) defaults every field the
// spec leaves out before it builds the StatefulSet: `ClickHouseClusterSpec.WithDefaults` and
// `KeeperClusterSpec.WithDefaults` (api/v1alpha1/*_types.go) apply `controllerutil.ApplyDefault`
// (internal/controllerutil/common.go), which fills each missing key of a map, so `requests` and
// `limits` are completed key by key with the constants of api/v1alpha1/defaults.go. The API server then
// refuses a container whose request is above its limit ("must be less than or equal to cpu limit of 1").
// The program therefore states all four figures itself, and checks them here before any resource.
import { parseQuantity } from "../common/quantity";

/** A container's requests and limits, as Kubernetes quantities. */
export interface ContainerResources {
    readonly requests?: Readonly<Record<string, string>>;
    readonly limits?: Readonly<Record<string, string>>;
}

/** api/v1alpha1/defaults.go: Default{ClickHouse,Keeper}{CPU,Memory}{Request,Limit}. */
export const OPERATOR_RESOURCE_DEFAULTS: Readonly<Record<"clickhouse" | "keeper", Required<ContainerResources>>> = {
    clickhouse: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    keeper: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
};

/** What the program must state for each container so that no default decides it. */
const STATED_RESOURCES = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;

/** The operator's defaulting: each key missing from `requests` or `limits` takes the default's. */
export function withOperatorDefaults(given: ContainerResources, defaults: Required<ContainerResources>): Required<ContainerResources> {
    return {
        requests: { ...defaults.requests, ...given.requests },
        limits: { ...defaults.limits, ...given.limits },
    };
}

/**
 * Why the API server would refuse a container with these resources (after the operator's defaults),
 * as the validation message says it (k8s.io/kubernetes pkg/apis/core/validation, ValidateResourceRequirements).
 */
export function refusals(effective: Required<ContainerResources>): string[] {
    const problems: string[] = [];
    for (const [name, request] of Object.entries(effective.requests)) {
        const limit = effective.limits[name];
        if (Number.isNaN(parseQuantity(request))) problems.push(`requests.${name} "${request}" is not a Kubernetes quantity`);
        else if (limit !== undefined && Number.isNaN(parseQuantity(limit))) problems.push(`limits.${name} "${limit}" is not a Kubernetes quantity`);
        else if (limit !== undefined && parseQuantity(request) > parseQuantity(limit)) {
            problems.push(`requests.${name} ${request} must be less than or equal to the ${name} limit of ${limit}`);
        }
    }
    return problems;
}

/** The figures of STATED_RESOURCES that `given` leaves to a default. */
function unstated(given: ContainerResources): string[] {
    return STATED_RESOURCES.filter((key) => {
        const [kind, name] = key.split(".") as ["requests" | "limits", string];
        return given[kind]?.[name] === undefined;
    });
}

/**
 * Problems with the resources of one operator-built container, each naming `where` they come from:
 * a figure left to the operator's default, or a pod the API server would refuse.
 */
export function operatorResourceProblems(where: string, kind: keyof typeof OPERATOR_RESOURCE_DEFAULTS, given: ContainerResources): string[] {
    const missing = unstated(given).map((key) => `${where}: ${key} is not set (the ClickHouse operator would default it to ${
        key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], OPERATOR_RESOURCE_DEFAULTS[kind])}); state all of ${STATED_RESOURCES.join(", ")}`);
    const refused = refusals(withOperatorDefaults(given, OPERATOR_RESOURCE_DEFAULTS[kind]))
        .map((p) => `${where}: ${p}; the API server would refuse the ${kind === "clickhouse" ? "ClickHouse" : "Keeper"} StatefulSet's pods`);
    return [...missing, ...refused];
}
