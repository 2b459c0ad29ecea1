// Who ClickStack's objects are: the pinned charts, the names the clickstack chart gives its objects,
// its Services' ports, and the labels on each workload's pods (the NetworkPolicies' selectors).
import { retentionJobLabels } from "../retention/retention";

const CLICKSTACK_REPO = "https://clickhouse.github.io/ClickStack-helm-charts";

/** Pinned chart versions; the stack config key `chartVersions` may override them. */
export const OPERATORS_CHART = { repo: CLICKSTACK_REPO, chart: "clickstack-operators", version: "1.1.0" } as const;
export const CLICKSTACK_CHART = { repo: CLICKSTACK_REPO, chart: "clickstack", version: "3.0.2" } as const;

/** Ports of the chart's Services (charts/clickstack/values.yaml and its otel-collector subchart). */
export const HYPERDX_APP_PORT = 3000;
export const COLLECTOR_OTLP_HTTP_PORT = 4318;
export const CLICKHOUSE_HTTP_PORT = 8123;

/** Names the clickstack chart gives its objects (charts/clickstack/templates/_helpers.tpl). */
export function clickstackNames(releaseName: string, namespace: string) {
    const trunc = (s: string) => s.slice(0, 63).replace(/-+$/, "");
    // clickstack.fullname: the release name alone when it already contains the chart name.
    const fullname = trunc(releaseName.includes(CLICKSTACK_CHART.chart) ? releaseName : `${releaseName}-${CLICKSTACK_CHART.chart}`);
    const collectorService = trunc(`${releaseName}-otel-collector`);
    return {
        fullname,
        operatorsRelease: `${releaseName}-operators`,
        hyperdxService: `${fullname}-app`,
        collectorService,
        collectorHost: `${collectorService}.${namespace}`,
        collectorOtlpHttpEndpoint: `http://${collectorService}.${namespace}:${COLLECTOR_OTLP_HTTP_PORT}`,
        clickhouseHeadlessService: `${fullname}-clickhouse-clickhouse-headless`,
        connectionsSecret: `${fullname}-hyperdx-connections`,
        /** The replica set's PodDisruptionBudget (high availability; the MongoDB operator writes none). */
        mongodbDisruptionBudget: `${fullname}-mongodb`,
    };
}

/** Label selector: every label must match. */
export type PodLabels = Readonly<Record<string, string>>;

/** The pods of each ClickStack workload, as NetworkPolicy selectors. */
export interface ClickStackPods {
    /** The HyperDX app Deployment's pods only. */
    readonly hyperdx: PodLabels;
    /** Every HyperDX pod: the app and the chart's check-alerts tasks, which read MongoDB and ClickHouse too. */
    readonly hyperdxAll: PodLabels;
    /** The gateway collector (the otel-collector subchart). */
    readonly gateway: PodLabels;
    readonly clickhouse: PodLabels;
    readonly keeper: PodLabels;
    readonly mongodb: PodLabels;
    readonly clickhouseOperator: PodLabels;
    readonly mongodbOperator: PodLabels;
    /** This program's retention Job (components/retention/retention.ts), a client of ClickHouse's HTTP port. */
    readonly retentionJob: PodLabels;
}

/**
 * The labels the charts and operators put on each workload's pods at the pinned versions; each
 * selector matches that workload's pods and nothing else in the namespace. Where each comes from:
 * - HyperDX: clickstack 3.0.2 templates/hyperdx/deployment.yaml (`clickstack.selectorLabels` + `app:
 *   <fullname>`); the check-alerts CronJob has the selector labels without `app`;
 * - gateway: the opentelemetry-collector subchart under the alias `otel-collector` (its name is the
 *   alias), `component: standalone-collector` in deployment mode;
 * - ClickHouse and Keeper: ClickHouse/clickhouse-operator internal/controller/{clickhouse,keeper}/templates.go:
 *   `clickhouse.com/role` and `app.kubernetes.io/instance: <CR name>-clickhouse|-keeper` (SpecificName),
 *   the CR names being `<fullname>-clickhouse` and `<fullname>-keeper` (clickstack _helpers.tpl);
 * - MongoDB: mongodb/mongodb-kubernetes 1.7.0 mongodb-community-operator/controllers/construct/
 *   mongodbstatefulset.go: `app: <CR name>-svc`, the CR being `<fullname>-mongodb`;
 * - the operators: mongodb-kubernetes 1.7.0 templates/operator.yaml and clickhouse-operator-helm
 *   templates/manager/manager.yaml, released as `<release>-operators`.
 */
export function clickstackPods(releaseName: string): ClickStackPods {
    const names = clickstackNames(releaseName, "");
    const hyperdxAll = { "app.kubernetes.io/name": CLICKSTACK_CHART.chart, "app.kubernetes.io/instance": releaseName };
    return {
        hyperdx: { ...hyperdxAll, app: names.fullname },
        hyperdxAll,
        gateway: { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/instance": releaseName, component: "standalone-collector" },
        clickhouse: { "clickhouse.com/role": "clickhouse-server", "app.kubernetes.io/instance": `${names.fullname}-clickhouse-clickhouse` },
        keeper: { "clickhouse.com/role": "clickhouse-keeper", "app.kubernetes.io/instance": `${names.fullname}-keeper-keeper` },
        mongodb: { app: `${names.fullname}-mongodb-svc` },
        clickhouseOperator: { "app.kubernetes.io/name": "clickhouse-operator", "app.kubernetes.io/instance": names.operatorsRelease, "control-plane": "controller-manager" },
        mongodbOperator: { "app.kubernetes.io/name": "mongodb-kubernetes-operator", "app.kubernetes.io/component": "controller" },
        retentionJob: retentionJobLabels(releaseName),
    };
}
