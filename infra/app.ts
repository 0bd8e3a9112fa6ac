import { buildApp } from "./build-app.ts";

/** `cdk synth` / `cdk deploy` entry point (cdk.json: `npx tsx infra/app.ts`). */
buildApp().app.synth();
