import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as Manifest from "../Manifest.js"
import type { OrganizationMember } from "../Model.js"
import { Workspaces } from "../Workspaces.js"
import type { Issue } from "./manifestIssues.js"
import { duplicates } from "./manifestRules.js"

/** A member entry names a user by email when it holds an `@`, which no user id does. */
export const isEmail = (entry: string): boolean => entry.includes("@")

/** Emails match whatever their case and the spaces around them. */
const normalize = (email: string) => email.trim().toLowerCase()

/** The ids of the members who have this email (none: unknown; two or more: ambiguous). */
export const idsOf = (index: ReadonlyMap<string, ReadonlyArray<string>>, email: string): ReadonlyArray<string> =>
  index.get(normalize(email)) ?? []

/**
 * The organization's members by email: the ids of everyone who has it (two or more: ambiguous).
 * Manifests and `orw members`' CSV files resolve emails through it.
 */
export const byEmail = (members: Iterable<OrganizationMember>): ReadonlyMap<string, ReadonlyArray<string>> => {
  const index = new Map<string, Array<string>>()
  for (const member of members) {
    if (!isEmail(member.email)) continue
    const key = normalize(member.email)
    const ids = index.get(key)
    if (ids === undefined) index.set(key, [member.id])
    else ids.push(member.id)
  }
  return index
}

/** The email each member is written as in an export: theirs, when nobody else has it. */
export const emailsById = (members: ReadonlyArray<OrganizationMember>): ReadonlyMap<string, string> => {
  const index = byEmail(members)
  return new Map(
    members.flatMap((member) =>
      isEmail(member.email) && index.get(normalize(member.email))?.length === 1
        ? [[member.id, member.email.trim()] as const]
        : []
    )
  )
}

const hasEmail = (manifest: Manifest.Manifest) =>
  (manifest.protect ?? []).some(isEmail) || manifest.workspaces.some((entry) => (entry.members ?? []).some(isEmail))

/**
 * The manifest with user ids for emails, the emails nobody or more than one member has, and the
 * members a workspace lists twice once emails are ids (`user_2a9f` and the email of `user_2a9f`).
 */
export interface Resolution {
  readonly manifest: Manifest.Manifest
  readonly unresolved: ReadonlyArray<Manifest.UnresolvedEmail>
  readonly duplicates: ReadonlyArray<Issue>
}

const resolve = (manifest: Manifest.Manifest, index: ReadonlyMap<string, ReadonlyArray<string>>): Resolution => {
  const unresolved: Array<Manifest.UnresolvedEmail> = []
  const resolveAll = (entries: ReadonlyArray<string>, path: string) =>
    entries.map((entry, i) => {
      if (!isEmail(entry)) return entry
      const userIds = idsOf(index, entry)
      if (userIds.length === 1) return userIds[0]!
      unresolved.push({ path: `${path}[${i}]`, email: entry, userIds })
      return entry
    })
  const protect = manifest.protect === undefined ? {} : { protect: resolveAll(manifest.protect, "protect") }
  const workspaces = manifest.workspaces.map((entry, i) =>
    entry.members === undefined ? entry : { ...entry, members: resolveAll(entry.members, `workspaces[${i}].members`) }
  )
  const repeated = workspaces.flatMap((entry, i) => {
    const written = manifest.workspaces[i]!.members ?? []
    return duplicates(entry.members ?? []).map(({ first, index }) => ({
      path: `workspaces[${i}].members[${index}]`,
      rule: `duplicates members[${first}] ("${written[first]}"): both name ${entry.members![index]}`
    }))
  })
  return { manifest: { ...manifest, ...protect, workspaces }, unresolved, duplicates: repeated }
}

/** Reads the organization's members only when the manifest names someone by email. */
export const resolveEmails = Effect.fn("Manifest.resolveEmails")(function* (manifest: Manifest.Manifest) {
  if (!hasEmail(manifest)) return { manifest, unresolved: [], duplicates: [] } satisfies Resolution
  const members = yield* Stream.runCollect((yield* Workspaces).streamOrganizationMembers())
  return resolve(manifest, byEmail(members))
})
