// Waiting in front of a person: a progress bar with rate and time left for copies and resyncs, a
// spinner with the current state for failovers. On a terminal they redraw one line; elsewhere
// (a pipe, CI) they print a line only when what they show changes, so logs stay short.

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 24;

export interface ProgressView {
  percent: number | null;
  bytesPerSecond: number | null;
  secondsLeft: number | null;
  state: string;
}

export class StatusLine {
  private frame = 0;
  private last = '';
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = out.isTTY === true;
  }

  spinner(label: string, state: string): void {
    const text = `${label}: ${state}`;
    if (this.tty) this.draw(`${SPINNER[this.frame++ % SPINNER.length]} ${text}`);
    else this.plain(text);
  }

  bar(label: string, view: ProgressView, format: { bytes(n: number): string; seconds(n: number): string }): void {
    const percent = view.percent ?? 0;
    const filled = Math.round((BAR_WIDTH * Math.min(100, Math.max(0, percent))) / 100);
    const rate = view.bytesPerSecond === null ? '' : `  ${format.bytes(view.bytesPerSecond)}/s`;
    const left = view.secondsLeft === null ? '' : `  ${format.seconds(view.secondsLeft)} left`;
    const figures = `${view.percent === null ? '  ?' : String(Math.floor(percent)).padStart(3)}%${rate}${left}  ${view.state}`;
    if (this.tty) this.draw(`${label} [${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${figures}`);
    else this.plain(`${label} ${view.percent === null ? '' : `${Math.floor(percent)}% `}${view.state}`);
  }

  /** Ends the line with a final message. */
  done(message: string): void {
    if (this.tty) this.out.write(`\r\x1b[2K${message}\n`);
    else this.out.write(`${message}\n`);
  }

  private draw(text: string): void {
    const width = this.out.columns || 120;
    this.out.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
  }

  private plain(text: string): void {
    if (text === this.last) return;
    this.last = text;
    this.out.write(`${text}\n`);
  }
}
