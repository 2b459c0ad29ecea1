// The documentation hangs together: every relative link in README.md, docs/ and the other READMEs
// resolves to a file of the repository (and, with a #fragment, to one of its headings, slugged as
// GitHub slugs them), and every page in docs/ is linked from README.md.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./root";

const pages = [
    "README.md",
    ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
    "e2e/README.md",
    "policies/README.md",
];

const withoutFences = (text: string) => text.replace(/```[\s\S]*?```/g, "");
/** GitHub's heading anchors: lower case, punctuation but '-' and '_' dropped, each space a '-'. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
const headingAnchors = (file: string) => new Set(withoutFences(fs.readFileSync(file, "utf8"))
    .split("\n").filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ""))));

/** Relative link targets of a page ([text](target)), outside code. */
const links = (file: string) => [...withoutFences(fs.readFileSync(file, "utf8")).replace(/`[^`\n]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]).filter((target) => !/^[a-z]+:/.test(target));

/** The links of `file` that lead nowhere: no such file, or no such heading in it. */
function brokenLinks(file: string): string[] {
    return links(file).filter((target) => {
        const [target_, fragment] = target.split("#");
        const resolved = target_ === "" ? file : path.resolve(path.dirname(file), target_);
        if (!fs.existsSync(resolved)) return true;
        return fragment !== undefined && !headingAnchors(resolved).has(fragment);
    });
}

describe("documentation links", () => {
    it.each(pages)("%s: every relative link resolves", (page) => {
        expect(brokenLinks(path.join(ROOT, page))).toEqual([]);
    });

    it("every page in docs/ is linked from README.md", () => {
        const linked = new Set(links(path.join(ROOT, "README.md")).map((t) => path.normalize(t.split("#")[0])));
        expect(pages.filter((p) => p.startsWith("docs/") && !linked.has(p))).toEqual([]);
    });

    it("the check itself: a missing file and a missing heading are broken, a present one is not", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "links-"));
        fs.writeFileSync(path.join(tmp, "a.md"), "# Title `code`\n\n## Sizes: what it asks\n");
        fs.writeFileSync(path.join(tmp, "b.md"), "[ok](a.md#sizes-what-it-asks) [ok](a.md#title-code) [gone](c.md) [no heading](a.md#sizes) `[code](x.md)` [web](https://example.com)\n");
        expect(brokenLinks(path.join(tmp, "b.md"))).toEqual(["c.md", "a.md#sizes"]);
    });
});
