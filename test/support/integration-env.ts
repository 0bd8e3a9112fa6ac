import { inject } from "vitest";

// Runs before each integration test file is imported, so the SDK clients the code builds at module
// scope (shared/aws/*) point at the stand-ins of the shared local stack.
Object.assign(process.env, inject("stack").env);
