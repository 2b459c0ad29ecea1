// The pack's policies, one module each under rules/.
import { Policies } from "@pulumi/policy";
import { policy as containerResources } from "./rules/container-resources";
import { policy as helmReleasePinned } from "./rules/helm-release-pinned";
import { policy as imagesFromAllowedRegistries } from "./rules/images-from-allowed-registries";
import { policy as imageTagsPinned } from "./rules/image-tags-pinned";
import { policy as ingressTls } from "./rules/ingress-tls";
import { policy as noHostNetworkExposure } from "./rules/no-host-network-exposure";
import { policy as noPlainCredentials } from "./rules/no-plain-credentials";
import { policy as replicatedWorkloadsGuarded } from "./rules/replicated-workloads-guarded";
import { policy as servicesClusterIp } from "./rules/services-cluster-ip";
import { policy as statefulDataProtected } from "./rules/stateful-data-protected";

export const policies: Policies = [
    servicesClusterIp,
    ingressTls,
    helmReleasePinned,
    noPlainCredentials,
    noHostNetworkExposure,
    imagesFromAllowedRegistries,
    containerResources,
    imageTagsPinned,
    statefulDataProtected,
    replicatedWorkloadsGuarded,
];
