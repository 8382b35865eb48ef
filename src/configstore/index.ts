// codeartifact-keyring/configstore: a chain of config and secret backends, `${}` interpolation,
// INI/TOML/YAML loaders and `Secret`. General purpose: it knows nothing of AWS tokens.

export { type DockerSecretsOptions, fromDockerSecrets } from "./backends/docker-secrets.js";
export { type DotenvOptions, fromDotenv } from "./backends/dotenv.js";
export { type EnvOptions, fromEnv } from "./backends/env.js";
export {
  fromKeychain,
  type KeychainBackend,
  type KeychainOptions,
  type KeychainProbe,
  KeychainUnavailableError,
} from "./backends/keychain.js";
export { fromMemory, type MemoryOptions } from "./backends/memory.js";
export {
  SECRET_STORE_KINDS,
  type SecretStoreKind,
} from "./backends/secret-store-formats.js";
export { fromSecretsManager, type SecretsManagerOptions } from "./backends/secrets-manager.js";
export { fromSsm, type SsmOptions } from "./backends/ssm.js";
export {
  fromUserSecrets,
  type InitUserSecretsResult,
  initUserSecrets,
  type UserSecretsBackend,
  type UserSecretsInfo,
  type UserSecretsOptions,
} from "./backends/user-secrets.js";
export {
  BackendError,
  type BackendOperation,
  CodedError,
  ConfigFileError,
  type ConfigFileErrorCode,
  ConfigStoreError,
  InterpolationError,
  type InterpolationErrorCode,
  InvalidKeyError,
  InvalidValueError,
  SettingNotFoundError,
  UnsafeFileError,
} from "./errors.js";
export { type IniDocument, type IniEntry, type IniSection, parseIni } from "./ini.js";
export {
  type Interpolatable,
  type InterpolateOptions,
  interpolate,
  interpolateValues,
} from "./interpolate.js";
export {
  type ConfigFormat,
  formatOf,
  type LoadConfigOptions,
  loadConfigFile,
  type ParseConfigOptions,
  parseConfigText,
} from "./loaders.js";
export { type UserDirs, type UserDirsOptions, userDirs } from "./paths.js";
export { isSensitiveKey, reveal, Secret, toSecret } from "./secret.js";
export { asBool, ConfigStore, type ConfigStoreOptions } from "./store.js";
export { MAX_CONFIG_BYTES, readTextFile } from "./text-file.js";
export type {
  Backend,
  ConfigObject,
  ConfigValue,
  TraceEvent,
  ValueWithSource,
  WritableBackend,
} from "./types.js";
