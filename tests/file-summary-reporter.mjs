// A node:test reporter (scripts/test): one line per test file with its passed, failed and skipped
// top-level tests, so each runner's count (the jco and deploy tests among them) is in the summary.
import { relative } from "node:path";

export default async function* fileSummary(source) {
  const files = new Map();
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { data } = event;
    if (data.nesting !== 0 || data.details?.type === "suite") continue;
    const file = data.file ? relative(process.cwd(), data.file) : "(unknown file)";
    const c = files.get(file) ?? { passed: 0, failed: 0, skipped: 0 };
    if (event.type === "test:fail") c.failed++;
    else if (data.skip !== undefined || data.todo !== undefined) c.skipped++;
    else c.passed++;
    files.set(file, c);
  }
  for (const [file, c] of [...files].sort(([a], [b]) => a.localeCompare(b)))
    yield `${file}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}\n`;
}
