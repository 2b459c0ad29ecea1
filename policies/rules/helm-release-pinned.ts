import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowListSchema, isAllowed, TYPES } from "../kubernetes";

const EXACT_VERSION = /^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
/** A chart given as a local directory or archive carries its own version. */
const LOCAL_CHART = /^(\.{0,2}\/|[^:]+\.tgz$)/;

/**
 * Every helm.v3.Release pins an exact chart version. A helm.v4.Chart is a component and reaches
 * policies without its inputs (pulumi-kubernetes#2144), so its pin is checked by the program's tests.
 */
export const policy: ResourceValidationPolicy = {
    name: "helm-release-pinned",
    description: "Every helm.v3.Release pins an exact chart version (not empty, not a range).",
    enforcementLevel: "mandatory",
    configSchema: allowListSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.helmRelease || isAllowed(args)) return;
        const chart: string = args.props.chart ?? "";
        if (LOCAL_CHART.test(chart)) return;
        const version: string | undefined = args.props.version;
        if (!version) {
            reportViolation(`Helm release ${args.name} (chart ${chart}) pins no version; set an exact chart version.`);
        } else if (!EXACT_VERSION.test(version)) {
            reportViolation(`Helm release ${args.name} (chart ${chart}) has version "${version}", a range; set an exact chart version.`);
        }
    },
};
