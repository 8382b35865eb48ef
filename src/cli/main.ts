// Commander wiring only: each command's code is imported when it runs, so `token` on a cache hit
// loads neither the AWS SDK nor the other commands. Exit codes: 0 success, 1 failure, 2 usage.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { parseTokenDuration, TOKEN_DURATION_RULE } from "../codeartifact/settings.js";
import { reportError, USAGE_HINT, UsageError } from "./errors.js";
import { createOutput, tolerateClosedStdout } from "./output.js";
import { type Runner, runCommand } from "./run-command.js";
import { VERSION } from "./version.js";

type Loader = () => Promise<{ run: Runner }>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Registry selection, shared by every command that works on registries. */
function registryOptions(
  command: Command,
  options: { coordinates?: boolean; overrides?: boolean; minValid?: boolean } = {},
): Command {
  command.option(
    "-r, --registry <url>",
    "a registry URL (repeatable); default: the registries the project's .npmrc and .yarnrc.yml use",
    collect,
  );
  if (options.coordinates !== false) {
    command
      .option("--domain <name>", "CodeArtifact domain, for a --registry URL that is not CodeArtifact-shaped")
      .option("--domain-owner <account>", "12-digit account that owns the domain")
      .option("--region <region>", "AWS region of the domain")
      .option("--repository <name>", "repository name");
  }
  if (options.overrides !== false) {
    command
      .option("--profile <name>", "AWS profile to use (overrides the config)", nonEmpty("the profile name"))
      .addOption(
        new Option(
          "--duration <seconds>",
          "token lifetime: 0, or 900 to 43200 seconds (overrides the config)",
        )
          // A bad value is a usage error, found before anything runs.
          .argParser((value: string) => {
            try {
              parseTokenDuration(value, "--duration");
            } catch {
              throw new InvalidArgumentError(TOKEN_DURATION_RULE);
            }
            return value;
          }),
      );
  }
  if (options.minValid) {
    command.option(
      "--min-valid <duration>",
      "refresh unless the token stays valid this long (30m, 2h, seconds); fail if even a new one would not",
    );
  }
  return command;
}

/**
 * A value parser that refuses "": an empty `--config` or `--profile` (an unset shell variable, say)
 * would otherwise be dropped and the default used in silence. Commander reports it as a usage error.
 */
function nonEmpty(what: string): (value: string) => string {
  return (value) => {
    if (value.trim() === "")
      throw new InvalidArgumentError(`${what} cannot be empty: give one, or leave the option out.`);
    return value;
  };
}

function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`);
}

/** Runs the CLI with `argv` (as `process.argv`) and resolves to the process exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const env = process.env;
  let exitCode = 0;
  tolerateClosedStdout();

  const program = new Command("codeartifact-login")
    .description(
      "AWS CodeArtifact tokens for npm, pnpm and yarn: fetched once, cached in the OS keychain, refreshed before expiry.\nWithout a command, `login` runs: `codeartifact-login` is `codeartifact-login login`.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .option(
      "-c, --config <path>",
      "config file (default: CODEARTIFACT_KEYRING_CONFIG, then the user config dir)",
      nonEmpty("the config file path"),
    )
    .option(
      "--json",
      "machine-readable output on stdout (never a token, except `token --json`, which is `token --format json`)",
    )
    .option("-q, --quiet", "print nothing on success")
    .option("-v, --verbose", "show where each setting came from, the secret lookups, and stack traces")
    // One line per error: commander's message with the usage hint on the same line.
    .configureOutput({
      outputError: (text, write) => write(`${text.trimEnd()} ${USAGE_HINT}\n`),
    })
    .exitOverride()
    // A command's line in the list reads as its usage line does (`setup pnpm [options]`).
    .configureHelp({ subcommandTerm: (command) => `${command.name()} ${command.usage()}`.trimEnd() });
  example(
    program,
    "codeartifact-login                     # = codeartifact-login login: tokens for the project's registries",
    "codeartifact-login status",
    "codeartifact-login exec -- npm ci",
    "codeartifact-login setup pnpm",
    "codeartifact-login diagnose",
  );

  const bind = (command: Command, load: Loader) =>
    command.action(async (...args: unknown[]) => {
      const self = args.at(-1) as Command;
      const positional = args
        .slice(0, -2)
        .flat()
        .filter((a) => a !== undefined)
        .map(String);
      exitCode = await runCommand(
        async () => (await load()).run,
        self.optsWithGlobals(),
        positional,
        self.name(),
      );
    });

  bind(
    example(
      registryOptions(
        program
          .command("login", { isDefault: true })
          .description(
            "get a token for each CodeArtifact registry the project uses and write it where npm/yarn read it",
          ),
        { minValid: true },
      )
        .option(
          "--npmrc <path>",
          "the .npmrc to write tokens to (default: the user's, as NPM_CONFIG_USERCONFIG or ~/.npmrc)",
        )
        .option("--yarn", "also write the tokens to ~/.yarnrc.yml for yarn berry")
        .option(
          "--yarn1",
          "also write always-auth for yarn 1 (automatic in a project with a v1 yarn.lock or packageManager yarn@1)",
        )
        .option(
          "--scope <@scope>",
          "also map this scope to the registry (in --npmrc, or the project's .npmrc)",
          collect,
        )
        .option("--default-registry", "also make the registry the default (registry=URL)")
        .option("--dry-run", "show what would change (tokens redacted); write nothing")
        .option("--force", "write even into a file that git tracks")
        .option("--refresh", "fetch new tokens even when the cached ones are fresh")
        .option(
          "--optional",
          "do nothing (exit 0) when the project uses no CodeArtifact registry (for shell-init and hooks)",
        )
        .option(
          "--github-env",
          "also export CODEARTIFACT_AUTH_TOKEN to later GitHub Actions steps ($GITHUB_ENV)",
        ),
      "codeartifact-login",
      "codeartifact-login --registry https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/",
      "codeartifact-login --scope @corp --npmrc .npmrc --registry https://…/npm/npm-store/",
    ),
    () => import("./commands/login.js"),
  );

  bind(
    example(
      registryOptions(
        program
          .command("token")
          .description("print a registry's token on stdout (the only command that does)"),
        { minValid: true },
      )
        .addOption(
          new Option(
            "--format <format>",
            "raw token, an Authorization header, JSON, or an env assignment (default: raw; json with --json)",
          ).choices(["raw", "header", "json", "env"]),
        )
        .option(
          "--github-env",
          "also export CODEARTIFACT_AUTH_TOKEN to later GitHub Actions steps ($GITHUB_ENV)",
        ),
      'export CODEARTIFACT_AUTH_TOKEN="$(codeartifact-login token)"',
      "codeartifact-login token --registry https://…/npm/npm-store/ --format json",
    ),
    () => import("./commands/token.js"),
  );

  bind(
    example(
      registryOptions(
        program
          .command("exec")
          .description("run a command with the tokens in its environment only (no file is written)")
          .argument(
            "<command...>",
            "the command and its arguments; put `--` before them so their flags stay theirs",
          ),
        { minValid: true },
      ),
      "codeartifact-login exec -- npm ci",
      "codeartifact-login exec -- pnpm install --frozen-lockfile",
    ),
    () => import("./commands/exec.js"),
  );

  bind(
    example(
      registryOptions(
        program
          .command("publish")
          .description(
            "store each domain's token in SSM Parameter Store or Secrets Manager for a CI fleet to read (token_from)",
          ),
      )
        .option("--to <store>", "ssm:/PATH (SecureString parameters) or secretsmanager:NAME (secrets)")
        .option(
          "--margin <seconds>",
          "replace the stored token when less than this is left (default 3600: a reader needs refresh_margin plus your schedule's interval)",
        )
        .option("--force", "replace a value at the name that is not a published token"),
      "codeartifact-login publish --to ssm:/ci/codeartifact --registry https://…/npm/npm-store/",
      "codeartifact-login publish --to secretsmanager:ci/codeartifact",
    ),
    () => import("./commands/publish.js"),
  );

  const setup = example(
    program
      .command("setup")
      .description("set a package manager up to ask for tokens itself")
      .usage("pnpm [options]")
      .argument("[target]")
      .action((target?: string) => {
        throw new UsageError(
          target
            ? `cannot set up \`${target}\`: the package manager to set up is \`codeartifact-login setup pnpm\``
            : "`setup` needs what to set up: `codeartifact-login setup pnpm`",
        );
      }),
    "codeartifact-login setup pnpm",
  );
  bind(
    example(
      registryOptions(
        setup
          .command("pnpm")
          .description(
            "install pnpm token helpers (pnpm asks us for a token on each install; no token on disk)",
          ),
        { overrides: false },
      )
        .option("--remove", "remove the helpers instead")
        .option(
          "--npmrc <path>",
          "where the tokenHelper lines go (default: pnpm's own auth.ini for pnpm 11.13+, else the user .npmrc)",
        )
        .option(
          "--pnpm-version <version>",
          "the pnpm that will read the helpers (default: `pnpm --version` on PATH)",
        )
        .option("--force", "write even into a user .npmrc that git tracks"),
      "codeartifact-login setup pnpm",
      "codeartifact-login setup pnpm --remove",
    ),
    () => import("./commands/setup-pnpm.js"),
  );

  bind(
    example(
      registryOptions(
        program
          .command("logout")
          .description("remove the tokens, lines and helpers this tool wrote, and the cached tokens"),
        { overrides: false },
      )
        .option("--all", "every registry this tool wrote for, and every cached token")
        .option("--npmrc <path>", "the .npmrc to clean (default: the user's)")
        .option("--yarn", "also clean ~/.yarnrc.yml"),
      "codeartifact-login logout",
      "codeartifact-login logout --all",
    ),
    () => import("./commands/logout.js"),
  );

  bind(
    example(
      registryOptions(
        program
          .command("status")
          .description("registries in use, where their credentials come from, cached tokens"),
        {
          coordinates: false,
          overrides: false,
        },
      ),
      "codeartifact-login status",
      "codeartifact-login status --json",
    ),
    () => import("./commands/status.js"),
  );

  bind(
    example(
      registryOptions(
        program
          .command("diagnose")
          .description("explain every decision for a registry: the first thing to run after a 401"),
      ),
      "codeartifact-login diagnose",
      "codeartifact-login diagnose --registry https://…/npm/npm-store/ --json",
    ),
    () => import("./commands/diagnose.js"),
  );

  const refresh = example(
    program
      .command("refresh")
      .description("a per-user background refresh: a systemd timer, cron, launchd or Task Scheduler")
      .argument("[action]")
      .action((action?: string) => {
        throw new UsageError(
          action
            ? `unknown refresh action \`${action}\`: use install, remove or status`
            : "`refresh` needs an action: install, remove or status",
        );
      }),
    "codeartifact-login refresh install --every 30m",
    "codeartifact-login refresh status",
    "codeartifact-login refresh remove",
  );
  bind(
    example(
      registryOptions(
        refresh
          .command("install")
          .description(
            "run `login --quiet` for these registries (default: the project's) in the background, with the config in force now",
          ),
        { coordinates: false, overrides: false },
      )
        .option(
          "--every <duration>",
          "how often: 1m to 24h (cron: minutes dividing an hour, or hours)",
          "30m",
        )
        .addOption(
          new Option(
            "--scheduler <name>",
            "default: systemd where `systemctl --user` works, else cron; launchd; schtasks",
          ).choices(["systemd", "cron", "launchd", "schtasks"]),
        )
        .option("--npmrc <path>", "the .npmrc the runs write to (default: the user's)")
        .option("--yarn", "also keep ~/.yarnrc.yml fresh for yarn berry"),
      "codeartifact-login refresh install",
      "codeartifact-login refresh install --every 1h --registry https://…/npm/npm-store/",
    ),
    () => import("./commands/refresh.js"),
  );
  bind(
    refresh.command("remove").description("remove the background refresh and its record"),
    () => import("./commands/refresh.js"),
  );
  bind(
    refresh.command("status").description("what is installed, when it last ran and how that ended"),
    () => import("./commands/refresh.js"),
  );
  bind(
    refresh
      .command("run", { hidden: true })
      .description("one scheduled run (what the scheduler starts)")
      .option("--record <path>", "the record `refresh install` wrote"),
    () => import("./commands/refresh.js"),
  );

  bind(
    example(
      program
        .command("shell-init")
        .description(
          "print shell functions that run a quiet login before npm, pnpm, yarn, bun and npx (eval it in your shell's rc file)",
        )
        .argument("[shell]", "bash, zsh, fish or powershell (default: from $SHELL)"),
      'eval "$(codeartifact-login shell-init bash)"   # in ~/.bashrc',
      "codeartifact-login shell-init fish | source     # in ~/.config/fish/config.fish",
      "codeartifact-login shell-init powershell | Out-String | Invoke-Expression   # in $PROFILE",
    ),
    () => import("./commands/shell-init.js"),
  );

  const secrets = example(
    program
      .command("secrets")
      .description("per-project secrets kept outside the project (the .env holds only an id)")
      .usage("<action> [key] [options]")
      .option("--project <dir>", "the project directory (default: the current one)")
      .option(
        "--store <kind>",
        "whose files: native (ours), dotnet (dotnet user-secrets) or python-env-secrets (default: native)",
      )
      .argument("[action]")
      .action((action?: string) => {
        const actions = "init, set KEY, get KEY, list, delete KEY, clear or info";
        throw new UsageError(
          action
            ? `unknown secrets action \`${action}\`: use ${actions}`
            : `\`secrets\` needs an action: ${actions}`,
        );
      }),
    "codeartifact-login secrets init",
    "codeartifact-login secrets set CI_SECRET   # then use ${CI_SECRET} in the config",
    "codeartifact-login secrets list --store dotnet   # the secrets.json of dotnet user-secrets",
  );
  const secret = (name: string, description: string, ...examples: string[]) =>
    bind(
      example(secrets.command(name).description(description), ...examples),
      () => import("./commands/secrets.js"),
    );
  secret(
    "init",
    "link this project to a new secrets folder (adds USER_SECRETS_ID to .env)",
    "codeartifact-login secrets init",
  );
  secret(
    "set <key>",
    "store a secret; the value is read from stdin or a hidden prompt, never from the command line",
    "codeartifact-login secrets set CI_SECRET",
    'printf %s "$VALUE" | codeartifact-login secrets set CI_SECRET',
  )
    // `secrets set KEY value` gets the reason, not commander's "too many arguments".
    .allowExcessArguments()
    .hook("preAction", (command) => {
      const [key, ...rest] = command.args;
      if (rest.length > 0) {
        throw new UsageError(
          `values are read from stdin, never from the command line (shell history, \`ps\`): \`printf %s VALUE | codeartifact-login secrets set ${key}\`, or run it without the value for a hidden prompt`,
        );
      }
    });
  secret("get <key>", "print a secret's value on stdout", "codeartifact-login secrets get CI_SECRET");
  secret("list", "list the secrets' names (values masked)", "codeartifact-login secrets list");
  secret("delete <key>", "remove a secret", "codeartifact-login secrets delete CI_SECRET");
  secret("clear", "remove every secret of the project", "codeartifact-login secrets clear");
  secret("info", "where the id and the secrets live", "codeartifact-login secrets info");

  try {
    const unknown = unknownCommand(program, argv.slice(2));
    if (unknown) {
      const names = program.commands.map((c) => c.name()).join(", ");
      throw new UsageError(`unknown command '${unknown}': the commands are ${names} ${USAGE_HINT}`);
    }
    await program.parseAsync(separateExecCommand(program, argv));
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; everything else commander rejects is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    const verbose = argv.includes("--verbose") || argv.includes("-v");
    return reportError(error, createOutput({ json: false, quiet: false, verbose, env }));
  }
}

/** The flags among `options` that take a value (`-r`, `--registry`, …). */
function valueFlags(options: readonly Option[]): Set<string> {
  return new Set(
    options
      .filter((o) => o.required || o.optional)
      .flatMap((o) => [o.short, o.long].filter((f): f is string => !!f)),
  );
}

/** Index of the first word of `args` from `from` on that is neither an option nor an option's value; -1 at `--` or the end. */
function firstWord(args: readonly string[], from: number, takesValue: Set<string>): number {
  for (let i = from; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") return -1;
    if (arg.startsWith("-") && arg !== "-") {
      if (!arg.includes("=") && takesValue.has(arg)) i += 1;
      continue;
    }
    return i;
  }
  return -1;
}

/**
 * The command word of `args`, if it is not a command. `login` is the default command, so without
 * this check commander would report an unknown command as "too many arguments for 'login'".
 */
function unknownCommand(program: Command, args: readonly string[]): string | undefined {
  const login = program.commands.find((c) => c.name() === "login");
  const word = args[firstWord(args, 0, valueFlags([...program.options, ...(login?.options ?? [])]))];
  if (word === undefined) return undefined;
  const known =
    program.commands.some((c) => c.name() === word || c.aliases().includes(word)) || word === "help";
  return known ? undefined : word;
}

/**
 * `exec npm --version` and `exec -r URL npm ci --registry X`: everything from the command's name on
 * belongs to the command, so a `--` goes in before it when there is none (commander would otherwise
 * read `--version` or `--registry` as ours).
 */
function separateExecCommand(program: Command, argv: readonly string[]): string[] {
  const args = argv.slice(2);
  const exec = program.commands.find((c) => c.name() === "exec");
  const at = firstWord(args, 0, valueFlags(program.options));
  if (!exec || at < 0 || args[at] !== "exec") return [...argv];
  const name = firstWord(args, at + 1, valueFlags([...program.options, ...exec.options]));
  if (name < 0) return [...argv];
  return [...argv.slice(0, 2), ...args.slice(0, name), "--", ...args.slice(name)];
}
