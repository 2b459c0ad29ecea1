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

const SUFFIX: Record<string, number> = {
    n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity ("250m", "2", "8Gi", "1e3") in base units (cores, bytes); NaN when it is not one. */
export function parseQuantity(quantity: string): number {
    const m = /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(quantity);
    if (!m) return Number.NaN;
    return m[2] ? Number(`${m[1]}${m[2]}`) : Number(m[1]) * SUFFIX[m[3] ?? ""];
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
