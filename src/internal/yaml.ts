import * as Effect from "effect/Effect"

/** The `yaml` package: an optional peer dependency, loaded on the first YAML manifest. */
export type YamlModule = typeof import("yaml")

/** Loads `yaml` (Node caches the module after the first import); `onMissing` says what needed it. */
export const load = <E>(onMissing: (cause: unknown) => E): Effect.Effect<YamlModule, E> =>
  Effect.tryPromise({ try: () => import("yaml"), catch: onMissing })
