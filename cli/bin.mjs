#!/usr/bin/env node
// The `aspm` command. TypeScript runs through tsx's loader, so the CLI uses the same sources
// as the Lambda bundles with no build step.
import { register } from "tsx/esm/api";

// Node 20 is supported here (Lambda runs 22); the SDK's upgrade notice is noise for CLI users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
await import("./main.ts");
