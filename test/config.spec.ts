import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, CORE_DEFAULTS, DEFAULTS, parseStackConfig, PROJECT, readEncryptedKeys, readRawConfig, SLICES } from "../config";
import { PINNED_DEMO_MANIFEST } from "../components/demo/otel-demo";
import { configProblems, projectDefaults, Recorded, ROOT, runProgram, stackConfig } from "./harness";

const problems = configProblems;

const managed = { mode: "managed", clickhouseUrl: "https://abc.eu-west-1.aws.clickhouse.cloud:8443", clickhousePassword: "s3cret-Cloud-pw" };

describe("stack config: bad values fail with the key, the value given and what is allowed", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
        ["mode misspelled", { mode: "selfhosted" }, /^mode must be "self-hosted", "managed" or "agent" \(given: "selfhosted"\)$/],
        ["managed without URL", { ...managed, clickhouseUrl: undefined }, /^clickhouseUrl is required when mode is managed: .*https:\/\/.* \(given: nothing\)$/],
        ["managed with the empty default URL", { ...managed, clickhouseUrl: "" }, /^clickhouseUrl is required when mode is managed: .* \(given: ""\)$/],
        ["managed without password", { ...managed, clickhousePassword: undefined }, /^clickhousePassword is required when mode is managed: set it with `pulumi config set --secret clickhousePassword <password>` \(given: \[secret\]\)$/],
        ["an http:// URL", { ...managed, clickhouseUrl: "http://abc.clickhouse.cloud:8123" }, /^clickhouseUrl must be the ClickHouse Cloud https:\/\/ URL.* \(given: "http:\/\/abc.clickhouse.cloud:8123"\)$/],
        ["a size like 100GB", { clickhouseDataSize: "100GB" }, /^clickhouseDataSize must be a Kubernetes quantity such as 100Gi or 500G \(not 100GB\) \(given: "100GB"\)$/],
        ["an ingress without host", { ingress: { tlsSecretName: "tls" } }, /^ingress.host is required: the public host name of the HyperDX UI \(given: nothing\)$/],
        ["an ingress in managed mode", { ...managed, ingress: { host: "hyperdx.example.com" } }, /^ingress is not allowed when mode is managed: the in-cluster HyperDX .* must not be exposed.* \(given: \{"host":"hyperdx.example.com"\}\)$/],
        ["a release name that is not a DNS label", { releaseName: "My_Release" }, /^releaseName must be a DNS label: lower-case letters, digits and '-'.* \(given: "My_Release"\)$/],
        ["a release name over 53 characters", { releaseName: "a".repeat(54) }, /^releaseName must be at most 53 characters/],
        ["an unknown key under ingress", { ingress: { host: "hyperdx.example.com", tls: true } }, /^ingress unknown key\(s\) tls; allowed: host, className, tlsSecretName, clusterIssuer/],
        ["an unknown top-level key", { clickhouseDatasize: "10Gi" }, /^unknown stack config key\(s\) clickstack-k8s:clickhouseDatasize$/],
        ["a namespace that is not a DNS label", { namespace: "Otel.Demo" }, /^namespace must be a DNS label.* \(given: "Otel.Demo"\)$/],
        ["protectData not a boolean", { protectData: "yes" }, /^protectData must be true or false \(given: "yes"\)$/],
        ["a whitespace ingestion key", { ingestionApiKey: "   " }, /^ingestionApiKey must not be empty or whitespace \(given: \[secret\]\)$/],
        ["a Bearer ingestion key", { ingestionApiKey: "Bearer 3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f" }, /^ingestionApiKey must be the bare key from Team Settings → API Keys, without a "Bearer " prefix/],
        ["the guide's collector image", { collectors: { imageTag: "0.123.0" } }, /^collectors.imageTag must be 0.149.0 or newer: .*k8s_attributes.*file_log.* \(given: "0.123.0"\)$/],
        ["a sender namespace that is not a namespace name", { collectors: { otlpNamespaces: ["Team_A"] } }, /^collectors.otlpNamespaces.0 must be a DNS label: .* \(given: "Team_A"\)$/],
        ["sender namespaces not a list", { collectors: { otlpNamespaces: "team-a" } }, /^collectors.otlpNamespaces must be a list of namespace names \(given: "team-a"\)$/],
        ["a namespace both allowed and refused", { collectors: { otlpNamespaces: ["team-a", "kube-system"] } }, /^collectors.otlpNamespaces names kube-system, which collectors.otlpExceptNamespaces \(default kube-system\) refuses; drop it from one of the two \(given: \["team-a","kube-system"\]\)$/],
        ["a namespace both allowed and refused, both given", { collectors: { otlpNamespaces: ["team-a"], otlpExceptNamespaces: ["team-a"] } }, /^collectors.otlpNamespaces names team-a, which collectors.otlpExceptNamespaces refuses/],
        ["sender namespaces without the endpoint", { collectors: { otlpEndpoint: false, otlpExceptNamespaces: [] } }, /^collectors.otlpExceptNamespaces is only used with collectors.otlpEndpoint true; remove it or turn the endpoint on \(given: \[\]\)$/],
        ["namespaces left unscraped without scraping", { collectors: { scrapePods: false, scrapeExceptNamespaces: ["team-a"] } }, /^collectors.scrapeExceptNamespaces is only used with collectors.scrapePods true; remove it or turn scraping on \(given: \["team-a"\]\)$/],
        ["scrapePods not a boolean", { collectors: { scrapePods: "often" } }, /^collectors.scrapePods must be true or false \(given: "often"\)$/],
        ["an unknown key under collectors", { collectors: { otlp: true } }, /^collectors unknown key\(s\) otlp; allowed: enabled, imageTag, otlpEndpoint, otlpNamespaces, otlpExceptNamespaces, scrapePods, scrapeExceptNamespaces/],
        ["a chart version range", { chartVersions: { clickstack: "^3.0.0" } }, /^chartVersions.clickstack must be an exact chart version such as 1.2.3 \(no ranges\) \(given: "\^3.0.0"\)$/],
        ["a demo URL without digest", { demo: { manifestUrl: "https://example.com/demo.yaml" } }, /^demo.sha256 is required with demo.manifestUrl/],
        ["a Cloud password in self-hosted mode", { clickhousePassword: "pw" }, /^clickhousePassword is only used when mode is managed/],
        ["a structured key that is not an object", { ingress: "hyperdx.example.com" }, /^ingress must be an object with host, className, tlsSecretName, clusterIssuer \(given: "hyperdx.example.com"\)$/],
    ];
    it.each(cases)("%s", (_case, raw, message) => {
        const found = problems(raw);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatch(message);
    });

    it("reports every problem at once", () => {
        const found = problems({ mode: "managed", clickhouseDataSize: "1TB", releaseName: "Bad Name" });
        expect(found.map((p) => p.split(" ")[0]).sort()).toEqual(["clickhouseDataSize", "clickhousePassword", "clickhouseUrl", "releaseName"]);
    });

    it("never echoes a secret value", () => {
        const found = problems({ ingestionApiKey: "Bearer super-secret-value", mode: "managed", clickhousePassword: "another-secret" });
        expect(found.join("\n")).toContain("ingestionApiKey");
        expect(found.join("\n")).not.toMatch(/super-secret-value|another-secret/);
    });

    it("accepts a complete self-hosted production config with ingress", () => {
        const config = parseStackConfig({
            protectData: "true", storageClass: "fast-ssd",
            ingress: { host: "hyperdx.example.com", className: "nginx", clusterIssuer: "letsencrypt-prod" },
        });
        expect(config.ingress).toEqual({ host: "hyperdx.example.com", className: "nginx", clusterIssuer: "letsencrypt-prod", tlsSecretName: "my-clickstack-hyperdx-tls" });
        expect(config.protectData).toBe(true);
        expect(config.storageClass).toBe("fast-ssd");
        expect(config.demo.enabled).toBe(false); // follows protectData unless set
    });
});

describe("secret keys must be encrypted in the stack", () => {
    const key = "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f";
    it("accepts them when the language host lists them as secret", () => {
        const config = parseStackConfig({ ingestionApiKey: key }, {}, new Set([`${PROJECT}:ingestionApiKey`]));
        expect(config.ingestionApiKey).toBeDefined();
    });
    it("refuses them in plain text, with the command that fixes it", () => {
        expect(() => parseStackConfig({ ingestionApiKey: key }, {}, new Set())).toThrow(/ingestionApiKey is stored in plain text .*pulumi config set --secret ingestionApiKey <value>/);
    });
    it("does not mind the empty default (not set)", () => {
        expect(() => parseStackConfig({ ingestionApiKey: "", clickhousePassword: "" }, {}, new Set())).not.toThrow();
    });
    it("reads the secret keys from PULUMI_CONFIG_SECRET_KEYS, as the Node language host sets it", () => {
        expect(readEncryptedKeys({ PULUMI_CONFIG_SECRET_KEYS: '["clickstack-k8s:ingestionApiKey"]' })).toEqual(new Set(["clickstack-k8s:ingestionApiKey"]));
        expect(readEncryptedKeys({ PULUMI_CONFIG_SECRET_KEYS: "[]" })).toEqual(new Set());
        // No language host said anything (e.g. a program run outside the CLI): no refusal on a guess.
        expect(readEncryptedKeys({})).toBeUndefined();
    });
});

describe("stack config: defaults and sources", () => {
    it("applies documented defaults to an empty config", () => {
        const config = parseStackConfig({});
        expect(config).toMatchObject({
            namespace: "otel-demo", mode: "self-hosted", releaseName: "my-clickstack", clickhouseDataSize: "100Gi", protectData: false,
            chartVersions: { clickstackOperators: "1.1.0", clickstack: "3.0.2", otelCollector: "0.170.0" },
            collectors: { enabled: true, imageTag: "0.158.0" },
            demo: { enabled: true, source: { kind: "url", ...PINNED_DEMO_MANIFEST } },
        });
        expect(config.storageClass).toBeUndefined();
        expect(config.managedClickHouse).toBeUndefined();
        expect(config.ingestionApiKey).toBeUndefined();
        expect(Object.isFrozen(config)).toBe(true);
    });

    it('takes "" and {} (the Pulumi.yaml defaults of optional keys) as not set', () => {
        const config = parseStackConfig({ clickhouseUrl: "", clickhousePassword: "", ingestionApiKey: "", ingress: {}, collectors: {}, demo: {}, chartVersions: {} });
        expect(config.ingestionApiKey).toBeUndefined();
        expect(config.ingress).toBeUndefined();
        expect(config.managedClickHouse).toBeUndefined();
        // On by default: the workloads' OTLP endpoint open to every namespace but kube-system, and pod scraping everywhere.
        expect(config.collectors).toEqual({
            enabled: true, imageTag: "0.158.0",
            workloads: { otlp: { namespaces: undefined, exceptNamespaces: ["kube-system"] }, scrape: { exceptNamespaces: [] } },
        });
    });

    it("a local demo manifest wins over the pinned URL", () => {
        const config = parseStackConfig({ demo: { manifestFile: "./demo.yaml" } });
        expect(config.demo.source).toEqual({ kind: "file", path: "./demo.yaml", sha256: undefined });
    });

    it("reads only this project's keys and parses structured values", () => {
        const raw = readRawConfig({
            "clickstack-k8s:mode": "managed",
            "clickstack-k8s:ingress": '{"host":"a.example.com"}',
            "kubernetes:context": "kind-dev",
        });
        expect(raw).toEqual({ mode: "managed", ingress: { host: "a.example.com" } });
    });

    it("Pulumi.yaml declares every key the program reads, each with a description and the program's default", () => {
        const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, { description?: string; default?: unknown }> };
        expect(Object.keys(project.config).sort()).toEqual([...CONFIG_KEYS].sort());
        for (const [key, declaration] of Object.entries(project.config)) {
            expect(`${key}: ${declaration.description ?? ""}`).toMatch(/: \S/);
            // The CLI refuses to run a stack that lacks a declared key without a default
            // (ValidateStackConfigAndMergeProjectConfig in pulumi/pulumi), so every key needs one.
            expect([key, declaration.default === undefined || declaration.default === null]).toEqual([key, false]);
        }
        expect(projectDefaults()).toEqual(DEFAULTS);
    });

    it("each key belongs to exactly one slice, whose default is Pulumi.yaml's (a mismatch names the slice)", () => {
        const declared = projectDefaults();
        const owners = [{ name: "core (config/keys.ts)", defaults: CORE_DEFAULTS as Record<string, unknown> }, ...SLICES.map((s) => ({ name: `${s.name} (components/${s.name}/config.ts)`, defaults: s.defaults as Record<string, unknown> }))];
        const owned = owners.flatMap((o) => Object.keys(o.defaults));
        expect(owned.filter((key, i) => owned.indexOf(key) !== i)).toEqual([]);
        expect([...owned].sort()).toEqual([...CONFIG_KEYS].sort());
        for (const owner of owners) {
            for (const [key, value] of Object.entries(owner.defaults)) expect([owner.name, key, declared[key]]).toEqual([owner.name, key, value]);
        }
    });

    it("the program accepts the Pulumi.yaml defaults alone (a new stack with no stack config)", () => {
        expect(() => parseStackConfig(projectDefaults())).not.toThrow();
    });
});

describe("stack config errors stop the program before any resource is registered", () => {
    const bad: [string, Record<string, unknown>, RegExp][] = [
        ["dev with mode selfhosted", { mode: "selfhosted" }, /mode must be "self-hosted", "managed" or "agent"/],
        ["prod without its Cloud password", { clickhousePassword: undefined }, /clickhousePassword is required when mode is managed/],
        ["prod with an http URL", { clickhouseUrl: "http://x.clickhouse.cloud:8123" }, /clickhouseUrl must be the ClickHouse Cloud https:\/\/ URL/],
        ["prod with an ingress", { ingress: { host: "hyperdx.example.com" } }, /ingress is not allowed when mode is managed/],
    ];
    it.each(bad)("%s", async (_case, overrides, message) => {
        const stack = _case.startsWith("dev") ? "dev" : "prod";
        const recorded: Recorded[] = [];
        await expect(runProgram(stack, overrides, recorded)).rejects.toThrow(message);
        expect(recorded).toEqual([]);
    });

    it.each([
        ["prod", "clickhousePassword", {}],
        ["dev", "ingestionApiKey", { ingestionApiKey: "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f" }],
    ] as const)("%s with %s set without --secret", async (stack, key, overrides) => {
        const recorded: Recorded[] = [];
        const run = runProgram(stack, overrides, recorded, {}, { plaintext: [key] });
        await expect(run).rejects.toThrow(`${key} is stored in plain text in the stack config; it is a secret: set it again with \`pulumi config set --secret ${key} <value>\` (given: [secret])`);
        await expect(run).rejects.not.toThrow(/test-cloud-password|3f1c2b9e/);
        expect(recorded).toEqual([]);
    });

    it("the harness hands the program what the CLI would (sanity check of the test setup)", () => {
        expect(stackConfig("prod")["clickstack-k8s:mode"]).toBe("managed");
        expect(stackConfig("dev")["clickstack-k8s:namespace"]).toBe("otel-demo");
    });
});

describe("stack outputs", () => {
    it.each(["dev", "prod"] as const)("%s: no output is undefined (the CLI warns about each one)", async (stack) => {
        const run = await runProgram(stack);
        const undefinedOutputs = Object.entries(run.outputs).filter(([, v]) => v === undefined).map(([k]) => k);
        expect(undefinedOutputs).toEqual([]);
        expect(Object.keys(run.outputs).length).toBeGreaterThan(5);
    });
});

describe("the test runtime", () => {
    it("runs on Node 22 or newer, as @pulumi/pulumi requires (package.json puts node@22 first on npm test's PATH)", () => {
        expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(22);
    });
});
