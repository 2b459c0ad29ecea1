// The demo's slice of the stack config: whether the OpenTelemetry demo runs, and where its manifest
// comes from (the pinned download, another URL with its digest, or a local file).
import { z } from "zod";
import { booleanish, SHA256_HEX, slice } from "../common/config-slice";
import { DemoManifestSource, PINNED_DEMO_MANIFEST } from "./otel-demo";

export interface DemoConfig {
    readonly demo: { readonly enabled: boolean; readonly source: DemoManifestSource };
}

export const demoConfig = slice({
    name: "demo",
    defaults: { demo: {} },
    shape: {
        demo: z.strictObject({
            enabled: booleanish.optional(),
            manifestUrl: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).optional(),
            manifestFile: z.string().min(1, "must not be empty").optional(),
            sha256: z.string().regex(SHA256_HEX, "must be 64 lower-case hex digits").optional(),
        }, { error: (iss) => iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: enabled, manifestUrl, manifestFile, sha256` : "must be an object" }).default({}),
    },
    rules: (c, problem) => {
        if (c.demo.manifestUrl !== undefined && c.demo.manifestFile !== undefined) {
            problem("demo.manifestFile", "and demo.manifestUrl are both set; give one source (a local file wins over a URL, so drop the one you do not mean)");
        }
        if (c.demo.manifestUrl !== undefined && c.demo.sha256 === undefined) {
            problem("demo.sha256", "is required with demo.manifestUrl: the SHA-256 of that manifest, so a changed download is refused");
        }
    },
    toConfig: (c): DemoConfig => {
        const source: DemoManifestSource = c.demo.manifestFile !== undefined
            ? { kind: "file", path: c.demo.manifestFile, sha256: c.demo.sha256 }
            : c.demo.manifestUrl !== undefined
                ? { kind: "url", url: c.demo.manifestUrl, sha256: c.demo.sha256! }
                : { kind: "url", url: PINNED_DEMO_MANIFEST.url, sha256: PINNED_DEMO_MANIFEST.sha256 };
        // The demo is for exploring: on unless the stack holds production data.
        return { demo: { enabled: c.demo.enabled ?? (c.mode !== "agent" && !c.protectData), source } };
    },
});
