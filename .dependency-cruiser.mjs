// The direction of every import in the package, checked by dependency-cruiser in `npm run lint`.
// This file is the one place where the layer order is written.
import { readdirSync } from "node:fs"

// Lowest first. A module may import the modules listed before it and never one listed after it,
// type imports included. The files of `src/internal/` listed with a module are its implementation:
// they sit with it (they may import what it may) and import the module itself for its types only.
const layers = [
  ["contract", { Model: ["issues"], Endpoint: ["loopback", "wireCodec"], WorkspacesApi: [] }],
  ["client", { WorkspacesError: [], RetryPolicy: [], Workspaces: ["client", "resend", "version", "workspaces"] }],
  [
    "building blocks",
    {
      WorkflowsError: [],
      Budgets: ["budgets"],
      WorkspaceSpec: ["workspaceSpec"],
      Workflows: ["defaultWorkspace", "members", "workflowInput", "workflows"]
    }
  ],
  [
    "desired state",
    {
      Manifest: ["manifest", "manifestEmails", "manifestIssues", "manifestRules", "yaml"],
      Plan: ["apply", "applyReport", "applySchedule", "plan", "planBlocked", "planRendering"]
    }
  ],
  // The package's entry, with the namespaces that keep deprecated names for one release.
  ["entry", { index: ["endpointCompat", "workflowsCompat"] }]
]
// What the emulator may use besides the contract: `Emulator.layerWorkspaces` wires a client to it.
const emulatorClient = ["Workspaces", "WorkspacesError"]

const modules = layers.flatMap(([layer, entries]) =>
  Object.entries(entries).map(([name, internals]) => ({ layer, name, internals }))
)
const publicPath = (name) => `^src/${name}\\.ts$`
const internalPath = (name) => `^src/internal/${name}\\.ts$`
const pathsOf = (module) => [publicPath(module.name), ...module.internals.map(internalPath)]

const placed = new Set(modules.flatMap((m) => [`src/${m.name}.ts`, ...m.internals.map((i) => `src/internal/${i}.ts`)]))
const unplaced = ["src", "src/internal"]
  .flatMap((dir) => readdirSync(new URL(dir, import.meta.url)).map((file) => `${dir}/${file}`))
  .filter((file) => file.endsWith(".ts") && !placed.has(file))
if (unplaced.length > 0) {
  throw new Error(`.dependency-cruiser.mjs: place ${unplaced.join(", ")} in a layer`)
}

const contract = modules.filter((m) => m.layer === "contract")

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    ...modules.flatMap((module, i) => {
      const above = modules.slice(i + 1)
      return [
        ...(above.length === 0
          ? []
          : [
              {
                name: `no-upward-import-from-${module.name}`,
                comment:
                  `${module.name} (${module.layer}) may import only modules listed before it in ` +
                  `.dependency-cruiser.mjs, not ${above.map((m) => m.name).join(", ")}`,
                severity: "error",
                from: { path: pathsOf(module) },
                to: { path: above.flatMap(pathsOf) }
              }
            ]),
        ...(module.internals.length === 0
          ? []
          : [
              {
                name: `${module.name}-internals-import-it-for-types-only`,
                comment: `the implementation of ${module.name} may import src/${module.name}.ts for its types only`,
                severity: "error",
                from: { path: module.internals.map(internalPath) },
                to: { path: publicPath(module.name), dependencyTypesNot: ["type-only"] }
              }
            ])
      ]
    }),
    {
      name: "emulator-imports-the-contract",
      comment:
        "the emulator serves the contract (Model, Endpoint, WorkspacesApi, and the wire codecs Endpoint is built on) " +
        "and imports nothing else of src/",
      severity: "error",
      from: { path: "^emulator/", pathNot: "^emulator/Emulator\\.ts$" },
      to: { path: "^src/", pathNot: contract.flatMap(pathsOf) }
    },
    {
      name: "emulator-entry-imports-the-contract-and-client",
      comment: `Emulator.ts imports the contract, and ${emulatorClient.join(" and ")} for layerWorkspaces`,
      severity: "error",
      from: { path: "^emulator/Emulator\\.ts$" },
      to: { path: "^src/", pathNot: [...contract.flatMap(pathsOf), ...emulatorClient.map(publicPath)] }
    },
    {
      name: "src-imports-only-src",
      comment: "the client and the workflows depend on neither the emulator nor the scripts and tests",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(emulator|bin|examples|bench|test)/" }
    },
    {
      name: "emulator-imports-no-scripts",
      comment: "the emulator is part of the package: it depends on no script or test",
      severity: "error",
      from: { path: "^emulator/" },
      to: { path: "^(bin|examples|bench|test)/" }
    },
    {
      name: "no-circular",
      comment: "a cycle of runtime imports",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } }
    },
    {
      // In src/ the order above rules out every other cycle: the only import against it is an
      // implementation file's type import of its own module.
      name: "no-circular-internals",
      comment: "a cycle among implementation files, type imports included",
      severity: "error",
      from: { path: "^src/internal/" },
      to: { circular: true, viaOnly: { path: "^src/internal/" } }
    },
    {
      name: "no-circular-emulator",
      comment: "a cycle in the emulator, type imports included",
      severity: "error",
      from: { path: "^emulator/" },
      to: { circular: true }
    },
    {
      name: "not-to-unresolvable",
      comment: "an import that does not resolve to a file or a package",
      severity: "error",
      from: {},
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist|docs|test/consumer)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "types", "node", "default"]
    }
  }
}
