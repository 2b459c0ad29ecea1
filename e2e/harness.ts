// What the real-engine scenarios share: the run folder, the built CLI, a copy of the project to run
// stacks in (so no scenario writes into the committed Pulumi.<stack>.yaml), kubectl, and timings.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { writeStandInCharts, writeStandInDemoManifest } from "./stand-in-charts";

export const ROOT = path.resolve(__dirname, "..");

function required(name: string): string {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run the scenarios through \`npm run e2e\` (e2e/run.sh)`);
    return value;
}

export const RUN_DIR = required("E2E_RUN_DIR");
export const TOOLCHAIN = required("E2E_TOOLCHAIN_DIR");
export const KUBECONFIG = required("KUBECONFIG");
/** The real charts at the program's pins, unpacked as `chartSource` reads a folder, where CI and this machine keep them. */
const SHARED_CHARTS = path.resolve(ROOT, "..", "shared", "charts");
/**
 * The folder the program's `chartSource` points at: E2E_CHARTS_DIR, else the real charts in
 * ../shared/charts when that folder is there, else stand-ins written now (a clone without either).
 */
export const CHARTS = process.env.E2E_CHARTS_DIR
    ? { dir: process.env.E2E_CHARTS_DIR, kind: "real" }
    : fs.existsSync(path.join(SHARED_CHARTS, "clickstack", "Chart.yaml"))
        ? { dir: SHARED_CHARTS, kind: "real" }
        : { dir: writeStandInCharts(path.join(RUN_DIR, "charts")), kind: "stand-in" };
/** The demo fork's manifest at the program's pinned commit, where CI and this machine keep it. */
const SHARED_DEMO = path.resolve(ROOT, "..", "shared", "upstream", "opentelemetry-demo-fork", "opentelemetry-demo.yaml");
/**
 * The demo manifest `demo.manifestFile` points at: E2E_DEMO_MANIFEST, else the fork's manifest in
 * ../shared (its requests are what the small size must fit around), else the fixture less what cannot
 * become ready.
 */
export const DEMO = process.env.E2E_DEMO_MANIFEST
    ? { file: process.env.E2E_DEMO_MANIFEST, kind: "real" }
    : fs.existsSync(SHARED_DEMO) ? { file: SHARED_DEMO, kind: "real" } : { file: writeStandInDemoManifest(path.join(ROOT, "test", "fixtures", "demo-manifest.yaml"), path.join(RUN_DIR, "demo-manifest.yaml")), kind: "stand-in" };
/** The file backend: the state at rest. */
export const STATE_DIR = path.join(RUN_DIR, "state");
const PASSPHRASE = "clickstack-e2e-fixed-passphrase";

/** The program's files, copied once into the run folder; node_modules is linked, not copied. */
const PROJECT_COPY = path.join(RUN_DIR, "project");
/** Every top-level .ts module of the program (index.ts), the stack files, and the folders. */
const PROJECT_FILES = [...fs.readdirSync(ROOT).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "package.json", "tsconfig.json", "config", "components", "policies"];

export function copyProject(): string {
    if (fs.existsSync(PROJECT_COPY)) return PROJECT_COPY;
    fs.mkdirSync(PROJECT_COPY, { recursive: true });
    for (const f of PROJECT_FILES) {
        fs.cpSync(path.join(ROOT, f), path.join(PROJECT_COPY, f), {
            recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`),
        });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(PROJECT_COPY, "node_modules"));
    return PROJECT_COPY;
}

/** Environment of every CLI run: the built binaries first on PATH, a file backend in the run folder, no downloads. */
function engineEnv(): Record<string, string> {
    return {
        PATH: `${path.join(TOOLCHAIN, "bin")}${path.delimiter}${process.env.PATH}`,
        PULUMI_HOME: path.join(RUN_DIR, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${STATE_DIR}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        KUBECONFIG,
    };
}

let command: Promise<PulumiCommand> | undefined;
function pulumiCommand(): Promise<PulumiCommand> {
    command ??= PulumiCommand.get({ root: TOOLCHAIN });
    return command;
}

/** A stack of `workDir` (the project copy unless given), created or selected. */
export async function stack(name: string, workDir = copyProject()): Promise<Stack> {
    fs.mkdirSync(STATE_DIR, { recursive: true });
    return LocalWorkspace.createOrSelectStack({ stackName: name, workDir }, { pulumiCommand: await pulumiCommand(), envVars: engineEnv() });
}

export interface Run { status: number; stdout: string; stderr: string }

export function kubectl(args: string[], input?: string): Run {
    const r = spawnSync("kubectl", ["--kubeconfig", KUBECONFIG, ...args], { encoding: "utf8", input, env: { ...process.env, ...engineEnv() } });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function kubectlJson<T = Record<string, unknown>>(args: string[]): T {
    const r = kubectl([...args, "-o", "json"]);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
}

/** The `kubectl get` type of an object: kind.version.group, or the kind alone for the core group. */
export function kubectlType(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    return group === "" ? kind : `${kind}.${version}.${group}`;
}

// --- timings -----------------------------------------------------------------------------------
interface Timing { step: string; seconds: number }
const timings: Timing[] = [];

export async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    try {
        return await work();
    } finally {
        timings.push({ step, seconds: Number(process.hrtime.bigint() - start) / 1e9 });
    }
}

/** Prints the table and writes it as JSON, with the script-measured steps (toolchain, cluster). */
export function reportTimings(): void {
    const preFile = path.join(RUN_DIR, "timings-scripts.json");
    const pre: Timing[] = fs.existsSync(preFile) ? JSON.parse(fs.readFileSync(preFile, "utf8")) : [];
    const all = [...pre, ...timings];
    fs.writeFileSync(path.join(RUN_DIR, "timings.json"), JSON.stringify(all, null, 2));
    const width = Math.max(...all.map((t) => t.step.length));
    const table = all.map((t) => `${t.step.padEnd(width)}  ${t.seconds.toFixed(1).padStart(7)} s`).join("\n");
    process.stdout.write(`\nReal-engine test timings (${CHARTS.kind} charts, ${DEMO.kind} demo manifest; ${path.join(RUN_DIR, "timings.json")}):\n${table}\n`);
}
