// The checks the Pulumi CLI runs on the stack config before the program starts, which mocks skip.
// Each rule below restates a function of pulumi/pulumi (read at v3.259.0+, commit 1b5949891b):
// - sdk/go/common/workspace/project.go `(*Project).Validate`: an array type needs `items`, and a
//   typed default must pass `ValidateConfigValue`;
// - pkg/workspace/config.go `mergeConfig`: a project key absent from the stack with neither
//   default nor value is "missing"; otherwise the default is merged in as a plain value
//   (`createConfigValue`: primitives as text, maps and lists as an object value);
// - pkg/workspace/config.go `validateStackConfigValues` / `validateStackConfigValue`, run on the
//   merged config: a key declared `secret` must hold a secure value, and every typed key's value
//   must pass `ValidateConfigValue` (project.go) for its type.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "./root";

interface Declaration { type?: string; items?: ItemsType; default?: unknown; value?: unknown; secret?: boolean; description?: string }
interface ItemsType { type: string; items?: ItemsType }
/** A config.Value: text for primitives, a parsed structure for objects, and whether it is encrypted. */
interface StackValue { readonly secure: boolean; readonly object: boolean; readonly content: unknown }

const PROJECT = "clickstack-k8s";
const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** project.go ValidateConfigValue. */
function validateConfigValue(type: string, items: ItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string": return typeof value === "string";
        case "integer": return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?[0-9]+$/.test(value));
        case "boolean": return value === "true" || value === "false" || typeof value === "boolean";
        case "object": return isMap(value);
        default: return Array.isArray(value) && items !== undefined && value.every((item) => validateConfigValue(items.type, items.items, item));
    }
}

/** project.go (*Project).Validate, for the keys this project declares (all namespaced by the project). */
function validateProject(config: Record<string, Declaration>): string[] {
    return Object.entries(config).flatMap(([key, decl]) => {
        if (decl.default !== undefined && decl.value !== undefined) return [`project config '${key}' cannot have both a 'default' and 'value' attribute`];
        if (decl.type === "array" && decl.items === undefined) return [`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`];
        if (decl.type !== undefined && decl.default !== undefined && !validateConfigValue(decl.type, decl.items, decl.default)) {
            return [`The default value specified for configuration key '${key}' is not of the expected type '${decl.type}'`];
        }
        return [];
    });
}

/** How a value in Pulumi.<stack>.yaml becomes a config.Value (`secure:` is an encrypted string). */
function stackValue(raw: unknown): StackValue {
    if (isMap(raw) && Object.keys(raw).length === 1 && typeof raw.secure === "string") return { secure: true, object: false, content: "<decrypted>" };
    if (isMap(raw) || Array.isArray(raw)) return { secure: JSON.stringify(raw).includes('"secure":'), object: true, content: raw };
    return { secure: false, object: false, content: String(raw) };
}

/** config.go createConfigValue: how a project default is merged into the stack. */
function defaultValue(value: unknown): StackValue {
    return isMap(value) || Array.isArray(value) ? { secure: false, object: true, content: value } : { secure: false, object: false, content: String(value) };
}

/** config.go mergeConfig + validateStackConfigValues: the first error the CLI would print, or undefined. */
function validateStack(stack: string, project: Record<string, Declaration>, stackConfig: Record<string, unknown>): string | undefined {
    const projectProblems = validateProject(project);
    if (projectProblems.length > 0) return projectProblems[0];
    const merged = new Map<string, StackValue>();
    for (const [fullKey, raw] of Object.entries(stackConfig)) merged.set(fullKey.replace(`${PROJECT}:`, ""), stackValue(raw));
    const missing: string[] = [];
    for (const key of Object.keys(project).sort()) {
        const decl = project[key];
        if (merged.has(key)) continue;
        if (decl.default === undefined && decl.value === undefined) missing.push(key);
        else merged.set(key, defaultValue(decl.default ?? decl.value));
    }
    if (missing.length > 0) return `Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${missing.map((k) => `'${k}'`).join(", ")}`;
    for (const key of Object.keys(project).sort()) {
        const decl = project[key];
        if (decl.type === undefined) continue;
        const value = merged.get(key)!;
        if (decl.secret && !value.secure) return `Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`;
        if (!validateConfigValue(decl.type, decl.items, value.content)) return `Stack '${stack}' with configuration key '${key}' must be of type '${decl.type}'`;
    }
    return undefined;
}

const readYaml = (file: string) => yaml.load(fs.readFileSync(path.join(ROOT, file), "utf8")) as { config: Record<string, unknown> };
const projectConfig = () => readYaml("Pulumi.yaml").config as Record<string, Declaration>;
const SECURE = { secure: "v1:ZmFrZS1ub25jZQ==:ZmFrZS1jaXBoZXJ0ZXh0" };

/**
 * Every stack file as a user has it after the README's steps: as committed, and with the values the
 * README tells them to set (`pulumi config set`, with `--secret` for secrets).
 */
const stackFiles = fs.readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
const AFTER_README: Record<string, Record<string, unknown>> = {
    prod: { [`${PROJECT}:clickhouseUrl`]: "https://abc.eu-west-1.aws.clickhouse.cloud:8443", [`${PROJECT}:clickhousePassword`]: SECURE },
    dev: { [`${PROJECT}:ingestionApiKey`]: SECURE },
};

describe("the CLI's stack-config validation accepts every stack file", () => {
    it("finds the stack files", () => {
        expect(stackFiles.sort()).toEqual(["Pulumi.dev.yaml", "Pulumi.prod.yaml"]);
    });

    it("Pulumi.yaml itself is valid (Project.Validate)", () => {
        expect(validateProject(projectConfig())).toEqual([]);
    });

    it.each(stackFiles)("%s as committed", (file) => {
        const stack = file.split(".")[1];
        expect(validateStack(stack, projectConfig(), readYaml(file).config)).toBeUndefined();
    });

    it.each(stackFiles)("%s after the README's `pulumi config set` steps", (file) => {
        const stack = file.split(".")[1];
        expect(validateStack(stack, projectConfig(), { ...readYaml(file).config, ...AFTER_README[stack] })).toBeUndefined();
    });

    it("no key is declared secret next to a default (the CLI would refuse every stack that leaves it unset)", () => {
        const both = Object.entries(projectConfig()).filter(([, d]) => d.secret && d.default !== undefined).map(([k]) => k);
        expect(both).toEqual([]);
    });
});

describe("the rules refuse what the CLI refuses (so the checks above can fail)", () => {
    const dev = () => readYaml("Pulumi.dev.yaml").config;

    it("a secret key with a plain default: the declaration this project had until issue 8", () => {
        const project = { ...projectConfig(), clickhousePassword: { type: "string", secret: true, default: "" } };
        expect(validateStack("dev", project, dev())).toBe("Stack 'dev' with configuration key 'clickhousePassword' must be encrypted as it's secret");
    });

    it("a secret key set in plain text", () => {
        const project = { ...projectConfig(), ingestionApiKey: { type: "string", secret: true } };
        expect(validateStack("dev", project, { ...dev(), [`${PROJECT}:ingestionApiKey`]: "plain" })).toMatch(/must be encrypted as it's secret/);
        expect(validateStack("dev", project, { ...dev(), [`${PROJECT}:ingestionApiKey`]: SECURE })).toBeUndefined();
    });

    it("a declared key without a default that the stack does not set", () => {
        const project = { ...projectConfig(), clickhouseUrl: { type: "string" } };
        expect(validateStack("dev", project, dev())).toBe("Stack 'dev' is missing configuration value 'clickhouseUrl'");
    });

    it("a string where the project declares an object (`pulumi config set ingress host` without --path)", () => {
        expect(validateStack("dev", projectConfig(), { ...dev(), [`${PROJECT}:ingress`]: "hyperdx.example.com" })).toBe("Stack 'dev' with configuration key 'ingress' must be of type 'object'");
    });

    it("a map where the project declares a boolean", () => {
        expect(validateStack("dev", projectConfig(), { ...dev(), [`${PROJECT}:protectData`]: { enabled: true } })).toMatch(/'protectData' must be of type 'boolean'/);
    });

    it("a default that does not match its declared type", () => {
        expect(validateProject({ ingress: { type: "object", default: "" } })).toEqual(["The default value specified for configuration key 'ingress' is not of the expected type 'object'"]);
        expect(validateProject({ hosts: { type: "array", default: [] } })).toHaveLength(1);
    });
});
