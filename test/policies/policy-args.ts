// Hand-built arguments for calling a policy's validateResource offline, as the policy SDK would.
import { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export interface FakeResource {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
    readonly protect?: boolean;
    readonly stack?: string;
    /** The policy's pack config (what `getConfig` returns). */
    readonly config?: Record<string, unknown>;
}

export function resourceArgs(r: FakeResource): ResourceValidationArgs {
    return {
        type: r.type,
        name: r.name,
        props: r.props,
        urn: `urn:pulumi:${r.stack ?? "dev"}::clickstack-k8s::${r.type}::${r.name}`,
        opts: { protect: r.protect ?? false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        stackTags: new Map(),
        isType: () => { throw new Error("the pack's policies match on args.type"); },
        asType: () => { throw new Error("the pack's policies match on args.type"); },
        getConfig: <T extends object>() => (r.config ?? {}) as T,
        notApplicable: (reason?: string): never => { throw new Error(`notApplicable: ${reason}`); },
    };
}

/** The messages `policy` reports for `resource`. */
export async function violations(policy: ResourceValidationPolicy | StackValidationPolicy, resource: FakeResource): Promise<string[]> {
    // A stack policy on one resource: that resource as the whole stack.
    if ("validateStack" in policy) return stackViolations(policy, [resource], resource.config);
    const messages: string[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    for (const validate of validations) {
        await validate(resourceArgs(resource), (message: string) => { messages.push(message); });
    }
    return messages;
}

/** The messages a stack policy reports for `resources` (a stack as the policy SDK hands it over), with the URN each names. */
export async function stackViolations(policy: StackValidationPolicy, resources: readonly FakeResource[], config: Record<string, unknown> = {}): Promise<string[]> {
    const messages: string[] = [];
    const asPolicyResources: PolicyResource[] = resources.map((r) => {
        const args = resourceArgs(r);
        return {
            type: r.type, name: r.name, urn: args.urn, props: r.props, opts: args.opts, dependencies: [], propertyDependencies: {},
            isType: args.isType, asType: args.asType,
        } as unknown as PolicyResource;
    });
    await policy.validateStack!({
        resources: asPolicyResources,
        getConfig: <T extends object>() => config as T,
        stackTags: new Map(),
        notApplicable: (reason?: string): never => { throw new Error(`notApplicable: ${reason}`); },
    } as never, (message: string, urn?: string) => { messages.push(urn ? `${message} [${urn.split("::").pop()}]` : message); });
    return messages;
}

/** A Kubernetes object as a policy sees it: `kubernetes:<group>/<version>:<Kind>`. */
export function kubeResource(object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }, extra: Partial<FakeResource> = {}): FakeResource {
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["core", object.apiVersion];
    return { type: `kubernetes:${group}/${version}:${object.kind}`, name: object.metadata.name, props: object as unknown as Record<string, unknown>, ...extra };
}
