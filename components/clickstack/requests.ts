// What ClickStack's workloads ask the scheduler for (the `requests` output): read from the values
// the component gives its two charts, with the pods the operators make from the custom resources, as
// the operators make them.
import { Resources, workloadRequests, WorkloadRequests } from "../sizing/requests";

/**
 * The MongoDB operator's own containers in each member pod and the requests it gives a container the
 * StatefulSet override leaves without (mongodb/mongodb-kubernetes 1.7.0, mongodb-community-operator
 * controllers/construct/mongodbstatefulset.go and pkg/kube/resourcerequirements Defaults()).
 */
const MONGODB_MEMBER = { containers: ["mongod", "mongodb-agent"], initContainers: ["mongod-posthook", "mongodb-agent-readinessprobe"] } as const;
const MONGODB_OPERATOR_REQUESTS: Resources = { requests: { cpu: "0.5", memory: "400M" } };
/** Its volume claims without a storage class of ours (dataPvc, logsPvc: 10G and 2G). */
const MONGODB_OPERATOR_VOLUMES = ["10G", "2G"];
/** Chart clickstack 3.0.2's claims where the values give none (values.yaml `clickhouse.{keeper,cluster}.spec.dataVolumeClaimSpec`). */
const KEEPER_VOLUME = "5Gi";
const CLICKHOUSE_VOLUME = "10Gi";

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A MongoDB member pod as the operator builds it: our override merged by container name over its own containers. */
function mongodbMember(template: Values | undefined) {
    const stated = (list: readonly { name: string; resources?: Resources }[] | undefined, name: string) =>
        list?.find((c) => c.name === name)?.resources?.requests ? list.find((c) => c.name === name)!.resources : MONGODB_OPERATOR_REQUESTS;
    return {
        containers: MONGODB_MEMBER.containers.map((name) => ({ name, resources: stated(template?.containers, name) })),
        initContainers: MONGODB_MEMBER.initContainers.map((name) => ({ name, resources: stated(template?.initContainers, name) })),
    };
}

/**
 * ClickStack's workloads, read from the values the two charts are given (`clickstack`: the size's file,
 * the plan's ClickHouse, the replicated layout, the volumes; `operators`): HyperDX, the gateway,
 * MongoDB, the two operators and, when the chart runs it, ClickHouse with Keeper.
 */
export function clickstackRequests(v: Values, operators: Values): Record<string, WorkloadRequests> {
    const gateway = v["otel-collector"] ?? {};
    const one = (resources: Resources | undefined) => ({ containers: [{ resources }] });
    const claim = (spec: Values | undefined, fallback: string) => spec?.resources?.requests?.storage ?? fallback;
    const mongodbClaims: Values[] | undefined = v.mongodb?.spec?.statefulSet?.spec?.volumeClaimTemplates;
    return {
        "HyperDX": workloadRequests(v.hyperdx?.deployment?.replicas ?? 1, one(v.hyperdx?.deployment?.resources)),
        "gateway collector": workloadRequests(gateway.autoscaling?.enabled ? gateway.autoscaling.minReplicas : gateway.replicaCount ?? 1, one(gateway.resources)),
        ...(v.clickhouse?.enabled === false ? {} : {
            "ClickHouse (operator-made pods)": workloadRequests(v.clickhouse?.cluster?.spec?.replicas ?? 1, one(v.clickhouse?.cluster?.spec?.containerTemplate?.resources),
                [claim(v.clickhouse?.cluster?.spec?.dataVolumeClaimSpec, CLICKHOUSE_VOLUME)]),
            "Keeper (operator-made pods)": workloadRequests(v.clickhouse?.keeper?.spec?.replicas ?? 1, one(v.clickhouse?.keeper?.spec?.containerTemplate?.resources),
                [claim(v.clickhouse?.keeper?.spec?.dataVolumeClaimSpec, KEEPER_VOLUME)]),
        }),
        "MongoDB (operator-made pods)": workloadRequests(v.mongodb?.spec?.members ?? 1, mongodbMember(v.mongodb?.spec?.statefulSet?.spec?.template?.spec),
            mongodbClaims ? mongodbClaims.map((c) => claim(c.spec, "0")) : MONGODB_OPERATOR_VOLUMES),
        "ClickHouse operator": workloadRequests(1, one(operators["clickhouse-operator"]?.manager?.resources)),
        "MongoDB operator": workloadRequests(1, one(operators["mongodb-operator"]?.operator?.resources)),
    };
}
