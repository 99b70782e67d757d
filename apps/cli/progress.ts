import type { ProcessView } from '../shared/api/process-view.js';
import type { Io } from './command.js';
import { changedLines, progressLines } from './render.js';

/**
 * Shows a process as it moves: on a TTY the block of lines is redrawn in
 * place; otherwise (pipes, logs, CI) only lines that changed are appended,
 * so the output reads as a log. With `json`, one line of JSON per change.
 */
export class ProgressDisplay {
  private readonly printed = new Map<string, string>();
  private drawnLines = 0;
  private lastJson = '';

  constructor(
    private readonly io: Io,
    private readonly json: boolean,
  ) {}

  show(view: ProcessView): void {
    if (this.json) {
      const line = JSON.stringify(view);
      if (line !== this.lastJson) this.io.out(line);
      this.lastJson = line;
      return;
    }
    const lines = progressLines(view);
    if (this.io.isTTY) return this.redraw(lines.map((l) => l.text));
    const changed = changedLines(this.printed, lines);
    for (const line of changed) this.printed.set(line.key, line.text);
    if (changed.length) this.io.out(changed.map((l) => l.text).join('\n'));
  }

  private redraw(lines: string[]): void {
    // Lines cut to the terminal width never wrap, so moving up by the line count is exact.
    const width = Math.max(this.io.columns - 1, 20);
    const fitted = lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    const up = this.drawnLines ? `\x1b[${this.drawnLines}F\x1b[J` : '';
    this.io.out(`${up}${fitted.join('\n')}`);
    this.drawnLines = fitted.length;
  }
}
