// images-from-allowed-registries, offline: the pack's config lists allowed registries; any container,
// init container or ephemeral container image outside them is a violation; an empty list checks nothing.
import { policy, underRegistry } from "../../policies/rules/images-from-allowed-registries";
import { FakeResource, violations } from "./policy-args";

const MIRROR = "registry.internal/mirror";
const config = { allowedRegistries: [MIRROR, "harbor.example.com:8443/proxy"] };

const pod = (containers: Record<string, unknown[]>) => ({ ...containers });
const workload = (type: string, spec: Record<string, unknown[]>): FakeResource => {
    const template = { spec: pod(spec) };
    const props = type === "kubernetes:batch/v1:CronJob" ? { metadata: { name: "w", namespace: "ns" }, spec: { jobTemplate: { spec: { template } } } }
        : type === "kubernetes:core/v1:Pod" ? { metadata: { name: "w", namespace: "ns" }, spec: pod(spec) }
            : { metadata: { name: "w", namespace: "ns" }, spec: { template } };
    return { type, name: "w", props, config };
};

describe("images-from-allowed-registries (mandatory when configured)", () => {
    const cases: [string, string, Record<string, unknown[]>, string[]][] = [
        ["a Deployment container from Docker Hub", "kubernetes:apps/v1:Deployment", { containers: [{ name: "app", image: "otel/opentelemetry-collector-contrib:0.158.0" }] },
            ["Deployment ns/w: containers app pulls otel/opentelemetry-collector-contrib:0.158.0, which is not under an allowed registry (registry.internal/mirror, harbor.example.com:8443/proxy); set imageRegistry, or add the registry to allowedRegistries."]],
        ["a DaemonSet container from quay.io", "kubernetes:apps/v1:DaemonSet", { containers: [{ name: "agent", image: "quay.io/mongodb/mongodb-agent:108.0.2.8729-1" }] },
            [expect.stringContaining("containers agent pulls quay.io/mongodb/mongodb-agent:108.0.2.8729-1")] as never],
        ["an init container by digest", "kubernetes:apps/v1:Deployment", { containers: [{ name: "app", image: `${MIRROR}/hyperdx/hyperdx:2.30.1` }], initContainers: [{ name: "wait", image: "busybox@sha256:1fcf" }] },
            [expect.stringContaining("initContainers wait pulls busybox@sha256:1fcf")] as never],
        ["an init container of a StatefulSet from ghcr", "kubernetes:apps/v1:StatefulSet", { containers: [{ name: "db", image: `${MIRROR}/x:1` }], initContainers: [{ name: "init", image: "ghcr.io/clickhouse/clickhouse-operator:v0.0.7" }] },
            [expect.stringContaining("initContainers init pulls ghcr.io/clickhouse/clickhouse-operator:v0.0.7")] as never],
        ["an ephemeral container of a Pod", "kubernetes:core/v1:Pod", { containers: [{ name: "app", image: `${MIRROR}/x:1` }], ephemeralContainers: [{ name: "debug", image: "busybox:1.37" }] },
            [expect.stringContaining("ephemeralContainers debug pulls busybox:1.37")] as never],
        ["an ephemeral container on a lookalike host", "kubernetes:core/v1:Pod", { containers: [], ephemeralContainers: [{ name: "debug", image: "registry.internal/mirror-evil/busybox:1.37" }] },
            [expect.stringContaining("ephemeralContainers debug pulls registry.internal/mirror-evil/busybox:1.37")] as never],
        ["a Job template", "kubernetes:batch/v1:Job", { containers: [{ name: "bootstrap", image: "docker.hyperdx.io/hyperdx/hyperdx:2.30.1" }] },
            [expect.stringContaining("Job ns/w: containers bootstrap pulls docker.hyperdx.io/hyperdx/hyperdx:2.30.1")] as never],
        ["a Job's init container", "kubernetes:batch/v1:Job", { containers: [{ name: "main", image: `${MIRROR}/a:1` }], initContainers: [{ name: "pre", image: "alpine:3.22" }] },
            [expect.stringContaining("initContainers pre pulls alpine:3.22")] as never],
        ["a CronJob template", "kubernetes:batch/v1:CronJob", { containers: [{ name: "check-alerts", image: "docker.hyperdx.io/hyperdx/hyperdx:2.30.1" }] },
            [expect.stringContaining("CronJob ns/w: containers check-alerts pulls docker.hyperdx.io/hyperdx/hyperdx:2.30.1")] as never],
        ["a CronJob with two outside", "kubernetes:batch/v1:CronJob", { containers: [{ name: "a", image: "a:1" }, { name: "b", image: "docker.io/b/b:2" }] },
            [expect.stringContaining("containers a pulls a:1"), expect.stringContaining("containers b pulls docker.io/b/b:2")] as never],
    ];
    it.each(cases)("refuses %s", async (_, type, spec, expected) => {
        expect(await violations(policy, workload(type, spec))).toEqual(expected);
    });

    const passing: [string, string, Record<string, unknown[]>][] = [
        ["every kind of container under the mirror", "kubernetes:core/v1:Pod", { containers: [{ name: "a", image: `${MIRROR}/hyperdx/hyperdx:2.30.1` }], initContainers: [{ name: "b", image: `${MIRROR}/library/busybox@sha256:1fcf` }], ephemeralContainers: [{ name: "c", image: `${MIRROR}/library/busybox:1.37` }] }],
        ["the second allowed registry, with a port", "kubernetes:batch/v1:CronJob", { containers: [{ name: "a", image: "harbor.example.com:8443/proxy/hyperdx/hyperdx:2.30.1" }] }],
        ["a Job from the mirror", "kubernetes:batch/v1:Job", { containers: [{ name: "a", image: `${MIRROR}/hyperdx/hyperdx:2.30.1` }] }],
    ];
    it.each(passing)("passes %s", async (_, type, spec) => {
        expect(await violations(policy, workload(type, spec))).toEqual([]);
    });

    it("checks nothing while allowedRegistries is empty (the default)", async () => {
        const outside = workload("kubernetes:apps/v1:Deployment", { containers: [{ name: "a", image: "busybox:1.37" }] });
        expect(await violations(policy, { ...outside, config: {} })).toEqual([]);
        expect(await violations(policy, { ...outside, config: { allowedRegistries: [] } })).toEqual([]);
    });

    it("skips a workload on the allow-list", async () => {
        const outside = workload("kubernetes:apps/v1:Deployment", { containers: [{ name: "a", image: "busybox:1.37" }] });
        expect(await violations(policy, { ...outside, config: { ...config, allow: ["ns/w"] } })).toEqual([]);
    });

    it("matches on a path boundary", () => {
        expect(underRegistry("registry.internal/mirror/x:1", "registry.internal/mirror/")).toBe(true);
        expect(underRegistry("registry.internal/mirrors/x:1", "registry.internal/mirror")).toBe(false);
    });
});
