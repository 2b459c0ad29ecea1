// Jest's order: the longest suites first when its cache knows their durations, and by file size when it
// does not (a clean clone, as in CI). By size, the two longest suites (the type check and lint, and the
// mock suites gathered in a small file) would start last and finish seconds after everything else.
// They go first here, whatever the cache holds; the rest keeps Jest's order.
const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;

const LONGEST = ["static-checks.test.ts", "program.test.ts"].map((f) => path.join(__dirname, f));

class LongestFirst extends Sequencer {
    sort(tests) {
        const sorted = super.sort(tests);
        const rank = (test) => {
            const i = LONGEST.indexOf(test.path);
            return i === -1 ? LONGEST.length : i;
        };
        return [...sorted].sort((a, b) => rank(a) - rank(b));
    }
}

module.exports = LongestFirst;
