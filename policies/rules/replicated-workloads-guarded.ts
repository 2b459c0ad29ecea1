import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { isAllowed, kindOf, objectName, Props, Selector, selects, TYPES } from "../kubernetes";

/** The ClickHouse operator's default replica count when the spec leaves it out (api/v1alpha1/defaults.go). */
const OPERATOR_DEFAULT_REPLICAS = 3;

const namespaceOf = (r: PolicyResource): string | undefined => r.props.metadata?.namespace;

/** A pod template spreads its pods when a spread constraint or an anti-affinity term selects them. */
function spreads(podSpec: Props | undefined, labels: Record<string, string>): boolean {
    const constraints = (podSpec?.topologySpreadConstraints ?? []) as { labelSelector?: Selector }[];
    const antiAffinity = podSpec?.affinity?.podAntiAffinity ?? {};
    const terms = [
        ...((antiAffinity.requiredDuringSchedulingIgnoredDuringExecution ?? []) as { labelSelector?: Selector }[]),
        ...((antiAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []) as { podAffinityTerm?: { labelSelector?: Selector } }[]).map((t) => t.podAffinityTerm ?? {}),
    ];
    return [...constraints, ...terms].some((t) => selects(t.labelSelector, labels));
}

/**
 * A workload with more than one replica survives a drain, an upgrade and a lost node only with a
 * PodDisruptionBudget that keeps some of it, and with its replicas apart. Checked on the stack as a
 * whole: a budget is another resource. Replica counts come from `spec.replicas`, or the floor of a
 * HorizontalPodAutoscaler that targets the workload, whichever is larger. The
 * ClickHouse operator writes its own budgets and spreads its pods when its custom resources name a
 * zone or node key; the MongoDB operator writes no budget, so the program must.
 */
export const policy: StackValidationPolicy = {
    name: "replicated-workloads-guarded",
    description: "Every Deployment or StatefulSet with more than one replica has a PodDisruptionBudget selecting its pods and a spread rule (topologySpreadConstraints or podAntiAffinity); replicated ClickHouseCluster/KeeperCluster name a zone or node key; a replicated MongoDBCommunity has a budget and spread.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allow: { type: "array", items: { type: "string" }, default: [], description: "Workloads this policy skips." },
        },
    },
    validateStack: (args, reportViolation) => {
        const all = args.resources;
        const budgets = all.filter((r) => r.type === TYPES.pdb);
        const guarded = (namespace: string | undefined, labels: Record<string, string>) =>
            budgets.some((b) => namespaceOf(b) === namespace && selects(b.props.spec?.selector, labels));
        const floors = new Map<string, number>();
        for (const h of all.filter((r) => r.type === TYPES.hpa)) {
            const target = h.props.spec?.scaleTargetRef ?? {};
            floors.set(`${target.kind}/${namespaceOf(h)}/${target.name}`, h.props.spec?.minReplicas ?? 1);
        }
        const skip = (r: PolicyResource) => isAllowed({ props: r.props, name: r.name, getConfig: args.getConfig });

        for (const r of all.filter((x) => x.type === TYPES.deployment || x.type === TYPES.statefulSet)) {
            const kind = kindOf(r.type);
            // The larger of the two: the API server fills in `replicas` (1) where an autoscaler owns it,
            // and AnalyzeStack sees the live object (pulumi/pulumi pkg/resource/deploy step_generator.go AnalyzeResources: outputs).
            const replicas = Math.max(r.props.spec?.replicas ?? 1, floors.get(`${kind}/${namespaceOf(r)}/${r.props.metadata?.name}`) ?? 1);
            if (replicas <= 1 || skip(r)) continue;
            const labels = r.props.spec?.template?.metadata?.labels ?? {};
            const name = objectName(r);
            if (!guarded(namespaceOf(r), labels)) {
                reportViolation(`${kind} ${name} runs ${replicas} replicas but no PodDisruptionBudget selects its pods: one drain may evict them all; add a budget (minAvailable 1) or allow-list it.`, r.urn);
            }
            if (!spreads(r.props.spec?.template?.spec, labels)) {
                reportViolation(`${kind} ${name} runs ${replicas} replicas with no spread across zones or nodes (topologySpreadConstraints or podAntiAffinity selecting its pods): they may share the node that fails.`, r.urn);
            }
        }
        for (const r of all.filter((x) => x.type === TYPES.clickhouseCluster || x.type === TYPES.keeperCluster)) {
            const replicas: number = r.props.spec?.replicas ?? OPERATOR_DEFAULT_REPLICAS;
            const template = r.props.spec?.podTemplate ?? {};
            if (replicas > 1 && !skip(r) && !template.topologyZoneKey && !template.nodeHostnameKey) {
                reportViolation(`${kindOf(r.type)} ${objectName(r)} runs ${replicas} replicas without spec.podTemplate.topologyZoneKey or nodeHostnameKey: the operator spreads its pods only when one is set.`, r.urn);
            }
        }
        for (const r of all.filter((x) => x.type === TYPES.mongodbCommunity)) {
            const members: number = r.props.spec?.members ?? 1;
            if (members <= 1 || skip(r)) continue;
            // The operator's StatefulSet labels its pods `app: <name>-svc` (controllers/construct/mongodbstatefulset.go).
            const labels = { app: `${r.props.metadata?.name}-svc` };
            if (!guarded(namespaceOf(r), labels)) {
                reportViolation(`MongoDBCommunity ${objectName(r)} has ${members} members but no PodDisruptionBudget selects them (the operator writes none): add one that keeps a majority (minAvailable ${Math.floor(members / 2) + 1}).`, r.urn);
            }
            if (!spreads(r.props.spec?.statefulSet?.spec?.template?.spec, labels)) {
                reportViolation(`MongoDBCommunity ${objectName(r)} has ${members} members with no spread in spec.statefulSet.spec.template.spec: they may share the node that fails.`, r.urn);
            }
        }
    },
};
