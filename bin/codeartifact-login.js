#!/usr/bin/env node
// Thin on purpose: everything lives in the built CLI, which loads each command only when it runs.
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv);
