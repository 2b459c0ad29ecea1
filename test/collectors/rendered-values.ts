// The values the collector fixtures were rendered from (test/fixtures/collector-configs.yaml and
// collector-daemonset-ours.yaml): fixed ingestion inputs and the default workloads' telemetry. The
// tests that read those fixtures compare this hash with the one in each fixture's header.
import * as crypto from "crypto";
import { buildCollectorValues, CollectorKind } from "../../components/collectors/collectors";
import { parseStackConfig } from "../../config";

/** The values of `kind`; `workloads: false` renders the DaemonSet with the workloads' telemetry off. */
export function renderedValues(kind: CollectorKind, { workloads = true } = {}): Record<string, unknown> {
    return buildCollectorValues(kind, {
        imageTag: "0.158.0", secretName: "hyperdx-secret", secretKey: "HYPERDX_API_KEY", configMapName: "otel-config-vars",
        configMapKey: "YOUR_OTEL_COLLECTOR_ENDPOINT", apiKeyChecksum: "abc", clusterName: "dev",
        workloads: workloads ? parseStackConfig({}).collectors.workloads : undefined,
    });
}

export const valuesHash = (values: unknown): string => crypto.createHash("sha256").update(JSON.stringify(values)).digest("hex");
