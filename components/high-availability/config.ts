// High availability's slice of the stack config: one switch for the replicated layout of a central
// stack, the replica counts a user may override, and the node label that names a zone.
import { z } from "zod";
import { booleanish, slice } from "../common/config-slice";

/** The replicated layout (components/high-availability/layout.ts turns it into chart values). */
export interface HighAvailability {
    /** ClickHouse replicas in its one shard (self-hosted; every replica holds all the data). */
    readonly clickhouseReplicas: number;
    /** Keeper replicas: odd, a quorum that survives the loss of fewer than half. */
    readonly keeperReplicas: number;
    /** MongoDB replica set members: odd, for the same reason. */
    readonly mongodbMembers: number;
    readonly hyperdxReplicas: number;
    /** The gateway collector's replicas; the HorizontalPodAutoscaler's floor. */
    readonly gatewayReplicas: number;
    /** The HorizontalPodAutoscaler's ceiling for the gateway. */
    readonly gatewayMaxReplicas: number;
    /** The node label whose values are zones; undefined = spread across nodes only. */
    readonly zoneKey?: string;
}

export interface HighAvailabilityConfig {
    /** Set when `highAvailability.enabled` is true (self-hosted and managed stacks). */
    readonly highAvailability?: HighAvailability;
}

/** The sound layout the switch gives. */
export const HA_DEFAULTS = {
    clickhouseReplicas: 2,
    keeperReplicas: 3,
    mongodbMembers: 3,
    hyperdxReplicas: 2,
    gatewayReplicas: 2,
    gatewayMaxReplicas: 6,
    zoneKey: "topology.kubernetes.io/zone",
} as const;

/** Keys that only apply with a self-hosted ClickHouse. */
const SELF_HOSTED_ONLY = ["clickhouseReplicas", "keeperReplicas"] as const;

// A label key: an optional DNS-subdomain prefix and a name of at most 63 characters (Kubernetes qualified name).
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

const count = (what: string, max: number) =>
    z.union([z.number(), z.string().regex(/^[0-9]+$/).transform(Number)], { error: `must be a whole number (${what})` })
        .pipe(z.number().int("must be a whole number").min(1, "must be at least 1").max(max, `must be at most ${max}`));

/** The keys of `highAvailability`, each optional: unset, the switch's layout applies. */
const FIELDS = {
    enabled: booleanish.optional(),
    zoneKey: z.union([z.literal(""), z.string().regex(LABEL_KEY, "must be a node label key such as topology.kubernetes.io/zone, or \"\" to spread across nodes only")]).optional(),
    clickhouseReplicas: count("ClickHouse replicas, e.g. 2", 10).optional(),
    keeperReplicas: count("Keeper replicas, e.g. 3", 7).optional(),
    // A replica set has at most 7 voting members.
    mongodbMembers: count("MongoDB members, e.g. 3", 7).optional(),
    hyperdxReplicas: count("HyperDX replicas, e.g. 2", 20).optional(),
    gatewayReplicas: count("gateway replicas, e.g. 2", 100).optional(),
    gatewayMaxReplicas: count("the gateway autoscaler's ceiling, e.g. 6", 100).optional(),
};
const KEYS = Object.keys(FIELDS);

export const highAvailabilityConfig = slice({
    name: "high-availability",
    defaults: { highAvailability: {} },
    shape: {
        highAvailability: z.strictObject(FIELDS, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: ${KEYS.join(", ")}` : `must be an object such as {enabled: true}; keys: ${KEYS.join(", ")}` }).default({}),
    },
    rules: (c, problem) => {
        const ha = c.highAvailability;
        const overrides = KEYS.filter((k) => k !== "enabled" && ha[k as keyof typeof ha] !== undefined);
        if (ha.enabled !== true) {
            for (const key of overrides) problem(`highAvailability.${key}`, "has no effect unless highAvailability.enabled is true; set enabled: true, or remove it");
            return;
        }
        if (c.mode === "agent") {
            problem("highAvailability", "is not allowed when mode is agent: an agent stack runs only the collectors (one per node and one cluster-wide, which must stay single); set it on the central stack");
            return;
        }
        if (c.mode === "managed") {
            for (const key of SELF_HOSTED_ONLY.filter((k) => ha[k] !== undefined)) {
                problem(`highAvailability.${key}`, "does not apply when mode is managed: ClickHouse Cloud runs and replicates ClickHouse; remove it");
            }
        }
        const layout = { ...HA_DEFAULTS, ...ha };
        if (c.mode === "self-hosted") {
            if (layout.keeperReplicas % 2 === 0) {
                problem("highAvailability.keeperReplicas", `is ${layout.keeperReplicas}; it must be odd (1, 3 or 5): Keeper needs a majority to work, and ${layout.keeperReplicas} replicas survive no more losses than ${layout.keeperReplicas - 1}; set ${layout.keeperReplicas - 1} or ${layout.keeperReplicas + 1}`);
            }
            if (layout.clickhouseReplicas > 1 && layout.keeperReplicas < 3) {
                problem("highAvailability.keeperReplicas", `is ${layout.keeperReplicas} with ${layout.clickhouseReplicas} ClickHouse replicas; replication needs 3 Keepers: with one, losing its node stops every insert and all replication; set keeperReplicas to 3`);
            }
        }
        if (layout.mongodbMembers % 2 === 0) {
            problem("highAvailability.mongodbMembers", `is ${layout.mongodbMembers}; it must be odd (1, 3 or 5): a replica set elects a primary only with a majority, and ${layout.mongodbMembers} members survive no more losses than ${layout.mongodbMembers - 1}; set ${layout.mongodbMembers - 1} or ${layout.mongodbMembers + 1}`);
        }
        if (layout.gatewayMaxReplicas < layout.gatewayReplicas) {
            problem("highAvailability.gatewayMaxReplicas", `is ${layout.gatewayMaxReplicas}, below gatewayReplicas ${layout.gatewayReplicas}; the autoscaler's ceiling must be at least its floor`);
        }
    },
    toConfig: (c): HighAvailabilityConfig => {
        const ha = c.highAvailability;
        if (ha.enabled !== true || c.mode === "agent") return {};
        const layout = { ...HA_DEFAULTS, ...ha };
        return {
            highAvailability: {
                clickhouseReplicas: layout.clickhouseReplicas,
                keeperReplicas: layout.keeperReplicas,
                mongodbMembers: layout.mongodbMembers,
                hyperdxReplicas: layout.hyperdxReplicas,
                gatewayReplicas: layout.gatewayReplicas,
                gatewayMaxReplicas: layout.gatewayMaxReplicas,
                zoneKey: layout.zoneKey === "" ? undefined : layout.zoneKey,
            },
        };
    },
});
