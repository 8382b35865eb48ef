// Handing tokens to npm, pnpm and yarn: a line-preserving .npmrc editor, registry discovery, pnpm token
// helpers (no token on disk), a child-process environment, and yarn berry's rc file. Library code: it
// returns warnings and takes `onNotice` callbacks, never prints.

export { type CommittedTokenWarning, findCommittedTokens } from "./committed-tokens.js";
export {
  type DiscoveredRegistry,
  type DiscoverOptions,
  type Discovery,
  type DomainGroup,
  discoverRegistries,
  groupTargetsByDomain,
  type RegistryOccurrence,
  type RegistrySource,
  YARN_DEFAULT_REGISTRY,
  type YarnRegistries,
  type YarnRoute,
  yarnRegistries,
} from "./discover.js";
export {
  GitTrackedTargetError,
  PackageManagerError,
  type PackageManagerErrorCode,
  RcFileError,
  TokenHelperConflictError,
  UnsafeValueError,
} from "./errors.js";
export {
  type ExecEnvironmentOptions,
  execEnvironment,
  type PlannedEnvironment,
  planTokenEnvironment,
  type TokenEntry,
  type TokenEnvironmentOptions,
  tokenEnvironment,
  type WithheldVariable,
} from "./exec-env.js";
export { assertNotGitExposed, type GitOptions, type GitState, gitStateOf } from "./git.js";
export { expandNpmEnv, type NpmrcEntry, parseNpmrc } from "./ini-text.js";
export { registryNerfDart, toNerfDart } from "./nerf-dart.js";
export {
  type ApplyOptions,
  type ApplyResult,
  applyNpmrcEdits,
  helperPathProblem,
  type NpmrcChange,
  type NpmrcEdit,
  type NpmrcPlan,
  type PlanOptions,
  planNpmrcEdits,
} from "./npmrc.js";
export {
  findProject,
  findUserNpmrc,
  type LocationOptions,
  type ProjectLocation,
  pnpmConfigDir,
  pnpmHelperFile,
  type UserNpmrc,
  userNpmrcPath,
  userYarnrcPath,
  yarnRcFilename,
} from "./npmrc-locations.js";
export {
  type HelperInstallResult,
  type HelperProgram,
  type HelperRemovalResult,
  type InstalledHelper,
  installPnpmTokenHelpers,
  type PnpmHelperOptions,
  pnpmHelperDir,
  removePnpmTokenHelpers,
} from "./pnpm-token-helper.js";
export type { EditOutcome, FileEditOptions } from "./private-file.js";
export {
  findTokenReferences,
  type NpmConfigFile,
  type NpmConfigOptions,
  npmConfigFiles,
  strayTokenReference,
  type TokenReference,
} from "./token-references.js";
export {
  removeYarnAuthTokens,
  setYarnAuthTokens,
  type YarnrcChange,
  type YarnrcOptions,
  type YarnrcResult,
  type YarnTokenEntry,
} from "./yarnrc.js";
