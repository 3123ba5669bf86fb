import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// Scratch output (fixtures, snapshots, raw results): under build/, which git ignores.
export const work = join(root, "build", "bench");
