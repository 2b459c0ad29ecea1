// Retention and capacity: how long each signal is kept, and the self-hosted ClickHouse sized for it.
// The model is ClickStack's resource estimation guide (clickhouse.com/docs/clickstack/managing/
// estimating-resources): figures are raw (uncompressed) ingest; about 10× compression on disk;
// ingest needs 1 vCPU per 10 MB/s, and queries 1 vCPU per QPS plus 1 vCPU per 10 MB/s of ingest.
// The guide gives no memory figure; 4 GiB per vCPU is ClickHouse Cloud's compute ratio.

/** Hours each signal is kept. */
export interface Retention {
    readonly logs: number;
    readonly traces: number;
    readonly metrics: number;
    readonly sessions: number;
}

export const DEFAULT_RETENTION_HOURS = 720; // HyperDX 2.30.1's HYPERDX_OTEL_EXPORTER_TABLES_TTL default
export const MIN_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 10 * 365 * 24;

/** "14d" or "720h" → hours; anything else → undefined. */
export function parseRetention(value: string): number | undefined {
    const m = /^([1-9][0-9]*)(d|h)$/.exec(value.trim());
    if (!m) return undefined;
    return Number(m[1]) * (m[2] === "d" ? 24 : 1);
}

/** What the collector's env takes (a Go duration in hours) and the retention script reads. */
export const hoursEnv = (hours: number) => `${hours}h`;

export const longest = (r: Retention) => Math.max(r.logs, r.traces, r.metrics, r.sessions);

const COMPRESSION = 10;
const MB_PER_S_PER_INGEST_VCPU = 10;
const GIB_PER_VCPU = 4;
/** Free space kept above the data: merges write new parts before old ones go. */
const DISK_HEADROOM = 0.3;
const DEFAULT_QUERY_CORES = 1;
/**
 * The largest node one ClickHouse replica is planned onto: 64 vCPU (AWS m7i.16xlarge, GCP
 * n2-standard-64, Azure D64s). HyperDX queries the local tables, not `Distributed` ones, so more
 * shards do not help it; beyond this, the answer is a bigger node or Managed ClickStack.
 */
export const LARGEST_NODE_VCPU = 64;

export interface CapacityInput {
    /** Raw (uncompressed) ingest, MB/s, sustained. */
    readonly ingestMBps: number;
    /** Query load in vCPUs (the guide: 1 per query per second). @default 1 */
    readonly queryCores?: number;
}

export interface CapacityPlan {
    readonly inputs: { readonly ingestMBps: number; readonly queryCores: number; readonly longestRetentionDays: number };
    /** Per replica: each ClickHouse replica gets these. */
    readonly cpu: { readonly value: number; readonly formula: string };
    readonly memoryGi: { readonly value: number; readonly formula: string };
    readonly dataSizeGi: { readonly value: number; readonly formula: string };
    /** ClickHouse replicas; every one holds all the data. */
    readonly replicas: number;
    /** What all replicas take together. */
    readonly total: { readonly cpu: number; readonly memoryGi: number; readonly dataSizeGi: number };
    /** The most raw ingest one replica's node can take (LARGEST_NODE_VCPU); beyond it, a bigger node or Managed ClickStack. */
    readonly ceiling: { readonly ingestMBps: number; readonly formula: string };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Sizes each ClickHouse replica for the load (replicas do not share it: each ingests and holds everything). */
export function planCapacity(input: CapacityInput, retention: Retention, replicas = 1): CapacityPlan {
    const queryCores = input.queryCores ?? DEFAULT_QUERY_CORES;
    const ingestCores = input.ingestMBps / MB_PER_S_PER_INGEST_VCPU;
    const cpu = Math.max(2, Math.ceil(2 * ingestCores + queryCores));
    const days = longest(retention) / 24;
    const rawGi = (input.ingestMBps * 86400 * days) / 1024;
    const dataGi = Math.ceil((rawGi / COMPRESSION) * (1 + DISK_HEADROOM));
    // cpu = 2 × ingest ÷ 10 + queries, solved for ingest at the largest node.
    const ceilingMBps = Math.max(0, Math.floor(((LARGEST_NODE_VCPU - queryCores) * MB_PER_S_PER_INGEST_VCPU) / 2));
    return {
        inputs: { ingestMBps: input.ingestMBps, queryCores, longestRetentionDays: round1(days) },
        cpu: { value: cpu, formula: `ceil(${input.ingestMBps} MB/s ÷ ${MB_PER_S_PER_INGEST_VCPU} (ingest) + ${input.ingestMBps} MB/s ÷ ${MB_PER_S_PER_INGEST_VCPU} (query scan) + ${queryCores} (queries)), at least 2` },
        memoryGi: { value: cpu * GIB_PER_VCPU, formula: `${cpu} vCPU × ${GIB_PER_VCPU} GiB` },
        dataSizeGi: { value: dataGi, formula: `ceil(${input.ingestMBps} MB/s × 86400 s × ${round1(days)} d ÷ 1024 ÷ ${COMPRESSION} (compression) × ${1 + DISK_HEADROOM} (headroom))` },
        replicas,
        total: { cpu: cpu * replicas, memoryGi: cpu * GIB_PER_VCPU * replicas, dataSizeGi: dataGi * replicas },
        ceiling: {
            ingestMBps: ceilingMBps,
            formula: `(${LARGEST_NODE_VCPU} vCPU, the largest node planned for − ${queryCores} (queries)) × ${MB_PER_S_PER_INGEST_VCPU} MB/s ÷ 2 (ingest and query scan): beyond it, a bigger node or Managed ClickStack (HyperDX queries local tables, so shards do not help)`,
        },
    };
}
