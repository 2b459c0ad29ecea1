// Runs the real program (index.ts) under Pulumi's mocks for a stack file, and records every resource
// registration with its inputs and the options the engine would see (protect, dependencies, parent).
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import { parseStackConfig, PROJECT, SECRET_KEYS, StackConfigError } from "../config";
import program from "../index";
import { ROOT } from "./root";

export { ROOT };
export { PROJECT };
export const DEMO_FIXTURE = path.join(__dirname, "fixtures", "demo-manifest.yaml");
export type StackName = "dev" | "prod";

/**
 * Values the tests put in place of what a user supplies outside the stack file: the Cloud URL and
 * password of prod (set with `pulumi config set`), and a local demo manifest instead of the
 * download (no test touches the network).
 */
export const TEST_SUBSTITUTES: Record<StackName, Record<string, unknown>> = {
    dev: { demo: { enabled: true, manifestFile: DEMO_FIXTURE } },
    prod: { clickhouseUrl: "https://test-service.eu-west-1.aws.clickhouse.cloud:8443", clickhousePassword: "test-cloud-password" },
};

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
/** Stack config keys a user sets with `pulumi config set --secret`: the project's secrets, and the kubeconfig. */
const SECRET_CONFIG_KEYS = new Set([...[...SECRET_KEYS].map((k) => `${PROJECT}:${k}`), "kubernetes:kubeconfig"]);

export interface RunOptions {
    /** Secret keys (without the project prefix) the stack holds in plain text, as after `pulumi config set` without `--secret`. */
    readonly plaintext?: readonly string[];
}

export interface Recorded {
    readonly type: string;
    readonly name: string;
    /** Inputs as sent to the engine; secrets are wrapped. */
    readonly inputs: Record<string, unknown>;
    /** Inputs with secrets unwrapped. */
    readonly plain: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    readonly custom: boolean;
    /** The provider reference (`<provider URN>::<id>`), or the providers map of a remote component. */
    readonly provider: string;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    /** Names of the resources this one depends on. */
    readonly dependencies: string[];
    /** The same as `<type>::<name>`: names alone are ambiguous (a component and its chart share one). */
    readonly dependencyKeys: string[];
    readonly ignoreChanges: string[];
    readonly customTimeouts?: { create: string; update: string; delete: string };
    readonly parent?: string;
    /** How many `transforms` callbacks the registration carries. */
    readonly transforms: number;
}

export interface ProgramRun {
    readonly resources: Recorded[];
    readonly outputs: Record<string, unknown>;
    /** Names of the stack outputs that are Pulumi secrets. */
    readonly secretOutputs: string[];
    readonly find: (type: string, name: string) => Recorded;
    readonly ofType: (type: string) => Recorded[];
}

/** Project defaults from Pulumi.yaml, as the CLI applies them. */
export function projectDefaults(): Record<string, unknown> {
    const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> };
    return Object.fromEntries(Object.entries(project.config).filter(([, decl]) => decl.default !== undefined).map(([k, decl]) => [k, decl.default]));
}

/** The stack file's config, without the project prefix. */
export function stackFile(stack: StackName): Record<string, unknown> {
    const file = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k.replace(`${PROJECT}:`, ""), v]));
}

/**
 * The config the CLI would hand the program: Pulumi.yaml defaults, the stack file, the test
 * substitutes, then `overrides` (an `undefined` override removes the key).
 */
export function stackConfig(stack: StackName, overrides: Record<string, unknown> = {}): Record<string, string> {
    const merged: Record<string, unknown> = { ...projectDefaults(), ...stackFile(stack), ...TEST_SUBSTITUTES[stack], ...overrides };
    return Object.fromEntries(Object.entries(merged)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [`${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

export function isSecret(value: unknown): boolean {
    return typeof value === "object" && value !== null && SECRET_SIG_KEY in value;
}

export function reveal(value: unknown): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (Array.isArray(value)) return value.map(reveal);
    if (value !== null && typeof value === "object") {
        if (isSecret(value)) return reveal((value as { value: unknown }).value);
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}

const nameOfUrn = (urn: string) => urn.split("::").pop() ?? urn;
/** `urn:pulumi:<stack>::<project>::<parent types$>type::name` → `type::name`. */
const keyOfUrn = (urn: string) => {
    const [, , qualifiedType, name] = urn.split("::");
    return `${qualifiedType.split("$").pop()}::${name}`;
};

/**
 * Evaluates index.ts for `stack` in a fresh module registry. Rejects with the program's error
 * (e.g. a config error); `recorded` then still lists what was registered before it.
 */
export function runProgram(
    stack: StackName, overrides: Record<string, unknown> = {}, recorded?: Recorded[], otherConfig: Record<string, string> = {},
    options: RunOptions = {},
): Promise<ProgramRun> {
    // Runs are deterministic: a test file that asks for the same stack and config twice shares one
    // run, unless it passes its own `recorded` list to watch registrations (error cases).
    if (recorded !== undefined) return evaluate(stack, overrides, recorded, otherConfig, options);
    const key = JSON.stringify([stack, overrides, otherConfig, options]);
    let run = runs.get(key);
    if (run === undefined) {
        run = evaluate(stack, overrides, [], otherConfig, options);
        runs.set(key, run);
    }
    return run;
}
const runs = new Map<string, Promise<ProgramRun>>();

async function evaluate(
    stack: StackName, overrides: Record<string, unknown>, recorded: Recorded[], otherConfig: Record<string, string>, options: RunOptions,
): Promise<ProgramRun> {
    // setMocks replaces the monitor and the stack settings, and setAllConfig the config, so runs in
    // one test file share the loaded modules (re-loading @pulumi/pulumi per run tripled the suite's time).
    await pulumi.runtime.setMocks({
        newResource: (args) => ({
            id: `${args.name}-id`,
            state: args.type === "random:index/randomPassword:RandomPassword" ? { ...args.inputs, result: `generated-${args.name}` } : args.inputs,
        }),
        call: (args) => args.inputs,
    }, PROJECT, stack);

    // Wrap the mock monitor to see the options the mocks API does not pass on.
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: RegisterRequest, cb: unknown) => unknown };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        const inputs = pulumi.runtime.deserializeProperties(req.getObject() as Parameters<typeof pulumi.runtime.deserializeProperties>[0]) as Record<string, unknown>;
        recorded.push({
            type: req.getType(),
            name: req.getName(),
            inputs,
            plain: reveal(inputs),
            custom: req.getCustom(),
            provider: req.getProvider() || [...req.getProvidersMap().entries()].map(([pkg, ref]) => `${pkg}=${ref}`).join(","),
            protect: req.getProtect() === true,
            retainOnDelete: req.getRetainondelete() === true,
            dependencies: req.getDependenciesList().map(nameOfUrn),
            dependencyKeys: req.getDependenciesList().map(keyOfUrn),
            ignoreChanges: req.getIgnorechangesList(),
            customTimeouts: req.getCustomtimeouts()?.toObject(),
            parent: req.getParent() ? nameOfUrn(req.getParent()) : undefined,
            transforms: req.getTransformsList().length,
        });
        return register(req, cb);
    };

    const config = { ...stackConfig(stack, overrides), ...otherConfig };
    // What the language host passes: the keys the stack holds encrypted. Secret keys count as set
    // with `--secret` unless the test says they were set in plain text.
    const plaintext = new Set((options.plaintext ?? []).map((k) => `${PROJECT}:${k}`));
    const encrypted = Object.keys(config).filter((k) => SECRET_CONFIG_KEYS.has(k) && !plaintext.has(k) && config[k] !== "");
    pulumi.runtime.setAllConfig(config, encrypted);
    process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(encrypted);

    // Pulumi records a stack trace on every promise it makes (runtime/debuggable.js), and under jest
    // each one is source-mapped: a third of a run's time. The program's own errors keep their message.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    // Each resource also takes the whole stack for its source position (resource.js Resource.callsites,
    // which lifts that limit), and the mock monitor drops it: a tenth of this suite's CPU.
    const sdkResource = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const callsites = sdkResource.callsites;
    if (typeof callsites !== "function") throw new Error("@pulumi/pulumi has no Resource.callsites any more: test/harness.ts must find another way to skip the stacks");
    sdkResource.callsites = () => [];
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    try {
        const exported = await program();
        for (const [key, value] of Object.entries(exported)) {
            outputs[key] = pulumi.Output.isInstance(value) ? await promiseOf(value) : value;
            if (pulumi.Output.isInstance(value) && await pulumi.isSecret(value)) secretOutputs.push(key);
        }
        await settle(recorded);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
        sdkResource.callsites = callsites;
    }
    const find = (type: string, name: string) => {
        const hit = recorded.find((r) => r.type === type && r.name === name);
        if (!hit) throw new Error(`no ${type} named ${name}; registered: ${recorded.map((r) => `${r.type} ${r.name}`).join(", ")}`);
        return hit;
    };
    return { resources: recorded, outputs, secretOutputs, find, ofType: (type) => recorded.filter((r) => r.type === type) };
}

interface RegisterRequest {
    getType(): string; getName(): string; getObject(): unknown; getCustom(): boolean; getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined; getDependenciesList(): string[]; getParent(): string;
    getIgnorechangesList(): string[]; getCustomtimeouts(): { toObject(): { create: string; update: string; delete: string } } | undefined;
    getProvider(): string; getProvidersMap(): { entries(): Iterable<[string, string]> };
    getTransformsList(): unknown[];
}

/** Resolves an Output's value (undefined while unknown). */
export function promiseOf<T>(output: { apply<U>(f: (t: T) => U): unknown }): Promise<T> {
    return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

/**
 * Waits until every RPC the program started has finished (the SDK's own count: each registration holds
 * an rpcKeepAlive until it is answered), then until no new registration arrives for a few turns. A
 * resource with `transforms` registers only after the SDK has started its callback server, later than
 * a few turns: without the first wait a run could end before it, and its registrations fall into the
 * next run's mocks ("unknown resource").
 */
async function settle(recorded: readonly Recorded[]): Promise<void> {
    // Not in the SDK's typings: runtime/settings.js exports it for its own shutdown (disconnect()).
    await (runtimeSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    let seen = -1;
    let quietTurns = 0;
    while (quietTurns < 2) {
        quietTurns = seen === recorded.length ? quietTurns + 1 : 0;
        seen = recorded.length;
        await new Promise((r) => setTimeout(r, 5));
    }
}

/** Kubernetes resource types as the engine names them. */
export const T = {
    provider: "pulumi:providers:kubernetes",
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    chart: "kubernetes:helm.sh/v4:Chart",
    configGroup: "kubernetes:yaml/v2:ConfigGroup",
    password: "random:index/randomPassword:RandomPassword",
} as const;

/** The problems parseStackConfig reports for `raw`, or [] when it accepts it. */
export function configProblems(raw: Record<string, unknown>): readonly string[] {
    try {
        parseStackConfig(raw);
        return [];
    } catch (err) {
        if (err instanceof StackConfigError) return err.problems;
        throw err;
    }
}
