import * as fs from "fs";
import * as yaml from "js-yaml";

/**
 * Loads a YAML values file that lives next to a component. A missing or malformed file is an error
 * that names the file, so a bad edit fails the preview with a message a user can act on.
 */
export function loadValuesFile(path: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(path, "utf8");
    } catch (err) {
        throw new Error(`Cannot read values file ${path}: ${(err as Error).message}`);
    }
    try {
        return yaml.load(text, { filename: path });
    } catch (err) {
        throw new Error(`Values file ${path} is not valid YAML: ${(err as Error).message}`);
    }
}

/** Like loadValuesFile, for files whose top level must be a mapping (Helm values). */
export function loadValuesObject(path: string): Record<string, unknown> {
    const parsed = loadValuesFile(path);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new Error(`Values file ${path} must hold a YAML mapping at the top level, found ${Array.isArray(parsed) ? "a list" : typeof parsed}`);
    }
    return parsed as Record<string, unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Merges Helm values the way Helm merges a values file over chart defaults: maps merge key by key,
 * anything else (lists, scalars, null) in `override` replaces what `base` has. Returns a new object.
 */
export function mergeValues(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const current = merged[key];
        merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
    }
    return merged;
}
