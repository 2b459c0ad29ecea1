// The pack as the Pulumi CLI runs it: compiled, started as its own process (it serves gRPC and prints
// its port), and asked to analyze one resource over the Analyzer protocol.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { AnalyzeRequest, AnalyzeResponse, AnalyzerResourceOptions } from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { policy as servicesClusterIp } from "../policies/rules/services-cluster-ip";
import { ROOT } from "./harness";

const OUT = path.join(ROOT, "bin", "policy-pack-test");
let pack: ChildProcess;
let client: AnalyzerClient;

beforeAll(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(ROOT, "policies", "tsconfig.json"), "--outDir", OUT, "--sourceMap", "false", "--noCheck"], { stdio: "pipe" });
    // Run from policies/ like the CLI does: PolicyPack reads its version from ./package.json.
    pack = spawn(process.execPath, [path.join(OUT, "index.js")], { cwd: path.join(ROOT, "policies"), stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise<string>((resolve, reject) => {
        let stderr = "";
        pack.stderr!.on("data", (d) => { stderr += d; });
        pack.stdout!.once("data", (d) => resolve(String(d).trim()));
        pack.once("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 60000);

afterAll(() => {
    client?.close();
    pack?.kill();
});

function analyze(type: string, name: string, props: Record<string, unknown>): Promise<AnalyzeResponse> {
    const request = new AnalyzeRequest()
        .setType(type)
        .setName(name)
        .setUrn(`urn:pulumi:dev::clickstack-k8s::${type}::${name}`)
        .setProperties(Struct.fromJavaScript(props as never))
        .setOptions(new AnalyzerResourceOptions());
    return new Promise((resolve, reject) => client.analyze(request, (err, response) => (err ? reject(err) : resolve(response))));
}

it("reports a LoadBalancer Service as a mandatory violation", async () => {
    const response = await analyze("kubernetes:core/v1:Service", "frontend-proxy", {
        apiVersion: "v1", kind: "Service", metadata: { name: "frontend-proxy", namespace: "otel-demo" }, spec: { type: "LoadBalancer", ports: [{ port: 8080 }] },
    });
    expect(response.getDiagnosticsList().map((d) => [d.getPolicypackname(), d.getPolicyname(), d.getEnforcementlevel(), d.getMessage()])).toEqual([
        // The SDK puts the policy's description before the violation message.
        ["clickstack-k8s", "services-cluster-ip-only", 1 /* MANDATORY */, `${servicesClusterIp.description}\n` +
            "Service otel-demo/frontend-proxy has type LoadBalancer; only ClusterIP is allowed. Expose HTTP through an Ingress with TLS, or allow-list the Service in the pack config."],
    ]);
});

it("passes a ClusterIP Service", async () => {
    const response = await analyze("kubernetes:core/v1:Service", "cart", {
        apiVersion: "v1", kind: "Service", metadata: { name: "cart", namespace: "otel-demo" }, spec: { type: "ClusterIP", ports: [{ port: 8080 }] },
    });
    expect(response.getDiagnosticsList()).toEqual([]);
});
