// The workloads' own telemetry, through the DaemonSet collector (one per node): an OTLP endpoint that
// needs no key (k8s-otlp-endpoint.yaml) and the scraping of pods annotated prometheus.io/scrape
// (k8s-pod-scrape.yaml). The values overlays, the pipelines they add, and the NetworkPolicy that says
// which namespaces may send.
import * as path from "path";
import { NetworkPolicySpec } from "../clickstack/network-policies";
import { loadValuesObject, mergeValues } from "../common/values-file";

export interface WorkloadTelemetry {
    /** The OTLP endpoint for workloads. @default on, every namespace but kube-system */
    readonly otlp?: {
        /** Only these namespaces may send. @default every namespace */
        readonly namespaces?: readonly string[];
        /** These may not. */
        readonly exceptNamespaces: readonly string[];
    };
    /** Scraping of the pods annotated prometheus.io/scrape, by their node's collector. @default on */
    readonly scrape?: {
        /** Namespaces whose pods are never scraped. */
        readonly exceptNamespaces: readonly string[];
    };
}

/** The ports k8s-otlp-endpoint.yaml opens: OTLP/gRPC and OTLP/HTTP. */
export const OTLP_PORTS = { grpc: 4317, http: 4318 } as const;

const OTLP_VALUES_FILE = path.join(__dirname, "k8s-otlp-endpoint.yaml");
const SCRAPE_VALUES_FILE = path.join(__dirname, "k8s-pod-scrape.yaml");
/** The scraping receiver's name in k8s-pod-scrape.yaml. */
export const SCRAPE_RECEIVER = "prometheus/pods";
/** The processors every pipeline of the collectors runs (k8s-common.yaml), memory_limiter first. */
const PROCESSORS = ["memory_limiter", "resource", "k8s_attributes", "batch"];

/** The DaemonSet's values for the workloads' telemetry, merged over its own file; {} when both are off. */
export function workloadTelemetryValues(w: WorkloadTelemetry): Record<string, unknown> {
    let values: Record<string, unknown> = {};
    if (w.otlp) values = mergeValues(values, loadValuesObject(OTLP_VALUES_FILE));
    if (w.scrape) {
        const scrape = loadValuesObject(SCRAPE_VALUES_FILE);
        const [job] = (scrape as { config: { receivers: Record<string, { config: { scrape_configs: { relabel_configs: unknown[] }[] } }> } })
            .config.receivers[SCRAPE_RECEIVER].config.scrape_configs;
        if (w.scrape.exceptNamespaces.length > 0) {
            job.relabel_configs = [
                { source_labels: ["__meta_kubernetes_namespace"], regex: w.scrape.exceptNamespaces.join("|"), action: "drop" },
                ...job.relabel_configs,
            ];
        }
        values = mergeValues(values, scrape);
    }
    if (!w.otlp && !w.scrape) return values;
    // The chart's presets add their own receivers to these lists (file_log, hostmetrics, kubeletstats).
    const otlp = w.otlp ? ["otlp"] : [];
    return mergeValues(values, {
        config: {
            service: {
                pipelines: {
                    logs: { receivers: otlp },
                    metrics: { receivers: [...otlp, ...(w.scrape ? [SCRAPE_RECEIVER] : [])] },
                    ...(w.otlp ? { traces: { receivers: otlp, processors: PROCESSORS, exporters: ["otlphttp"] } } : {}),
                },
            },
        },
    });
}

/**
 * Who may reach the endpoint's `pods`: pods in the allowed namespaces, on the two OTLP ports, and
 * nothing else (the collector listens on no other port a pod needs; kubelet probes are not pod traffic).
 */
export function workloadEndpointPolicy(otlp: NonNullable<WorkloadTelemetry["otlp"]>, pods: Readonly<Record<string, string>>): NetworkPolicySpec {
    const name = "kubernetes.io/metadata.name";
    const matchExpressions = [
        ...(otlp.namespaces ? [{ key: name, operator: "In" as const, values: [...otlp.namespaces] }] : []),
        ...(otlp.exceptNamespaces.length > 0 ? [{ key: name, operator: "NotIn" as const, values: [...otlp.exceptNamespaces] }] : []),
    ];
    return {
        podSelector: { matchLabels: { ...pods } },
        policyTypes: ["Ingress"],
        ingress: [{
            ports: [OTLP_PORTS.grpc, OTLP_PORTS.http].map((port) => ({ protocol: "TCP" as const, port })),
            from: [{ namespaceSelector: matchExpressions.length > 0 ? { matchExpressions } : {} }],
        }],
    };
}
