/**
 * `Endpoint` as the package's entry exports it in 0.2.x: the contract module, plus the name that
 * left it for the client, kept for one release. The contract itself never imports the client.
 */
import type { Any } from "../Endpoint.js"
import type { ErrorForEndpoint } from "../WorkspacesError.js"

export * from "../Endpoint.js"

/**
 * Exactly the errors an endpoint's operation can fail with.
 *
 * @deprecated Use `WorkspacesError.ErrorForEndpoint`: the contract names the documented statuses,
 * the client maps them to its errors. This alias goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type Error<E extends Any> = ErrorForEndpoint<E>
