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
