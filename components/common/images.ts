// Image references and the mirror: `imageRegistry` points every image at one registry path,
// keeping each image's path (without its registry host) and its tag or digest:
//   docker.hyperdx.io/hyperdx/hyperdx:2.30.1 → registry.internal/mirror/hyperdx/hyperdx:2.30.1
//   busybox@sha256:…                       → registry.internal/mirror/library/busybox@sha256:…

export interface ImageRef {
    /** Registry host (with port), `docker.io` when the reference names none. */
    readonly registry: string;
    /** Repository path under the registry, `library/<name>` for Docker Hub's official images. */
    readonly path: string;
    readonly tag?: string;
    readonly digest?: string;
}

const DOCKER_HUB = "docker.io";

/** Splits an image reference the way the container runtimes do (distribution/reference's rules). */
export function parseImage(reference: string): ImageRef {
    let rest = reference;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let tag: string | undefined;
    const lastSlash = rest.lastIndexOf("/");
    const colon = rest.lastIndexOf(":");
    if (colon > lastSlash) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    const [first, ...others] = rest.split("/");
    // The first component is a registry host when it has a dot or a port, or is localhost.
    const hasRegistry = others.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
    const registry = hasRegistry ? first : DOCKER_HUB;
    let path = hasRegistry ? others.join("/") : rest;
    if (registry === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
    return { registry, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export function formatImage(image: ImageRef): string {
    return `${image.registry}/${image.path}${image.tag !== undefined ? `:${image.tag}` : ""}${image.digest !== undefined ? `@${image.digest}` : ""}`;
}

/** The repository (no tag) an image has in the mirror, or its own when there is no mirror. */
export function mirrorRepository(repository: string, mirror: string | undefined): string {
    if (mirror === undefined) return repository;
    return `${mirror}/${parseImage(repository).path}`;
}

/** The full reference an image has in the mirror, or itself when there is no mirror. */
export function mirrorImage(reference: string, mirror: string | undefined): string {
    return mirror === undefined ? reference : formatImage({ ...parseImage(reference), registry: mirror });
}

/** `<registry>/<path>` of a reference: its repository without tag or digest. */
export function imageRepository(reference: string): string {
    const { registry, path } = parseImage(reference);
    return `${registry}/${path}`;
}

/** One image a cluster pulls: where it comes from and where it is pulled from (the mirror's copy). */
export interface MirroredImage {
    readonly source: string;
    readonly target: string;
    /** Who pulls it, for the README and the output. */
    readonly usedBy: string;
}

/** An image's entry in the list: canonical source, and its copy in the mirror (the source itself without one). */
export function mirrored(reference: string, mirror: string | undefined, usedBy: string, target?: string): MirroredImage {
    const source = formatImage(parseImage(reference));
    return { source, target: mirror === undefined ? source : target ?? mirrorImage(reference, mirror), usedBy };
}

/** Pull secrets as pod specs (and most charts) take them. */
export const pullSecretRefs = (names: readonly string[]) => names.map((name) => ({ name }));
