import * as crypto from "crypto";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { apiKeyChecksum, nextStepsWithoutKey } from "../../components/collectors/ingestion";
import { isSecret, ProgramRun, runProgram, T } from "../harness";

const KEY = "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f";

describe("key checksum", () => {
    it("is the SHA-256 of the key, changes with the key, and is 'none' without one", () => {
        expect(apiKeyChecksum(KEY)).toBe(crypto.createHash("sha256").update(KEY).digest("hex"));
        expect(apiKeyChecksum(KEY)).not.toBe(apiKeyChecksum("0f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f"));
        expect(apiKeyChecksum(KEY)).not.toContain(KEY);
        expect(apiKeyChecksum(undefined)).toBe("none");
    });
});

describe.each(["dev", "prod"] as const)("ingestion wiring in the %s stack, with a key", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => { run = await runProgram(stack, { ingestionApiKey: KEY }); });

    it("Secret hyperdx-secret holds HYPERDX_API_KEY as a Pulumi secret", () => {
        const secret = run.find(T.secret, "ingestion-api-key");
        expect(secret.plain).toEqual({
            apiVersion: "v1", kind: "Secret", type: "Opaque",
            metadata: { name: "hyperdx-secret", namespace: "otel-demo" },
            stringData: { HYPERDX_API_KEY: KEY },
        });
        expect(isSecret(secret.inputs.stringData)).toBe(true);
    });

    it("ConfigMap otel-config-vars holds the ClickStack collector's OTLP/HTTP endpoint", () => {
        const configMap = run.find(T.configMap, "ingestion-endpoint");
        expect(configMap.plain).toEqual({
            apiVersion: "v1", kind: "ConfigMap",
            metadata: { name: "otel-config-vars", namespace: "otel-demo" },
            data: { YOUR_OTEL_COLLECTOR_ENDPOINT: run.outputs.collectorEndpoint },
        });
        expect(run.outputs.collectorEndpoint).toBe("http://my-clickstack-otel-collector.otel-demo:4318");
    });

    it("the endpoint follows the release name and namespace (computed, not typed twice)", async () => {
        const other = await runProgram(stack, { ingestionApiKey: KEY, releaseName: "observability", namespace: "o11y" });
        expect(other.find(T.configMap, "ingestion-endpoint").plain.data.YOUR_OTEL_COLLECTOR_ENDPOINT).toBe("http://observability-otel-collector.o11y:4318");
    });

    it("does not wait for ClickStack: the ConfigMap only names the gateway", () => {
        expect(run.find("clickstack:ingestion:Ingestion", "ingestion").dependencies).toEqual([]);
        expect(run.find(T.configMap, "ingestion-endpoint").dependencies).toEqual(["namespace"]);
    });

    it("runs no bootstrap: the key comes from config", () => {
        expect(run.resources.filter((r) => r.type.startsWith("clickstack:bootstrap") || r.name.startsWith("bootstrap"))).toEqual([]);
        expect(run.outputs).not.toHaveProperty("hyperdxAdminPassword");
    });

    it("the collectors' restart annotation carries the key's hash, not the key", () => {
        const annotations = run.find(T.chart, "collectors-daemonset").plain.values.podAnnotations;
        expect(annotations).toEqual({ "checksum/hyperdx-api-key": apiKeyChecksum(KEY) });
        expect(JSON.stringify(run.find(T.chart, "collectors-deployment").plain.values)).not.toContain(KEY);
    });

    it("has no next steps to show", () => {
        expect(run.outputs.nextSteps).toBeUndefined();
    });

    it("the plain Kubernetes objects are valid against the official schemas", () => {
        expect(() => new Secret(run.find(T.secret, "ingestion-api-key").plain).validate()).not.toThrow();
        expect(() => new Secret(run.find(T.secret, "clickstack-hyperdx-connections").plain).validate()).not.toThrow();
        expect(() => new ConfigMap(run.find(T.configMap, "ingestion-endpoint").plain).validate()).not.toThrow();
        expect(() => new Namespace(run.find(T.namespace, "namespace").plain).validate()).not.toThrow();
    });
});

describe("the schema check itself rejects a broken object", () => {
    it("a Secret whose value is not a string", () => {
        expect(() => new Secret({ metadata: { name: "hyperdx-secret" }, stringData: { HYPERDX_API_KEY: 42 as unknown as string } }).validate()).toThrow(/stringData/);
    });
});

describe("bootstrap off and no key: the manual first deploy", () => {
    let run: ProgramRun;
    beforeAll(async () => { run = await runProgram("dev", { bootstrap: { enabled: false } }); });

    it("creates no key Secret (so no empty value), but the endpoint ConfigMap and both collectors", () => {
        expect(run.ofType(T.secret).map((s) => s.name)).toEqual(["clickstack-hyperdx-connections", "retention-credentials"]);
        expect(run.find(T.configMap, "ingestion-endpoint").plain.data.YOUR_OTEL_COLLECTOR_ENDPOINT).toBe("http://my-clickstack-otel-collector.otel-demo:4318");
        expect(run.ofType(T.chart).map((c) => c.name)).toEqual(expect.arrayContaining(["collectors-deployment", "collectors-daemonset"]));
    });

    it("collectors start without the key (optional secretKeyRef) and are annotated 'none'", () => {
        const values = run.find(T.chart, "collectors-deployment").plain.values;
        expect(values.extraEnvs[0].valueFrom.secretKeyRef.optional).toBe(true);
        expect(values.podAnnotations).toEqual({ "checksum/hyperdx-api-key": "none" });
    });

    it("outputs exactly what to do next", () => {
        expect(run.outputs.nextSteps).toBe(nextStepsWithoutKey(
            "kubectl port-forward --namespace otel-demo service/my-clickstack-app 3000:3000", "http://localhost:3000", "dev"));
        expect(run.outputs.nextSteps).toContain("pulumi config set --secret ingestionApiKey <key> --stack dev");
        expect(run.outputs.nextSteps).toContain("Team Settings → API Keys");
    });
});
