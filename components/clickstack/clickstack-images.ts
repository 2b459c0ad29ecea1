// The images ClickStack runs at the pinned charts, and the chart values that point them at a
// mirror (`imageRegistry`) with pull secrets (`imagePullSecrets`). Where each image comes from:
// - clickstack 3.0.2 values.yaml: hyperdx.deployment.image (tag: the chart's appVersion),
//   hyperdx.deployment.waitForMongodb.image, otel-collector.image, clickhouse.cluster.spec.containerTemplate.image;
//   `global.imageRegistry` exists but no template reads it, so the repositories are set one by one;
//   `global.imagePullSecrets` reaches the HyperDX Deployment and the check-alerts CronJob;
// - the otel-collector subchart (opentelemetry-collector 0.146.1): `imagePullSecrets`;
// - Keeper: ClickHouse/clickhouse-operator api/v1alpha1/defaults.go defaults to
//   docker.io/clickhouse/clickhouse-keeper:latest; pinned here to the server's tag;
// - ClickHouse and Keeper pods: their CRs' spec.podTemplate.imagePullSecrets;
// - clickhouse-operator-helm 0.0.7 (alias clickhouse-operator): manager.image, manager.imagePullSecrets;
//   its tag defaults to the appVersion, which the operator's Makefile packages as v<version>;
// - mongodb-kubernetes 1.7.0 (alias mongodb-operator) templates/operator.yaml: the operator image from
//   registry.operator; for MongoDBCommunity pods the env MDB_COMMUNITY_AGENT_IMAGE
//   (community.registry.agent), VERSION_UPGRADE_HOOK_IMAGE (registry.versionUpgradeHook),
//   READINESS_PROBE_IMAGE (registry.readinessProbe), and mongod from MDB_COMMUNITY_REPO_URL
//   (community.mongodb.repo) + name + the CR's version; `registry.imagePullSecrets` takes one name.
//   Before mongodb-kubernetes' fix of 2026-09 (after 1.7.0), the `-ubi8` type suffix is added only for
//   the official repositories: from a mirror the operator asks for `…:5.0.32`, so the mirror holds
//   the ubi8 image under that tag (the `target` below).
import { imageRepository, MirroredImage, mirrored, mirrorImage, mirrorRepository, parseImage, pullSecretRefs } from "../common/images";

/** Where images come from: a mirror (registry host and path) or upstream, and the pull secrets. */
export interface ImageSource {
    /** e.g. registry.internal/mirror; undefined: each image's own registry. */
    readonly registry?: string;
    /** Names of existing Secrets of type kubernetes.io/dockerconfigjson. */
    readonly pullSecrets: readonly string[];
}

/**
 * The HyperDX image the chart runs at its pinned version: `hyperdx.deployment.image.tag` defaults to the
 * chart's appVersion (templates/hyperdx/deployment.yaml). It has Node 22, so the bootstrap Job reuses
 * it: no other image to pull or trust.
 */
export const HYPERDX_IMAGE = "docker.hyperdx.io/hyperdx/hyperdx:2.30.1";

export const UPSTREAM_IMAGES: ImageSource = { pullSecrets: [] };

export const CLICKSTACK_IMAGES = {
    hyperdx: HYPERDX_IMAGE,
    waitForMongodb: "busybox@sha256:1fcf5df59121b92d61e066df1788e8df0cc35623f5d62d9679a41e163b6a0cdb",
    gateway: "docker.clickhouse.com/clickhouse/clickstack-otel-collector:2.30.1",
    clickhouse: "clickhouse/clickhouse-server:25.7-alpine",
    keeper: "clickhouse/clickhouse-keeper:25.7-alpine",
    clickhouseOperator: "ghcr.io/clickhouse/clickhouse-operator:v0.0.7",
    mongodbOperator: "quay.io/mongodb/mongodb-kubernetes:1.7.0",
    mongodbAgent: "quay.io/mongodb/mongodb-agent:108.0.2.8729-1",
    mongodbVersionHook: "quay.io/mongodb/mongodb-kubernetes-operator-version-upgrade-post-start-hook:1.0.10",
    mongodbReadinessProbe: "quay.io/mongodb/mongodb-kubernetes-readinessprobe:1.0.23",
    mongod: "quay.io/mongodb/mongodb-community-server:5.0.32-ubi8",
} as const;

const tagOf = (image: string) => parseImage(image).tag!;
/** mongodb-kubernetes 1.7.0 values.yaml `registry.*`: where the operator and each image it runs come from. */
const MONGODB_REGISTRY_KEYS = ["operator", "database", "initDatabase", "initOpsManager", "opsManager", "initAppDb", "agent", "versionUpgradeHook", "readinessProbe"];
/** Where the MongoDB images (`quay.io/mongodb/…`) are in the mirror: the same path under it. */
const mongodbInMirror = (mirror: string) => `${mirror}/mongodb`;

/** clickstack chart values for the images; managed mode runs no ClickHouse or Keeper. */
export function clickstackImageValues(selfHosted: boolean, source: ImageSource): Record<string, unknown> {
    const m = source.registry;
    const pullSecrets = pullSecretRefs(source.pullSecrets);
    const pods = pullSecrets.length > 0 ? { podTemplate: { imagePullSecrets: pullSecrets } } : {};
    return {
        ...(pullSecrets.length > 0 ? { global: { imagePullSecrets: pullSecrets } } : {}),
        hyperdx: {
            deployment: {
                ...(m ? { image: { repository: mirrorRepository(imageRepository(CLICKSTACK_IMAGES.hyperdx), m) } } : {}),
                ...(m ? { waitForMongodb: { image: mirrorImage(CLICKSTACK_IMAGES.waitForMongodb, m) } } : {}),
            },
        },
        "otel-collector": {
            ...(m ? { image: { repository: mirrorRepository(imageRepository(CLICKSTACK_IMAGES.gateway), m) } } : {}),
            ...(pullSecrets.length > 0 ? { imagePullSecrets: pullSecrets } : {}),
        },
        ...(selfHosted ? {
            clickhouse: {
                cluster: { spec: { ...(m ? { containerTemplate: { image: { repository: mirrorRepository(imageRepository(CLICKSTACK_IMAGES.clickhouse), m) } } } : {}), ...pods } },
                // Always pinned: the operator's default is :latest.
                keeper: { spec: { containerTemplate: { image: { repository: mirrorRepository(imageRepository(CLICKSTACK_IMAGES.keeper), m), tag: tagOf(CLICKSTACK_IMAGES.keeper) } }, ...pods } },
            },
        } : {}),
        ...(pullSecrets.length > 0 ? { mongodb: { spec: { statefulSet: { spec: { template: { spec: { imagePullSecrets: pullSecrets } } } } } } } : {}),
    };
}

/** clickstack-operators chart values for the operators' images and the images of the pods they create. */
export function operatorsImageValues(source: ImageSource): Record<string, unknown> {
    const m = source.registry;
    const mongodb = m && mongodbInMirror(m);
    return {
        "clickhouse-operator": {
            // The tag is the chart's appVersion anyway; explicit so the image list is exact.
            manager: {
                image: { repository: mirrorRepository(imageRepository(CLICKSTACK_IMAGES.clickhouseOperator), m), tag: tagOf(CLICKSTACK_IMAGES.clickhouseOperator) },
                ...(source.pullSecrets.length > 0 ? { imagePullSecrets: pullSecretRefs(source.pullSecrets) } : {}),
            },
        },
        "mongodb-operator": {
            registry: {
                // Every registry key, though only MongoDBCommunity's images are pulled (watchedResources):
                // the operator's env then names no public registry at all.
                ...(m ? Object.fromEntries(MONGODB_REGISTRY_KEYS.map((key) => [key, mongodb])) : {}),
                ...(source.pullSecrets.length > 0 ? { imagePullSecrets: source.pullSecrets[0] } : {}),
            },
            ...(m ? { community: { registry: { agent: mongodb }, mongodb: { repo: mongodb } }, mongodb: { repo: mongodb }, search: { repo: mongodb } } : {}),
        },
    };
}

/** Every image ClickStack pulls, with its copy in the mirror. */
export function clickstackImages(selfHosted: boolean, source: ImageSource): MirroredImage[] {
    const m = source.registry;
    const image = (usedBy: string, ref: string, target?: string): MirroredImage => mirrored(ref, m, usedBy, target);
    const mongodTag = tagOf(CLICKSTACK_IMAGES.mongod);
    return [
        image("HyperDX (app, check-alerts, bootstrap Job)", CLICKSTACK_IMAGES.hyperdx),
        image("HyperDX init container (wait for MongoDB)", CLICKSTACK_IMAGES.waitForMongodb),
        image("gateway collector", CLICKSTACK_IMAGES.gateway),
        ...(selfHosted ? [
            image("ClickHouse (operator-made pods)", CLICKSTACK_IMAGES.clickhouse),
            image("Keeper (operator-made pods)", CLICKSTACK_IMAGES.keeper),
        ] : []),
        image("ClickHouse operator", CLICKSTACK_IMAGES.clickhouseOperator),
        image("MongoDB operator", CLICKSTACK_IMAGES.mongodbOperator),
        image("MongoDB agent (operator-made pods)", CLICKSTACK_IMAGES.mongodbAgent),
        image("MongoDB version-upgrade hook (operator-made pods)", CLICKSTACK_IMAGES.mongodbVersionHook),
        image("MongoDB readiness probe (operator-made pods)", CLICKSTACK_IMAGES.mongodbReadinessProbe),
        // From a mirror, mongodb-kubernetes 1.7.0 drops the -ubi8 suffix (see the header).
        image("MongoDB server (operator-made pods)", CLICKSTACK_IMAGES.mongod,
            m && `${mongodbInMirror(m)}/mongodb-community-server:${mongodTag.replace(/-ubi8$/, "")}`),
    ];
}

