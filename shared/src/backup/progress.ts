/**
 * Progress of a long backup or restore on stderr: at most one line a second, and a last line at the
 * end. Lines name sizes and counts only (never file names: a name may hold an interaction id, never PII,
 * but there is no need for it).
 */

export interface Progress {
  start(totalBytes: number, totalEntries: number): void;
  bytes(n: number): void;
  /** An entry is complete; `counted` says its bytes were not reported through `bytes()` yet. */
  entryDone(size: number, counted: boolean): void;
  finish(summary: string): void;
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

export function stderrProgress(
  label: string,
  out: (line: string) => void = (l) => process.stderr.write(l),
): Progress {
  let total = 0;
  let entries = 0;
  let done = 0;
  let doneEntries = 0;
  let last = 0;
  const started = Date.now();
  const report = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 1000) return;
    last = now;
    const secs = `${((now - started) / 1000).toFixed(1)} s`;
    // Without a known total (a restore reading the archive), only what is done so far.
    if (total === 0) {
      out(`${label}: ${mib(done)}, ${doneEntries} files, ${secs}\n`);
      return;
    }
    const pct = Math.min(100, Math.floor((done / total) * 100));
    out(`${label}: ${mib(done)} of ${mib(total)} (${pct}%), ${doneEntries}/${entries} files, ${secs}\n`);
  };
  return {
    start(totalBytes, totalEntries) {
      total = totalBytes;
      entries = totalEntries;
      last = Date.now();
    },
    bytes(n) {
      done += n;
      report();
    },
    entryDone(size, counted) {
      if (counted) done += size;
      doneEntries += 1;
      report();
    },
    finish(summary) {
      out(`${label}: ${summary} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    },
  };
}
