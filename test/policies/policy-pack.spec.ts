import * as fs from "fs";
import * as path from "path";
import { Policy } from "@pulumi/policy";
import { clickstackNames } from "../../components/clickstack/names";
import { policies } from "../../policies/all";
import { FakeResource, kubeResource, stackViolations, violations } from "./policy-args";
import { ProgramRun, Recorded, ROOT, runProgram, T } from "../harness";

describe("the pack's index.ts", () => {
    it("creates one PolicyPack that lists every module under policies/rules (without starting its server)", () => {
        jest.resetModules();
        const PolicyPack = jest.fn();
        jest.doMock("@pulumi/policy", () => ({ PolicyPack }));
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require("../../policies/index");
        expect(PolicyPack).toHaveBeenCalledTimes(1);
        const [name, args] = PolicyPack.mock.calls[0] as [string, { policies: Policy[] }];
        expect(name).toBe("clickstack-k8s");
        const modules = fs.readdirSync(path.join(ROOT, "policies", "rules")).filter((f) => f.endsWith(".ts"));
        expect(modules).toHaveLength(10);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fromModules = modules.map((f) => (require(path.join(ROOT, "policies", "rules", f)) as { policy: Policy }).policy.name);
        expect(args.policies.map((p) => p.name).sort()).toEqual(fromModules.sort());
        jest.dontMock("@pulumi/policy");
    });

    it("names each policy once, with a level and a description", () => {
        expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
        const levels = Object.fromEntries(policies.map((p) => [p.name, p.enforcementLevel]));
        expect(levels).toEqual({
            "services-cluster-ip-only": "mandatory",
            "ingress-tls": "mandatory",
            "helm-release-pinned": "mandatory",
            "no-plain-credentials": "mandatory",
            "no-host-network-exposure": "mandatory",
            "images-from-allowed-registries": "mandatory",
            "container-resources": "advisory",
            "image-tags-pinned": "advisory",
            "stateful-data-protected": "advisory",
            "replicated-workloads-guarded": "mandatory",
        });
        for (const p of policies) expect(p.description.length).toBeGreaterThan(20);
    });
});

/**
 * What a policy pack sees in a real preview, built from a mocked run: every registered resource,
 * plus the objects the remote components would create as children: the demo ConfigGroup's objects,
 * and the HyperDX Ingress the clickstack chart renders (its `hyperdx.ingress.spec`, verbatim, per
 * templates/hyperdx/ingress.yaml). Chart children the operators create are not visible here.
 */
function policyView(run: ProgramRun, stack: string): FakeResource[] {
    const fromRegistrations = run.resources.map((r: Recorded): FakeResource => ({
        type: r.type, name: r.name, props: r.custom ? r.plain : {}, protect: r.protect, stack,
    }));
    const demo = run.resources.filter((r) => r.type === T.configGroup).flatMap((g) => g.plain.objs as never[]).map((o) => kubeResource(o, { stack }));
    const clickstack = run.find(T.chart, "clickstack").plain;
    const ingress = clickstack.values.hyperdx.ingress?.enabled ? [kubeResource({
        apiVersion: "networking.k8s.io/v1", kind: "Ingress",
        metadata: { name: `${clickstackNames(clickstack.name, clickstack.namespace).hyperdxService}-ingress`, namespace: clickstack.namespace },
        spec: clickstack.values.hyperdx.ingress.spec,
    } as never, { stack })] : [];
    return [...fromRegistrations, ...demo, ...ingress];
}

async function allViolations(resources: FakeResource[]) {
    const found: { policy: string; level: string; message: string }[] = [];
    for (const policy of policies) {
        const level = policy.enforcementLevel ?? "advisory";
        if ("validateStack" in policy) {
            for (const message of await stackViolations(policy, resources)) found.push({ policy: policy.name, level, message });
            continue;
        }
        for (const resource of resources) {
            for (const message of await violations(policy as never, resource)) {
                found.push({ policy: policy.name, level, message });
            }
        }
    }
    return found;
}

describe.each(["dev", "prod"] as const)("the %s stack through every policy", (stack) => {
    let view: FakeResource[];
    beforeAll(async () => { view = policyView(await runProgram(stack, { ingestionApiKey: "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f" }), stack); });

    it("has no mandatory violation", async () => {
        expect(view.length).toBeGreaterThan(10);
        expect((await allViolations(view)).filter((v) => v.level === "mandatory")).toEqual([]);
    });

    it("meets the advisory protection rule too", async () => {
        expect((await allViolations(view)).filter((v) => v.policy === "stateful-data-protected")).toEqual([]);
    });
});

describe("the reverse: policies catch what a bad configuration would ship", () => {
    it("a self-hosted production stack with an Ingress passes; the same Ingress without TLS is caught", async () => {
        const run = await runProgram("dev", { protectData: true, ingress: { host: "hyperdx.example.com", clusterIssuer: "letsencrypt-prod" } });
        const view = policyView(run, "dev");
        const ingress = view.find((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")!;
        expect(await violations(policies[1] as never, ingress)).toEqual([]);
        const stripped = { ...ingress, props: { ...ingress.props, spec: { ...(ingress.props.spec as object), tls: undefined } } };
        expect((await allViolations([stripped])).map((v) => v.message)).toEqual(["Ingress otel-demo/my-clickstack-app-ingress has no spec.tls; every Ingress must terminate TLS."]);
    });

    it("the demo's frontend-proxy forced to LoadBalancer is caught", async () => {
        const view = policyView(await runProgram("dev"), "dev");
        const proxy = view.find((r) => r.type === "kubernetes:core/v1:Service" && r.name === "frontend-proxy")!;
        const exposed = { ...proxy, props: { ...proxy.props, spec: { ...(proxy.props.spec as object), type: "LoadBalancer" } } };
        expect((await allViolations([exposed])).map((v) => `${v.level} ${v.policy}`)).toEqual(["mandatory services-cluster-ip-only"]);
    });

    it("a production stack without protectData is flagged", async () => {
        const view = policyView(await runProgram("prod", { protectData: false }), "prod");
        expect((await allViolations(view)).filter((v) => v.policy === "stateful-data-protected").map((v) => v.message)).toEqual([
            "Chart clickstack-operators holds data in production stack prod but is not protected; set protect (the program does so with protectData: true).",
            "Chart clickstack holds data in production stack prod but is not protected; set protect (the program does so with protectData: true).",
        ]);
    });
});
