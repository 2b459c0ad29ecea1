// Retention and capacity's slice of the stack config: how long each signal is kept, and the
// expected ingest the self-hosted ClickHouse is sized for.
import { z } from "zod";
import { positiveNumber, slice } from "../common/config-slice";
import { CapacityPlan, DEFAULT_RETENTION_HOURS, MAX_RETENTION_HOURS, MIN_RETENTION_HOURS, parseRetention, planCapacity, Retention } from "./capacity";

export interface RetentionConfig {
    /** Hours each signal is kept (`retention`). */
    readonly retention: Retention;
    /** With `capacity`: the derived sizes (self-hosted ClickHouse uses them). */
    readonly capacityPlan?: CapacityPlan;
}

/** A retention such as 14d or 720h, in hours: at least a day, whole hours, at most ten years. */
const retentionSchema = z.string().transform((value, ctx) => {
    const hours = parseRetention(value);
    if (hours === undefined) {
        ctx.addIssue({ code: "custom", message: "must be whole days or hours such as 14d or 720h" });
        return z.NEVER;
    }
    if (hours < MIN_RETENTION_HOURS || hours > MAX_RETENTION_HOURS) {
        ctx.addIssue({ code: "custom", message: `must be at least 1d (24h) and at most 3650d (${MAX_RETENTION_HOURS}h)` });
        return z.NEVER;
    }
    return hours;
});

export const retentionConfig = slice({
    name: "retention",
    defaults: { retention: {}, capacity: {} },
    shape: {
        retention: z.strictObject({
            logs: retentionSchema.default(DEFAULT_RETENTION_HOURS),
            traces: retentionSchema.default(DEFAULT_RETENTION_HOURS),
            metrics: retentionSchema.default(DEFAULT_RETENTION_HOURS),
            sessions: retentionSchema.default(DEFAULT_RETENTION_HOURS),
        }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: logs, traces, metrics, sessions` : "must be an object such as {logs: 14d, traces: 7d}" })
            .default({ logs: DEFAULT_RETENTION_HOURS, traces: DEFAULT_RETENTION_HOURS, metrics: DEFAULT_RETENTION_HOURS, sessions: DEFAULT_RETENTION_HOURS }),
        capacity: z.strictObject({
            ingestMBps: positiveNumber("raw ingest in MB/s, e.g. 5").pipe(z.number().positive("must be more than 0").max(100_000, "must be at most 100000")),
            queryCores: positiveNumber("vCPUs for queries, e.g. 2").pipe(z.number().min(0, "must be 0 or more").max(1024, "must be at most 1024")).optional(),
        }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: ingestMBps, queryCores` : "must be an object with ingestMBps (required) and queryCores" }).optional(),
    },
    toConfig: (c): RetentionConfig => ({
        retention: c.retention,
        ...(c.capacity ? { capacityPlan: planCapacity(c.capacity, c.retention) } : {}),
    }),
});
