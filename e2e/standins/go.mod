// Stand-ins for the two plugins the Go module proxy does not serve (see e2e/README.md).
// Requirements are resolved at build time by e2e/toolchain.sh at the pinned Pulumi version.
module clickstack-k8s/e2e/standins

go 1.26.0
