// The pipeline pack: the two Kubernetes collectors watched through their own metrics, which they push
// to the gateway (internalTelemetryViaOTLP in values/k8s-common.yaml) tagged with k8s.cluster.name and
// service.name = their release (components/collectors/collectors.ts). Names are the collector core's
// (exporterhelper, receiverhelper at v0.158.0; test/fixtures/collector-metrics.yaml). They are
// cumulative sums: `increase` gives the items per bucket and survives restarts.
import { COLLECTOR_RELEASES, sendingQueueSize } from "../../collectors/collectors";
import { Alert, ContentPack, SelectItem, Tile } from "./types";

const COLLECTOR = "ResourceAttributes['service.name']";
const counter = (metricName: string, alias: string): SelectItem =>
    ({ aggFn: "increase", valueExpression: "Value", metricType: "sum", metricName, alias });
const tile = (name: string, x: number, y: number, select: SelectItem[]): Tile =>
    ({ name, x, y, w: 12, h: 8, config: { displayType: "line", source: "Metrics", select, groupBy: COLLECTOR } });

const TILES = {
    failedLogs: "Log records failed to send",
    failedMetrics: "Metric points failed to send",
    queue: (capacity: number) => `Sending queue size (capacity ${capacity})`,
};
/** When the alert fires: most of the queue in use means the gateway is not keeping up. */
const QUEUE_ALERT_RATIO = 0.8;
const WHERE_TO_LOOK = `the collector's logs (\`kubectl logs deploy/${COLLECTOR_RELEASES.deployment}\`, \`kubectl logs ds/${COLLECTOR_RELEASES.daemonset}\`), the ClickStack gateway (is it running, out of memory?) and ClickHouse (inserts refused, disk full)`;

/** Items of one signal lost after the exporter's retries, two windows in a row. */
const exportFailing = (signal: string, items: string, tile: string): Alert => ({
    key: `pipeline-export-failing-${signal}`,
    name: `Collector failing to export ${items}`,
    message: `A Kubernetes collector failed to send ${items} to the gateway for 10 minutes (after its retries): those ${items} are lost. Look at ${WHERE_TO_LOOK}. A 401 in the logs means the ingestion key is wrong.`,
    on: { dashboard: "pipeline", tile },
    interval: "5m", threshold: 0, thresholdType: "above_exclusive", numConsecutiveWindows: 2,
});

export function pipelinePack(queueSize: number = sendingQueueSize()): ContentPack {
    const queueAlertAt = Math.floor(queueSize * QUEUE_ALERT_RATIO);
    return {
        savedSearches: [],
        dashboards: [{
            key: "pipeline",
            name: "Telemetry pipeline: Kubernetes collectors",
            filters: [{ name: "Cluster", expression: "ResourceAttributes['k8s.cluster.name']", source: "Metrics", sourceMetricType: "sum" }],
            tiles: [
                tile("Items accepted by receivers", 0, 0, [
                    counter("otelcol_receiver_accepted_log_records", "log records"),
                    counter("otelcol_receiver_accepted_metric_points", "metric points"),
                ]),
                tile("Items refused by receivers (memory limiter)", 12, 0, [
                    counter("otelcol_receiver_refused_log_records", "log records"),
                    counter("otelcol_receiver_refused_metric_points", "metric points"),
                ]),
                tile("Items sent to the gateway", 0, 8, [
                    counter("otelcol_exporter_sent_log_records", "log records"),
                    counter("otelcol_exporter_sent_metric_points", "metric points"),
                ]),
                tile("Items not queued (queue full)", 12, 8, [
                    counter("otelcol_exporter_enqueue_failed_log_records", "log records"),
                    counter("otelcol_exporter_enqueue_failed_metric_points", "metric points"),
                ]),
                tile(TILES.failedLogs, 0, 16, [counter("otelcol_exporter_send_failed_log_records", "log records")]),
                tile(TILES.failedMetrics, 12, 16, [counter("otelcol_exporter_send_failed_metric_points", "metric points")]),
                // One series only: the alert on this tile compares every series with its threshold.
                tile(TILES.queue(queueSize), 0, 24, [
                    { aggFn: "max", valueExpression: "Value", metricType: "gauge", metricName: "otelcol_exporter_queue_size", alias: "in queue" },
                ]),
            ],
        }],
        alerts: [
            exportFailing("logs", "log records", TILES.failedLogs),
            exportFailing("metrics", "metric points", TILES.failedMetrics),
            {
                key: "pipeline-queue-full",
                name: "Collector sending queue nearly full",
                message: `A Kubernetes collector's sending queue held more than ${queueAlertAt} of its ${queueSize} batches for 10 minutes: the gateway is not keeping up, and a full queue drops data. Look at ${WHERE_TO_LOOK}.`,
                on: { dashboard: "pipeline", tile: TILES.queue(queueSize) },
                interval: "5m", threshold: queueAlertAt, thresholdType: "above_exclusive", numConsecutiveWindows: 2,
            },
        ],
    };
}
