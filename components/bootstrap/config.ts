// The bootstrap's slice of the stack config: the Job that registers the admin and writes the
// ingestion key. Whether it runs at all also depends on `mode` and `ingestionApiKey` (config/rules.ts).
import { z } from "zod";
import { booleanish, slice } from "../common/config-slice";

export interface BootstrapConfig {
    /**
     * The HyperDX bootstrap Job: registers the admin and fills the ingestion Secret. Off when
     * `ingestionApiKey` is set (the key then comes from config, as before).
     */
    readonly bootstrap: { readonly enabled: boolean; readonly adminEmail: string; readonly rotation: number };
}

/** Whether the bootstrap object says anything but its defaults. */
export function bootstrapSet(b: { enabled: boolean; adminEmail?: string; rotation: number }): boolean {
    return !b.enabled || b.adminEmail !== undefined || b.rotation !== 0;
}

export const bootstrapConfig = slice({
    name: "bootstrap",
    defaults: { bootstrap: {} },
    shape: {
        bootstrap: z.strictObject({
            enabled: booleanish.default(true),
            adminEmail: z.email({ error: "must be an email address such as admin@example.com" }).optional(),
            rotation: z.union([z.number(), z.string().regex(/^[0-9]+$/).transform(Number)], { error: "must be a whole number (0, 1, 2, …)" })
                .pipe(z.number().int("must be a whole number (0, 1, 2, …)").min(0, "must be 0 or more")).default(0),
        }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: enabled, adminEmail, rotation` : "must be an object with enabled, adminEmail, rotation" }).default({ enabled: true, rotation: 0 }),
    },
    // `enabled` here is the switch; config/index.ts turns it off where the bootstrap cannot run (bootstrapRuns).
    toConfig: (c): BootstrapConfig => ({
        bootstrap: {
            enabled: c.bootstrap.enabled,
            adminEmail: c.bootstrap.adminEmail ?? `admin@${c.namespace}.local`,
            rotation: c.bootstrap.rotation,
        },
    }),
});
