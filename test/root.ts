// The repository's root, for tests that read its files. Its own module so that a suite needing only
// the path does not load the program and the Pulumi SDK with test/harness.ts (a second of CPU each).
import * as path from "path";

export const ROOT = path.join(__dirname, "..");
