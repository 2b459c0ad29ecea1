// `imageRegistry` and `imagePullSecrets`: every image of every workload from the mirror, through the
// charts' values, the operators' settings and the program's own objects; the `images` output lists
// what to copy there, and matches what the values and objects pull.
import { parseStackConfig } from "../../config";
import { CLICKSTACK_IMAGES } from "../../components/clickstack/clickstack-images";
import { imageRepository, mirrorImage, parseImage } from "../../components/common/images";
import { configProblems, ProgramRun, runProgram, T } from "../harness";

const MIRROR = "registry.internal/mirror";
const PULL = ["regcred", "mirror-creds"];
const mirrored = { imageRegistry: MIRROR, imagePullSecrets: PULL };

const problems = configProblems;

describe("image references", () => {
    it.each([
        ["busybox@sha256:1fcf", { registry: "docker.io", path: "library/busybox", digest: "sha256:1fcf" }],
        ["otel/opentelemetry-collector-contrib:0.158.0", { registry: "docker.io", path: "otel/opentelemetry-collector-contrib", tag: "0.158.0" }],
        ["docker.hyperdx.io/hyperdx/hyperdx:2.30.1", { registry: "docker.hyperdx.io", path: "hyperdx/hyperdx", tag: "2.30.1" }],
        ["localhost:5000/a/b:1", { registry: "localhost:5000", path: "a/b", tag: "1" }],
        ["quay.io/mongodb/mongodb-agent", { registry: "quay.io", path: "mongodb/mongodb-agent" }],
    ])("%s", (ref, expected) => {
        expect(parseImage(ref)).toEqual(expected);
    });

    it("a mirror keeps each image's path and tag or digest", () => {
        expect(mirrorImage("docker.hyperdx.io/hyperdx/hyperdx:2.30.1", MIRROR)).toBe(`${MIRROR}/hyperdx/hyperdx:2.30.1`);
        expect(mirrorImage("busybox@sha256:1fcf", MIRROR)).toBe(`${MIRROR}/library/busybox@sha256:1fcf`);
        expect(mirrorImage("busybox:1.37", undefined)).toBe("busybox:1.37");
    });
});

describe("imageRegistry and imagePullSecrets: bad values are refused", () => {
    it.each([
        ["a scheme", { imageRegistry: "https://registry.internal/mirror" }, /^imageRegistry must be a registry host with an optional path, such as registry.internal\/mirror .* \(given: "https:\/\/registry.internal\/mirror"\)$/],
        ["a tag", { imageRegistry: "registry.internal/mirror:1.0" }, /^imageRegistry must be a registry host/],
        ["upper case", { imageRegistry: "Registry.Internal/mirror" }, /^imageRegistry must be a registry host/],
        ["a host without a dot", { imageRegistry: "mirror/path" }, /^imageRegistry must be a registry host/],
        ["a pull secret name with a space", { imagePullSecrets: ["reg cred"] }, /^imagePullSecrets.0 must be the name of a Secret in the namespace \(given: "reg cred"\)$/],
        ["pull secrets as a string", { imagePullSecrets: "regcred" }, /^imagePullSecrets must be a list of Secret names, e.g. \[regcred\] \(given: "regcred"\)$/],
    ])("%s", (_, raw, expected) => {
        expect(problems(raw)).toEqual([expect.stringMatching(expected)]);
    });

    it("accepts a host with a port and a path, and the empty default", () => {
        expect(parseStackConfig({ imageRegistry: "harbor.example.com:8443/proxy/" }).images).toEqual({ registry: "harbor.example.com:8443/proxy", pullSecrets: [] });
        expect(parseStackConfig({}).images).toEqual({ registry: undefined, pullSecrets: [] });
    });
});

/** Every image reference and repository the program sets: values of all charts, and its own objects. */
function pulled(run: ProgramRun): { where: string; ref: string }[] {
    const found: { where: string; ref: string }[] = [];
    const walk = (node: unknown, where: string): void => {
        if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`));
        if (node === null || typeof node !== "object") return;
        const o = node as Record<string, unknown>;
        for (const [key, value] of Object.entries(o)) {
            if (key === "image" && typeof value === "string") found.push({ where: `${where}.image`, ref: value });
            else if (key === "image" && value !== null && typeof value === "object" && typeof (value as { repository?: unknown }).repository === "string") {
                found.push({ where: `${where}.image.repository`, ref: (value as { repository: string }).repository });
            } else walk(value, `${where}.${key}`);
        }
    };
    for (const chart of run.ofType(T.chart)) walk(chart.plain.values, `chart ${chart.name}`);
    for (const job of run.resources.filter((r) => r.type === "kubernetes:batch/v1:Job")) walk(job.plain.spec, `Job ${job.name}`);
    for (const group of run.ofType(T.configGroup)) walk(group.plain.objs, `ConfigGroup ${group.name}`);
    return found;
}


describe.each(["dev", "prod"] as const)("the %s stack with imageRegistry and imagePullSecrets", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => { run = await runProgram(stack, mirrored); });

    it("pulls nothing from outside the mirror: chart values and the program's own objects", () => {
        const refs = pulled(run);
        expect(refs.length).toBeGreaterThan(stack === "dev" ? 8 : 5);
        expect(refs.filter((r) => !r.ref.startsWith(`${MIRROR}/`))).toEqual([]);
    });

    it("points the MongoDB operator (its own image and every image of the pods it makes) at the mirror", () => {
        const mongodb = run.find(T.chart, "clickstack-operators").plain.values["mongodb-operator"];
        const registries = ["operator", "database", "initDatabase", "initOpsManager", "opsManager", "initAppDb", "agent", "versionUpgradeHook", "readinessProbe"];
        expect(mongodb.registry).toEqual({ ...Object.fromEntries(registries.map((k) => [k, `${MIRROR}/mongodb`])), imagePullSecrets: "regcred" });
        expect(mongodb.community).toEqual({ registry: { agent: `${MIRROR}/mongodb` }, mongodb: { repo: `${MIRROR}/mongodb` } });
        expect([mongodb.mongodb.repo, mongodb.search.repo]).toEqual([`${MIRROR}/mongodb`, `${MIRROR}/mongodb`]);
    });

    it("gives every pod the pull secrets: the charts' keys, the operator-made pods' specs, the Job and the demo", () => {
        const refs = PULL.map((name) => ({ name }));
        const clickstack = run.find(T.chart, "clickstack").plain.values;
        expect(clickstack.global.imagePullSecrets).toEqual(refs);
        expect(clickstack["otel-collector"].imagePullSecrets).toEqual(refs);
        expect(clickstack.mongodb.spec.statefulSet.spec.template.spec.imagePullSecrets).toEqual(refs);
        if (stack === "dev") {
            expect(clickstack.clickhouse.cluster.spec.podTemplate.imagePullSecrets).toEqual(refs);
            expect(clickstack.clickhouse.keeper.spec.podTemplate.imagePullSecrets).toEqual(refs);
        }
        expect(run.find(T.chart, "clickstack-operators").plain.values["clickhouse-operator"].manager.imagePullSecrets).toEqual(refs);
        for (const c of run.ofType(T.chart).filter((c) => c.name.startsWith("collectors-"))) expect(c.plain.values.imagePullSecrets).toEqual(refs);
        for (const job of run.resources.filter((r) => r.type === "kubernetes:batch/v1:Job")) expect(job.plain.spec.template.spec.imagePullSecrets).toEqual(refs);
        for (const group of run.ofType(T.configGroup)) {
            const workloads = (group.plain.objs as { kind: string; spec: { template: { spec: { imagePullSecrets?: unknown } } } }[]).filter((o) => o.kind === "Deployment");
            expect(workloads.length).toBeGreaterThan(0);
            for (const w of workloads) expect(w.spec.template.spec.imagePullSecrets).toEqual(refs);
        }
    });

    it("lists every image to copy, and the list matches what the values and objects pull", () => {
        const images = run.outputs.images as { source: string; target: string }[];
        for (const i of images) expect(i.target.startsWith(`${MIRROR}/`)).toBe(true);
        const listed = new Set(images.map((i) => imageRepository(i.target)));
        // Everything set anywhere is listed...
        expect(pulled(run).map((r) => imageRepository(r.ref)).filter((repo) => !listed.has(repo))).toEqual([]);
        // ...and everything listed is set, or is an image the MongoDB operator composes from its registry settings.
        const set = new Set(pulled(run).map((r) => imageRepository(r.ref)));
        expect([...listed].filter((repo) => !set.has(repo) && !repo.startsWith(`${MIRROR}/mongodb/`))).toEqual([]);
        // The MongoDB server comes without its -ubi8 suffix from a mirror (mongodb-kubernetes 1.7.0).
        expect(images).toContainEqual(expect.objectContaining({ source: `${CLICKSTACK_IMAGES.mongod}`, target: `${MIRROR}/mongodb/mongodb-community-server:5.0.32` }));
    });
});

describe("without imageRegistry", () => {
    it("changes no chart's image value but pins Keeper and the ClickHouse operator (the operator defaults Keeper to :latest)", async () => {
        const run = await runProgram("dev");
        const values = run.find(T.chart, "clickstack").plain.values;
        expect(values.hyperdx.deployment.image).toBeUndefined();
        expect(values["otel-collector"].image).toBeUndefined();
        expect(values.clickhouse.keeper.spec.containerTemplate.image).toEqual({ repository: "docker.io/clickhouse/clickhouse-keeper", tag: "25.7-alpine" });
        expect(run.find(T.chart, "clickstack-operators").plain.values["clickhouse-operator"].manager.image).toEqual({ repository: "ghcr.io/clickhouse/clickhouse-operator", tag: "v0.0.7" });
        const images = run.outputs.images as { source: string; target: string }[];
        for (const i of images) expect(i.target).toBe(i.source);
    });
});
