// What ClickStack's workloads ask the scheduler for (the `requests` output): read from the values
// the component deploys (the size's values file, the capacity plan, the replicated layout), with the
// pods the operators make from the custom resources, as the operators make them.
import * as path from "path";
import { highAvailabilityValues } from "../high-availability/layout";
import { HighAvailability } from "../high-availability/config";
import { loadValuesObject, mergeValues } from "../common/values-file";
import { Resources, workloadRequests, WorkloadRequests } from "../sizing/requests";
import { Size } from "../sizing/sizes";
import { clickstackNames, clickstackPods } from "./names";
import { MONGODB_VOLUMES, plannedResources, valuesForSize } from "./values";

const OPERATORS_VALUES_FILE = path.join(__dirname, "clickstack-operators.yaml");

/**
 * The MongoDB operator's own containers in each member pod and the requests it gives a container the
 * StatefulSet override leaves without (mongodb/mongodb-kubernetes 1.7.0, mongodb-community-operator
 * controllers/construct/mongodbstatefulset.go and pkg/kube/resourcerequirements Defaults()).
 */
const MONGODB_MEMBER = { containers: ["mongod", "mongodb-agent"], initContainers: ["mongod-posthook", "mongodb-agent-readinessprobe"] } as const;
const MONGODB_OPERATOR_REQUESTS: Resources = { requests: { cpu: "0.5", memory: "400M" } };
/** Its volume claims without a storage class of ours (dataPvc, logsPvc: 10G and 2G). */
const MONGODB_OPERATOR_VOLUMES = ["10G", "2G"];
/** Keeper's claim: chart clickstack 3.0.2's `clickhouse.keeper.spec.dataVolumeClaimSpec` (values.yaml), which we do not size. */
const KEEPER_VOLUME = "5Gi";

export interface ClickStackRequestsInput {
    readonly releaseName: string;
    readonly selfHosted: boolean;
    readonly size?: Size;
    /** Self-hosted: each ClickHouse replica's volume. */
    readonly dataSize?: string;
    readonly storageClass?: string;
    readonly clickhouseSizing?: { readonly cpu: number; readonly memoryGi: number };
    readonly highAvailability?: HighAvailability;
}

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The values that decide what ClickStack's pods ask for: the size's file, the plan's ClickHouse, the layout's replicas. */
function sizingValues(input: ClickStackRequestsInput): Values {
    const plan = input.clickhouseSizing ? { clickhouse: { cluster: { spec: { containerTemplate: { resources: plannedResources(input.clickhouseSizing) } } } } } : {};
    const replicated = input.highAvailability
        ? highAvailabilityValues(input.highAvailability, clickstackPods(input.releaseName), input.selfHosted, clickstackNames(input.releaseName, "").mongodbDisruptionBudget)
        : {};
    return [plan, replicated].reduce(mergeValues, valuesForSize(input.size));
}

/** A MongoDB member pod as the operator builds it: our override merged by container name over its own containers. */
function mongodbMember(template: Values | undefined) {
    const stated = (list: readonly { name: string; resources?: Resources }[] | undefined, name: string) =>
        list?.find((c) => c.name === name)?.resources?.requests ? list.find((c) => c.name === name)!.resources : MONGODB_OPERATOR_REQUESTS;
    return {
        containers: MONGODB_MEMBER.containers.map((name) => ({ name, resources: stated(template?.containers, name) })),
        initContainers: MONGODB_MEMBER.initContainers.map((name) => ({ name, resources: stated(template?.initContainers, name) })),
    };
}

/** ClickStack's workloads: HyperDX, the gateway, MongoDB, the two operators and, self-hosted, ClickHouse and Keeper. */
export function clickstackRequests(input: ClickStackRequestsInput): Record<string, WorkloadRequests> {
    const v = sizingValues(input);
    const operators = loadValuesObject(OPERATORS_VALUES_FILE) as Values;
    const gateway = v["otel-collector"] ?? {};
    const one = (resources: Resources | undefined) => ({ containers: [{ resources }] });
    return {
        "HyperDX": workloadRequests(v.hyperdx?.deployment?.replicas ?? 1, one(v.hyperdx?.deployment?.resources)),
        "gateway collector": workloadRequests(gateway.autoscaling?.enabled ? gateway.autoscaling.minReplicas : gateway.replicaCount ?? 1, one(gateway.resources)),
        ...(input.selfHosted ? {
            "ClickHouse (operator-made pods)": workloadRequests(v.clickhouse?.cluster?.spec?.replicas ?? 1, one(v.clickhouse?.cluster?.spec?.containerTemplate?.resources), [input.dataSize ?? "0"]),
            "Keeper (operator-made pods)": workloadRequests(v.clickhouse?.keeper?.spec?.replicas ?? 1, one(v.clickhouse?.keeper?.spec?.containerTemplate?.resources), [KEEPER_VOLUME]),
        } : {}),
        "MongoDB (operator-made pods)": workloadRequests(v.mongodb?.spec?.members ?? 1, mongodbMember(v.mongodb?.spec?.statefulSet?.spec?.template?.spec),
            input.storageClass ? Object.values(MONGODB_VOLUMES) : MONGODB_OPERATOR_VOLUMES),
        "ClickHouse operator": workloadRequests(1, one(operators["clickhouse-operator"]?.manager?.resources)),
        "MongoDB operator": workloadRequests(1, one(operators["mongodb-operator"]?.operator?.resources)),
    };
}
