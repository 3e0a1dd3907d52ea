/**
 * Who is calling: the bearer token of a request, the kind of credential it is, and whether it may
 * call an operation or the admin routes.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as Endpoint from "../../src/Endpoint.js"
import type { OperationName } from "../../src/WorkspacesApi.js"
import type { Caller } from "./handlers.js"
import { adminOnly, Rejection } from "./handlers.js"
import type { Organization } from "./organization.js"
import type { CredentialKind } from "./requestLog.js"

export const bearerToken = (headers: { readonly authorization?: string | undefined }): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers["authorization"] ?? "")
  return match?.[1]
}

export const credentialKind = (organization: Organization, token: string | undefined): CredentialKind => {
  if (token === undefined) return "none"
  const credential = organization.authenticate(token)
  if (credential === undefined) return "unknown"
  if (credential.kind === "management") return "managementKey"
  return credential.key.disabled ? "disabledApiKey" : "apiKey"
}

const unauthorized = (message: string) => new Rejection(401, message)

export const authorize = (
  name: OperationName,
  endpoint: Endpoint.Any,
  organization: Organization,
  token: string | undefined
): Either.Either<Caller, Rejection> => {
  if (token === undefined) return Either.left(unauthorized("Missing Authentication header"))
  const credential = organization.authenticate(token)
  if (credential === undefined) return Either.left(unauthorized("Invalid API key"))
  if (credential.kind === "api") {
    if (credential.key.disabled) return Either.left(unauthorized("API key is disabled"))
    // a valid key that is not a management key: 403 where the operation documents it, else 401
    const status = endpoint.errors.includes(403) ? 403 : 401
    return Either.left(new Rejection(status, "Only management keys can perform this operation"))
  }
  const caller = {
    userId: credential.key.userId,
    isAdmin: organization.state.users.get(credential.key.userId)?.role === "admin"
  }
  if (adminOnly.has(name) && !caller.isAdmin) {
    return Either.left(new Rejection(403, "Only organization admins can create and delete workspaces"))
  }
  return Either.right(caller)
}

/** Whether the token is a management key of an organization admin, as the guarded admin routes require. @internal */
export const isAdminCaller = (organization: Organization, token: string | undefined) => {
  const credential = token === undefined ? undefined : organization.authenticate(token)
  return credential?.kind === "management" && organization.state.users.get(credential.key.userId)?.role === "admin"
}
