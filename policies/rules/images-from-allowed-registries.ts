import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowListSchema, isAllowed, kindOf, objectName, podSpecOf, Props } from "../kubernetes";

export interface AllowedRegistriesConfig {
    /** Registry prefixes (host and optional path) images may come from; empty: the policy is off. */
    allowedRegistries?: string[];
}

/** Whether `image` lies under `prefix` (a registry host and optional path, on a path boundary). */
export function underRegistry(image: string, prefix: string): boolean {
    const p = prefix.replace(/\/+$/, "");
    return image.startsWith(`${p}/`);
}

/** Every container of a pod spec, with the field it is under. */
function containerImages(spec: Props): { field: string; name?: string; image?: string }[] {
    return ["containers", "initContainers", "ephemeralContainers"].flatMap((field) =>
        ((spec[field] ?? []) as { name?: string; image?: string }[]).map((c) => ({ field, name: c.name, image: c.image })));
}

/**
 * Air-gapped and mirrored clusters: every image of every pod template comes from a registry the
 * pack's config allows (`allowedRegistries`, e.g. ["registry.internal/mirror"]). Off while the list
 * is empty. Operator-made pods (ClickHouse, Keeper, MongoDB) are not in the program: the operators'
 * settings point them at the mirror (components/clickstack/clickstack-images.ts).
 */
export const policy: ResourceValidationPolicy = {
    name: "images-from-allowed-registries",
    description: "Every container, init container and ephemeral container image comes from a registry in the pack config's allowedRegistries (off when the list is empty).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ...allowListSchema.properties,
            allowedRegistries: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Registry prefixes (host and optional path) images may come from, e.g. registry.internal/mirror. Empty: the policy checks nothing.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const allowed = args.getConfig<AllowedRegistriesConfig>().allowedRegistries ?? [];
        const spec = podSpecOf(args.type, args.props);
        if (allowed.length === 0 || spec === undefined || isAllowed(args)) return;
        for (const c of containerImages(spec)) {
            if (c.image === undefined || allowed.some((prefix) => underRegistry(c.image!, prefix))) continue;
            reportViolation(`${kindOf(args.type)} ${objectName(args)}: ${c.field} ${c.name} pulls ${c.image}, which is not under an allowed registry (${allowed.join(", ")}); set imageRegistry, or add the registry to allowedRegistries.`);
        }
    },
};
