import type { CliIo } from "../io.ts";
export async function benchCommand(io: CliIo, _args: string[]): Promise<void> {
  io.out("bench: not yet wired");
}
