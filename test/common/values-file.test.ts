import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadValuesFile, mergeValues } from "../../components/common/values-file";

describe("mergeValues (Helm's merge of a values file over defaults)", () => {
    it("merges maps key by key and lets the override win", () => {
        expect(mergeValues({ a: { b: 1, c: 2 }, d: 1 }, { a: { c: 3, e: 4 } })).toEqual({ a: { b: 1, c: 3, e: 4 }, d: 1 });
    });
    it("replaces lists and scalars, and keeps null (which removes a chart default in Helm)", () => {
        expect(mergeValues({ l: [1, 2], s: "x", m: { k: "v" } }, { l: [3], s: "y", m: null })).toEqual({ l: [3], s: "y", m: null });
    });
    it("leaves its inputs alone", () => {
        const base = { a: { b: 1 } };
        mergeValues(base, { a: { b: 2 } });
        expect(base).toEqual({ a: { b: 1 } });
    });
});

describe("loadValuesFile", () => {
    it("names a missing file", () => {
        const missing = path.join(os.tmpdir(), "no-such-values.yaml");
        expect(() => loadValuesFile(missing)).toThrow(`Cannot read values file ${missing}`);
    });
    it("reads YAML", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "values-")), "v.yaml");
        fs.writeFileSync(file, "a:\n  b: [1, 2]\n");
        expect(loadValuesFile(file)).toEqual({ a: { b: [1, 2] } });
    });
});
