// Replaced at build time (scripts/build.mjs) so the CLI does not read package.json at start-up.
declare const __PACKAGE_VERSION__: string | undefined;

export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0-dev";
