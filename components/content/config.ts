// Dashboards and alerts' slice of the stack config (`content`, `alerting`): which packs, for which
// clusters, and where alerts notify. That it needs the bootstrap's admin is a rule of config/rules.ts.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { slice } from "../common/config-slice";
import { ContentChoice, PACK_NAMES, PackName, WEBHOOK_SERVICES } from "./packs";

/** A webhook's name is also the key of its URL in the Secret the Job mounts: a Secret data key. */
const WEBHOOK_NAME = /^[-._a-zA-Z0-9]{1,253}$/;

const contentSchema = z.strictObject({
    packs: z.array(z.enum(PACK_NAMES as [PackName, ...PackName[]], { error: `must be one of ${PACK_NAMES.join(", ")}` }), { error: `must be a list of packs, e.g. [${PACK_NAMES.join(", ")}]` })
        .refine((packs) => new Set(packs).size === packs.length, "lists a pack twice").optional(),
    clusters: z.array(z.string().regex(/^[^\s"\\]+$/, "must be k8s.cluster.name values: no whitespace, quotes or backslashes"), { error: "must be a list of cluster names, e.g. [prod, edge-1]" })
        .min(1, "must name at least one cluster").optional(),
}, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: packs, clusters` : "must be an object with packs and clusters" });

const webhookSchema = z.strictObject({
    name: z.string({ error: "is required" }).regex(WEBHOOK_NAME, "must be 1–253 of letters, digits, '-', '_' and '.' (it names the URL's key in a Secret)"),
    service: z.enum(WEBHOOK_SERVICES, { error: `must be one of ${WEBHOOK_SERVICES.join(", ")}` }),
    url: z.url({ protocol: /^https$/, error: "must be an https:// URL (the webhook's URL is a credential: set it with --secret)" }),
}, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: name, service, url` : "must be an object with name, service and url" });

const alertingSchema = z.strictObject({
    webhooks: z.array(webhookSchema, { error: "must be a list of {name, service, url}" })
        .refine((hooks) => new Set(hooks.map((h) => h.name)).size === hooks.length, "names a webhook twice").default([]),
    channel: z.string().optional(),
}, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: webhooks, channel` : "must be an object with webhooks and channel" })
    .superRefine((a, ctx) => {
        if (a.channel !== undefined && !a.webhooks.some((h) => h.name === a.channel)) {
            ctx.addIssue({ code: "custom", path: ["channel"], message: `must be the name of one of alerting.webhooks (${a.webhooks.map((h) => h.name).join(", ") || "none given"})` });
        }
    });

/** The command that stores a webhook URL encrypted (an object with one secret leaf is secret as a whole: pkg config object.go Secure()). */
export const setWebhookUrlCommand = (index: number) => `pulumi config set --secret --path 'alerting.webhooks[${index}].url' <url>`;

export interface ContentConfig {
    /**
     * Dashboards, saved searches and alerts applied to HyperDX by a Job after the bootstrap
     * (`content`, `alerting`); undefined without the bootstrap (the Job logs in as its admin).
     */
    readonly content?: {
        readonly choice: ContentChoice;
        /** Webhook name → URL, a Pulumi secret: each URL is a credential. */
        readonly webhookUrls: pulumi.Output<Record<string, string>>;
    };
}

export const contentConfig = slice({
    name: "content",
    defaults: { content: {}, alerting: {} },
    shape: {
        content: contentSchema.default({}),
        alerting: alertingSchema.optional(),
    },
    secretKeys: ["alerting"],
    plaintextMessage: () => `alerting holds webhook URLs in plain text in the stack config; each URL is a credential: set each again with \`${setWebhookUrlCommand(0)}\` (index 0, 1, …) (given: [secret])`,
    // Whether the content Job runs at all follows the bootstrap (config/index.ts).
    toConfig: (c): ContentConfig => ({
        content: {
            choice: {
                packs: c.content.packs ?? PACK_NAMES,
                clusters: c.content.clusters ?? [c.clusterName],
                webhooks: (c.alerting?.webhooks ?? []).map(({ name, service }) => ({ name, service })),
                // The first webhook unless one is named.
                channel: c.alerting?.channel ?? c.alerting?.webhooks[0]?.name,
            },
            webhookUrls: pulumi.secret(Object.fromEntries((c.alerting?.webhooks ?? []).map((h) => [h.name, h.url]))),
        },
    }),
});
