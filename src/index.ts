// The programmatic API of codeartifact-keyring. The general config/secret chain is exported
// separately as `codeartifact-keyring/configstore`.

export { cacheKey, DEFAULT_REFRESH_MARGIN_SECONDS } from "./cache/entry.js";
export { CacheError, KeychainRequiredError } from "./cache/errors.js";
export {
  type CachedTokenInfo,
  type CacheFilter,
  type CacheListing,
  clearCachedTokens,
  listCachedTokens,
} from "./cache/manage.js";
export {
  type CachedAuthorizationToken,
  type CacheOptions,
  type GetTokenOptions,
  getAuthorizationToken,
  getTokenForRegistry,
} from "./cache/token.js";
export {
  type ConfigCandidate,
  type ConfigEntry,
  type ConfigFormat,
  type ConfigSection,
  type KeyringConfig,
  type LoadConfigOptions,
  type LoadedConfig,
  loadKeyringConfig,
  parseSectionHeader,
  pythonKeyringConfigPath,
  type Qualifier,
  readKeyringConfig,
} from "./codeartifact/config.js";
export * from "./codeartifact/errors.js";
export {
  checkCoordinates,
  insecureRegistryUrlProblem,
  isLoopbackHost,
  makeTarget,
  normalizeRegistryUrl,
  parseRegistryUrl,
  type RegistryTarget,
} from "./codeartifact/registry-url.js";
export {
  describeIdentity,
  type Identity,
  type RegistryInput,
  type ResolvedRegistry,
  type ResolveOptions,
  resolveRegistry,
  resolveTarget,
  type SettingOverrides,
} from "./codeartifact/resolve.js";
export {
  type CredentialChoice,
  type SelectedSetting,
  type Selection,
  type SelectionRequest,
  selectSettings,
} from "./codeartifact/select.js";
export {
  type CacheMode,
  CREDENTIAL_KEYS,
  SETTING_DEFINITIONS,
  type SettingDefinition,
  type SettingSource,
  type Settings,
} from "./codeartifact/settings.js";
export {
  type AuthorizationToken,
  fetchRegistryToken,
  readTokenExpiry,
  type TokenOptions,
  type TokenSource,
} from "./codeartifact/token.js";
export { Secret } from "./configstore/secret.js";
export * from "./package-managers/index.js";
