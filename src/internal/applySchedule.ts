import * as Arr from "effect/Array"
import * as Data from "effect/Data"
import * as Order from "effect/Order"
import type * as Plan from "../Plan.js"
import type * as Workflows from "../Workflows.js"
import type { WorkspacesError } from "../WorkspacesError.js"
import { namesDefault } from "./defaultWorkspace.js"
import { reportOf } from "./applyReport.js"
import { ApplyEvent, Change } from "./plan.js"

type Change = Plan.Change
type MemberFailure = Workflows.MemberFailure

/** A step to send once the steps in `after` have settled; if one of them did not go through, it is skipped. */
export interface Scheduled {
  readonly index: number
  readonly after: ReadonlyArray<number>
}

/** A step that is never sent, and why. */
export interface Refusal {
  readonly index: number
  readonly reason: string
}

/**
 * How a plan runs: the refused steps are reported first, then the build-up runs, then, once every
 * step of the build-up has settled, the take-away. Within a phase each step starts once its
 * `after` steps have settled.
 */
export interface Schedule {
  readonly changes: ReadonlyArray<Change>
  readonly refused: ReadonlyArray<Refusal>
  /**
   * What adds or changes: each workspace's creation or update, then its budget steps one at a time
   * in the plan's order, and its member additions.
   */
  readonly buildUp: ReadonlyArray<Scheduled>
  /**
   * What takes members away, so that a user the plan moves is never in neither workspace: member
   * removals, and the workspaces the plan deletes.
   */
  readonly takeAway: ReadonlyArray<Scheduled>
  readonly deleted: ReadonlyArray<string>
}

/**
 * How a step settled. `Done.rejected` lists the users the API refused and, for a removal, those
 * kept where they are; a skipped removal lists its kept users in `Skipped.kept`.
 */
export type Outcome = Data.TaggedEnum<{
  Done: { readonly rejected: ReadonlyArray<MemberFailure> }
  Failed: { readonly error: WorkspacesError }
  Skipped: { readonly reason: string; readonly kept: ReadonlyArray<MemberFailure> }
}>

export const Outcome = Data.taggedEnum<Outcome>()

/** A step and how it settled, in the order steps settle. */
export interface Settled {
  readonly step: Change
  readonly index: number
  readonly outcome: Outcome
}

/** What to do with a scheduled step: send `step` (the step itself, or a removal of fewer users), or skip it. */
export type Decision =
  | { readonly _tag: "Send"; readonly step: Change; readonly kept: ReadonlyArray<MemberFailure> }
  | Data.TaggedEnum.Value<Outcome, "Skipped">

/** The users whose addition did not go through, each with the workspaces they were to join. */
export type HeldBack = ReadonlyMap<string, ReadonlyArray<string>>

const isHead = (step: Change): boolean =>
  step._tag === "CreateWorkspace" || step._tag === "UpdateWorkspace" || step._tag === "DeleteWorkspace"

/** The steps that run one at a time in the plan's order, per workspace: its head, and its budget steps. */
const chainOf = (step: Change): "head" | "budgets" | undefined =>
  isHead(step) ? "head" : step._tag === "SetBudget" || step._tag === "DeleteBudget" ? "budgets" : undefined

/**
 * Why a step is never sent: the default workspace is deleted only when both the plan and the apply
 * confirm it, and its membership is implicit.
 */
const refusedOnDefault = (
  step: Change,
  defaultWorkspace: Workflows.DefaultWorkspace,
  options: Pick<Plan.ApplyOptions, "confirmDefaultWorkspaceDeletion">
): string | undefined => {
  if (!namesDefault(defaultWorkspace, step.workspace)) return undefined
  switch (step._tag) {
    case "DeleteWorkspace":
      if (step.confirmDefaultWorkspaceDeletion !== true) {
        return `"${step.workspace}" is the default workspace: it is never deleted`
      }
      return options.confirmDefaultWorkspaceDeletion === true
        ? undefined
        : `"${step.workspace}" is the default workspace: its deletion needs confirmDefaultWorkspaceDeletion at apply too`
    case "AddMembers":
    case "RemoveMembers":
      return `"${step.workspace}" is the default workspace, whose membership is implicit`
    default:
      return undefined
  }
}

export const schedule = (
  plan: Plan.Plan,
  defaultWorkspace: Workflows.DefaultWorkspace,
  options: Pick<Plan.ApplyOptions, "confirmDefaultWorkspaceDeletion"> = {}
): Schedule => {
  const steps = plan.changes.map((step, index) => ({ step, index }))
  // A plan made by hand, or under another `DefaultWorkspace`, may ask what the API refuses anyway.
  const onDefault = steps.flatMap(({ index, step }): ReadonlyArray<Refusal> => {
    const reason = refusedOnDefault(step, defaultWorkspace, options)
    return reason === undefined ? [] : [{ index, reason }]
  })
  const refusedIndexes = new Set(onDefault.map((_) => _.index))
  const allowed = steps.filter(({ index }) => !refusedIndexes.has(index))
  const deleted = Arr.dedupe(allowed.flatMap(({ step }) => (step._tag === "DeleteWorkspace" ? [step.workspace] : [])))
  // A plan made by hand may also change a workspace it deletes: only the deletion is sent.
  const [sent, moot] = Arr.partition(allowed, ({ step }) => deleted.includes(step.workspace) && !isHead(step))
  const chains = Arr.groupBy(
    sent.filter(({ step }) => chainOf(step) !== undefined),
    ({ step }): string => `${chainOf(step)} ${step.workspace}`
  )
  const chain = (name: string, workspace: string) => (chains[`${name} ${workspace}`] ?? []).map((_) => _.index)
  const scheduled = ({ index, step }: (typeof steps)[number]): Scheduled => {
    const name = chainOf(step)
    const own = name === undefined ? [] : chain(name, step.workspace)
    const position = own.indexOf(index)
    const after = position > 0 ? [own[position - 1]!] : name === "head" ? [] : chain("head", step.workspace).slice(-1)
    return { index, after }
  }
  const [buildUp, takeAway] = Arr.partition(
    sent,
    ({ step }) => step._tag === "RemoveMembers" || deleted.includes(step.workspace)
  )
  return {
    changes: plan.changes,
    refused: Arr.sort(
      [
        ...onDefault,
        ...moot.map(({ index, step }) => ({ index, reason: `the plan deletes workspace ${step.workspace}` }))
      ],
      Order.mapInput(Order.number, (_: Refusal) => _.index)
    ),
    buildUp: buildUp.map(scheduled),
    takeAway: takeAway.map(scheduled),
    deleted
  }
}

/**
 * The users an addition did not bring in: all of them if it failed or was skipped (or has not
 * settled), those the API refused if it went through. An addition to a workspace the plan deletes
 * holds nobody back: it would have kept nobody anywhere.
 */
export const heldBack = (schedule: Schedule, outcomes: ReadonlyMap<number, Outcome>): HeldBack => {
  const notAdded = schedule.changes.flatMap((step, index): ReadonlyArray<readonly [string, string]> => {
    if (step._tag !== "AddMembers" || schedule.deleted.includes(step.workspace)) return []
    const outcome = outcomes.get(index)
    const userIds = outcome?._tag === "Done" ? outcome.rejected.map((_) => _.userId) : step.userIds
    return userIds.map((userId) => [userId, step.workspace])
  })
  return notAdded.reduce(
    (held, [userId, workspace]) => held.set(userId, Arr.dedupe([...(held.get(userId) ?? []), workspace])),
    new Map<string, ReadonlyArray<string>>()
  )
}

const send = (step: Change, kept: ReadonlyArray<MemberFailure> = []): Decision => ({ _tag: "Send", step, kept })
const skipped = (reason: string, kept: ReadonlyArray<MemberFailure> = []) => Outcome.Skipped({ reason, kept })

/**
 * What to do with a step, given the outcomes of its `after` steps and the users held back (none
 * during the build-up, when removals and deletions do not run).
 */
export const decide = (
  schedule: Schedule,
  { after, index }: Scheduled,
  outcomes: ReadonlyMap<number, Outcome>,
  held: HeldBack
): Decision => {
  const step = schedule.changes[index]!
  const blocker = after.find((before) => outcomes.get(before)?._tag !== "Done")
  if (blocker !== undefined) {
    const outcome = outcomes.get(blocker)
    const cause = schedule.changes[blocker]!
    return skipped(
      outcome?._tag === "Skipped" ? outcome.reason : `step ${blocker} (${cause._tag} ${cause.workspace}) failed`
    )
  }
  if (step._tag === "RemoveMembers") {
    const [rest, keptIds] = Arr.partition(step.userIds, (userId) => held.has(userId))
    if (keptIds.length === 0) return send(step)
    const kept = keptIds.map(
      (userId): MemberFailure => ({
        userId,
        operation: "remove",
        reason: `kept: their addition to ${held.get(userId)!.join(", ")} did not go through`
      })
    )
    return rest.length === 0
      ? skipped(`kept all ${keptIds.length} users: their addition elsewhere did not go through`, kept)
      : send(Change.RemoveMembers({ workspace: step.workspace, userIds: rest }), kept)
  }
  // A deleted workspace's members might be among the users held back.
  if (schedule.deleted.includes(step.workspace) && held.size > 0) {
    const workspaces = Arr.dedupe(Array.from(held.values()).flat())
    return skipped(
      `kept: the addition of ${held.size} user(s) to ${workspaces.join(", ")} did not go through, and they ` +
        `might be among its members`
    )
  }
  return send(step)
}

/** The event of a settled step: a skipped removal's kept users are its `rejected`. */
export const eventOf = ({ index, outcome, step }: Settled, total: number): Plan.ApplyEvent =>
  Outcome.$match(outcome, {
    Done: ({ rejected }) => ApplyEvent.StepDone({ step, index, total, rejected }),
    Failed: ({ error }) => ApplyEvent.StepFailed({ step, index, total, error }),
    Skipped: ({ kept, reason }) => ApplyEvent.StepSkipped({ step, index, total, reason, rejected: kept })
  })

/**
 * The report of an apply whose steps settled in this order: the fold of the events it streams
 * (`Started`, then an event per settled step).
 */
export const report = (
  total: number,
  settled: ReadonlyArray<Settled>,
  blocked: ReadonlyArray<Plan.BlockedChange> = []
): Plan.ApplyReport => reportOf([ApplyEvent.Started({ total, blocked }), ...settled.map((_) => eventOf(_, total))])
