import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowListSchema, isAllowed, objectName, Props, TYPES } from "../kubernetes";

/** Whether a TLS host entry covers a rule host; a wildcard covers exactly one label. */
export function tlsCovers(tlsHost: string, host: string): boolean {
    if (tlsHost === host) return true;
    if (!tlsHost.startsWith("*.")) return false;
    const firstDot = host.indexOf(".");
    return firstDot > 0 && host.slice(firstDot + 1) === tlsHost.slice(2);
}

/** Every Ingress terminates TLS for every host it serves, with a certificate Secret. */
export const policy: ResourceValidationPolicy = {
    name: "ingress-tls",
    description: "Every Ingress has spec.tls, every rule host is covered by a TLS entry (a wildcard covers one label), and every TLS entry names a secret.",
    enforcementLevel: "mandatory",
    configSchema: allowListSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.ingress || isAllowed(args)) return;
        const name = objectName(args);
        const tls: Props[] = args.props.spec?.tls ?? [];
        if (tls.length === 0) {
            reportViolation(`Ingress ${name} has no spec.tls; every Ingress must terminate TLS.`);
            return;
        }
        tls.forEach((entry, i) => {
            if (!entry.secretName) reportViolation(`Ingress ${name}: spec.tls[${i}] names no secretName.`);
        });
        const tlsHosts: string[] = tls.flatMap((entry) => entry.hosts ?? []);
        for (const rule of (args.props.spec?.rules ?? []) as Props[]) {
            if (!rule.host) {
                reportViolation(`Ingress ${name} has a rule without host; TLS cannot cover it.`);
            } else if (!tlsHosts.some((tlsHost) => tlsCovers(tlsHost, rule.host))) {
                reportViolation(`Ingress ${name}: host ${rule.host} is not covered by any spec.tls hosts.`);
            }
        }
    },
};
