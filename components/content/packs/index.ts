// The content packs, and the document the provisioning Job applies (components/content/hyperdx-content.mjs):
// the chosen packs merged, every alert given its notification channel. Checked here, before any
// resource exists: unique keys, tiles and alert targets that exist.
import { kubernetesPack } from "./kubernetes";
import { pipelinePack } from "./pipeline";
import { Alert, ContentPack, Dashboard, SavedSearch } from "./types";

/** Each pack, built for the clusters that send to this HyperDX. Add a pack here and it can be chosen in `content.packs`. */
export const PACKS = {
    kubernetes: (clusters: readonly string[]) => kubernetesPack(clusters),
    pipeline: () => pipelinePack(),
} as const satisfies Record<string, (clusters: readonly string[]) => ContentPack>;
export type PackName = keyof typeof PACKS;
export const PACK_NAMES = Object.keys(PACKS) as PackName[];

/** Who owns what the Job writes: a tag on dashboards and saved searches, the start of a webhook's description and an alert's note. */
export const OWNER = "clickstack-k8s";
/** Keys of dashboards and saved searches go into a tag `<OWNER>/<key>`; HyperDX caps tags at 32 characters (MAX_TAG_LENGTH). */
export const KEY_PATTERN = new RegExp(`^[a-z0-9][a-z0-9-]{0,${32 - OWNER.length - 2}}$`);

export const WEBHOOK_SERVICES = ["slack", "generic", "incidentio"] as const;
export type WebhookService = typeof WEBHOOK_SERVICES[number];
export interface Webhook {
    readonly name: string;
    readonly service: WebhookService;
    /** The request body template (Handlebars) of generic and incident.io webhooks; Slack's is fixed. */
    readonly body?: string;
}

/**
 * The bodies HyperDX's UI fills in when a generic or incident.io webhook is saved without one
 * (packages/app/src/components/TeamSettings/WebhookForm.tsx at 2.30.1). The external API stores
 * none, and a webhook without a body fails when an alert fires: the alert task compiles
 * `webhook.body` as a template (packages/api/src/tasks/checkAlerts/template.ts, sendGenericWebhook).
 */
export const WEBHOOK_BODIES: Readonly<Record<Exclude<WebhookService, "slack">, string>> = {
    generic: `{"text": "${["{{title}}", "{{body}}", "{{link}}", "{{state}}", "{{startTime}}", "{{endTime}}", "{{eventId}}"].join(" | ")}"}`,
    incidentio: `{
  "title": "{{title}}",
  "description": "{{body}}",
  "deduplication_key": "{{eventId}}",
  "status": "{{#if (eq state "ALERT")}}firing{{else}}resolved{{/if}}",
  "source_url": "{{link}}"
}`,
};

/** What the Job reads from its ConfigMap. Webhook URLs are not in it: they come from a Secret. */
export interface ContentDocument {
    readonly owner: string;
    readonly packs: readonly PackName[];
    readonly webhooks: readonly Webhook[];
    readonly savedSearches: readonly SavedSearch[];
    readonly dashboards: readonly Dashboard[];
    readonly alerts: readonly (Alert & { readonly channel: string })[];
}

export interface ContentChoice {
    readonly packs: readonly PackName[];
    /** k8s.cluster.name of every cluster sending here. */
    readonly clusters: readonly string[];
    readonly webhooks: readonly Webhook[];
    /** The webhook every alert notifies; without one no alert is created (HyperDX requires a channel). */
    readonly channel?: string;
}

/** The document for the chosen packs. Throws on a pack that contradicts itself (a programming error). */
export function renderContent(choice: ContentChoice): ContentDocument {
    const packs = choice.packs.map((name) => PACKS[name](choice.clusters));
    const savedSearches = packs.flatMap((p) => p.savedSearches);
    const dashboards = packs.flatMap((p) => p.dashboards);
    const alerts = packs.flatMap((p) => p.alerts);
    checkPack(savedSearches, dashboards, alerts);
    if (choice.channel !== undefined && !choice.webhooks.some((w) => w.name === choice.channel)) {
        throw new Error(`alert channel ${choice.channel} is not one of the webhooks (${choice.webhooks.map((w) => w.name).join(", ") || "none"})`);
    }
    return {
        owner: OWNER,
        packs: choice.packs,
        webhooks: choice.webhooks.map((w) => (w.service === "slack" ? w : { body: WEBHOOK_BODIES[w.service], ...w })),
        savedSearches,
        dashboards,
        alerts: choice.channel === undefined ? [] : alerts.map((alert) => ({ ...alert, channel: choice.channel! })),
    };
}

/** Alerts the packs define, whether or not a channel lets them be created. */
export const definedAlerts = (choice: ContentChoice): number =>
    choice.packs.reduce((n, name) => n + PACKS[name](choice.clusters).alerts.length, 0);

/** Refuses a pack that contradicts itself or that HyperDX would refuse, listing every problem. */
export function checkPack(savedSearches: readonly SavedSearch[], dashboards: readonly Dashboard[], alerts: readonly Alert[]): void {
    const problems: string[] = [];
    const duplicates = (keys: string[]) => keys.filter((k, i) => keys.indexOf(k) !== i);
    for (const [kind, keys] of [["saved search", savedSearches.map((s) => s.key)], ["dashboard", dashboards.map((d) => d.key)], ["alert", alerts.map((a) => a.key)]] as const) {
        for (const key of duplicates([...keys])) problems.push(`${kind} key ${key} is used twice`);
        if (kind !== "alert") for (const key of keys.filter((k) => !KEY_PATTERN.test(k))) problems.push(`${kind} key ${key} must match ${KEY_PATTERN}`);
    }
    for (const d of dashboards) {
        for (const name of duplicates(d.tiles.map((t) => t.name))) problems.push(`dashboard ${d.key} has two tiles named ${name}`);
        // HyperDX 2.30.1 refuses these (externalDashboardSelectItemSchema, packages/api/src/utils/zod.ts);
        // found by running the content Job against it (e2e 6c).
        for (const t of d.tiles) {
            t.config.select.forEach((q, i) => {
                if (q.aggFn === "count" && q.valueExpression) problems.push(`dashboard ${d.key} tile "${t.name}" select ${i}: count takes no valueExpression`);
                if (q.aggFn !== "count" && !q.valueExpression) problems.push(`dashboard ${d.key} tile "${t.name}" select ${i}: ${q.aggFn} needs a valueExpression`);
            });
        }
    }
    for (const a of alerts) {
        if ("dashboard" in a.on) {
            const { dashboard: key, tile: name } = a.on;
            const tile = dashboards.find((d) => d.key === key)?.tiles.find((t) => t.name === name);
            if (!tile) problems.push(`alert ${a.key} is on tile "${name}" of dashboard ${key}, which does not exist`);
        } else if (!savedSearches.some((s) => s.key === (a.on as { savedSearch: string }).savedSearch)) {
            problems.push(`alert ${a.key} is on saved search ${a.on.savedSearch}, which does not exist`);
        }
    }
    if (problems.length > 0) throw new Error(`Content packs contradict themselves:\n  - ${problems.join("\n  - ")}`);
}
