// The pack as the Pulumi CLI runs it: compiled, started as its own process (it serves gRPC and prints
// its port), and asked to analyze one resource over the Analyzer protocol.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { AnalyzeRequest, AnalyzeResponse, AnalyzerResourceOptions } from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as ts from "typescript";
import { policy as servicesClusterIp } from "../../policies/rules/services-cluster-ip";
import { ROOT } from "../root";

const OUT = path.join(ROOT, "bin", "policy-pack-test");
let pack: ChildProcess;
let client: AnalyzerClient;

beforeAll(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    compilePack(path.join(ROOT, "policies"), OUT);
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

/**
 * The pack compiled to JavaScript, file by file with the project's compiler options, as the Node
 * language host would run it. Type errors are `npm test`'s `tsc` step's business, not this test's.
 */
function compilePack(source: string, out: string) {
    const { options } = ts.convertCompilerOptionsFromJson(JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")).compilerOptions, ROOT);
    for (const file of ["", "rules"].flatMap((dir) => fs.readdirSync(path.join(source, dir)).filter((f) => f.endsWith(".ts")).map((f) => path.join(dir, f)))) {
        const { outputText } = ts.transpileModule(fs.readFileSync(path.join(source, file), "utf8"), { compilerOptions: { ...options, sourceMap: false }, fileName: file });
        fs.mkdirSync(path.join(out, path.dirname(file)), { recursive: true });
        fs.writeFileSync(path.join(out, file.replace(/\.ts$/, ".js")), outputText);
    }
}

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
