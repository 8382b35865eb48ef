// Where an application keeps its per-user files. Linux AND macOS follow XDG, as python keyring does
// (`~/.config/python_keyring/keyringrc.cfg` on both), so a user of both tools finds files in the
// same place. That is why we do not use env-paths: it puts macOS files under ~/Library.
import { homedir } from "node:os";
import { posix, win32 } from "node:path";

export interface UserDirs {
  /** Settings the user edits (`$XDG_CONFIG_HOME/app`, `%APPDATA%\app`). */
  config: string;
  /** Files that can be rebuilt (`$XDG_CACHE_HOME/app`, `%LOCALAPPDATA%\app\Cache`). */
  cache: string;
  /** Data the application owns (`$XDG_DATA_HOME/app`, `%LOCALAPPDATA%\app\Data`). */
  data: string;
}

export interface UserDirsOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** The home directory. @default env.HOME, then `os.homedir()` */
  home?: string;
}

/**
 * The config, cache and data directories of `appName` for the current user. Nothing is created.
 *
 * @example
 * userDirs("codeartifact-keyring").config  // "/home/u/.config/codeartifact-keyring"
 */
export function userDirs(appName: string, options: UserDirsOptions = {}): UserDirs {
  if (!appName || /[/\\]/.test(appName) || appName === "." || appName === "..") {
    throw new TypeError(`userDirs: \`${appName}\` is not a valid application name`);
  }
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;

  if (platform === "win32") {
    const home = options.home ?? nonEmpty(env.USERPROFILE) ?? nonEmpty(env.HOME) ?? homedir();
    const appData = nonEmpty(env.APPDATA) ?? win32.join(home, "AppData", "Roaming");
    const localAppData = nonEmpty(env.LOCALAPPDATA) ?? win32.join(home, "AppData", "Local");
    return {
      config: win32.join(appData, appName),
      cache: win32.join(localAppData, appName, "Cache"),
      data: win32.join(localAppData, appName, "Data"),
    };
  }

  const home = options.home ?? nonEmpty(env.HOME) ?? homedir();
  // The XDG spec: a relative path in these variables is invalid and must be ignored.
  const xdg = (name: string, fallback: string[]) => {
    const value = env[name];
    return value && posix.isAbsolute(value) ? value : posix.join(home, ...fallback);
  };
  return {
    config: posix.join(xdg("XDG_CONFIG_HOME", [".config"]), appName),
    cache: posix.join(xdg("XDG_CACHE_HOME", [".cache"]), appName),
    data: posix.join(xdg("XDG_DATA_HOME", [".local", "share"]), appName),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value ? value : undefined;
}
