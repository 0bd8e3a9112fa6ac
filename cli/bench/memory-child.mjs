// One parse of one file in a process of its own, for the memory-200mb measure (memory.ts): node,
// the tsx loader and the parser, nothing else of the CLI, on the measured side and the baseline's.
import { register } from "tsx/esm/api";

register();
const { memoryChildMain } = await import("./memory.ts");
await memoryChildMain(process.argv.slice(2));
