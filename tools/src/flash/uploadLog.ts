// Reads what the `espruino` CLI prints while it uploads (run with -v) and decides whether a
// board answered and took the code. The CLI itself exits 0 whether or not anything answered,
// so its words are the only evidence. Pure: fed lines, tested on recorded output.

export type UploadEvent =
  | { type: 'connecting'; to: string }
  | { type: 'connected' }
  | { type: 'prompt' }
  | { type: 'sent'; bytes: number }
  | { type: 'device'; text: string }
  | { type: 'complete' }
  /** The CLI gave up waiting for a prompt and would send the code anyway: stop it. */
  | { type: 'no-prompt' };

export type Verdict = { ok: true } | { ok: false; kind: 'unreachable' | 'failed'; message: string };

const SENDING = 'serial: Sending ';
const DEVICE = '--] ';

export class UploadLog {
  private connected = false;
  private prompt = false;
  private noPrompt = false;
  private complete = false;
  private disconnected = false;
  private problem: string | undefined;
  private portMissing: string | undefined;
  private refused: string | undefined;
  /** The board's own output, last lines first dropped. */
  readonly device: string[] = [];
  sent = 0;

  constructor(private readonly where: string) {}

  feed(line: string): UploadEvent | undefined {
    if (line.startsWith(DEVICE)) {
      const text = line.slice(DEVICE.length);
      this.device.push(text);
      if (this.device.length > 20) this.device.shift();
      // An exception or full memory fails the upload (or the app's first run). Other "ERROR:"
      // lines are the interpreter's warnings to the app (e.g. no ADC on a Linux build).
      if (/Uncaught|Out of Memory/i.test(text)) this.problem ??= `the board reported: ${text.trim()}`;
      return { type: 'device', text };
    }
    if (line.startsWith(SENDING)) {
      let chunk = '';
      try {
        chunk = JSON.parse(line.slice(SENDING.length)) as string;
      } catch {
        return undefined;
      }
      this.sent += chunk.length;
      return { type: 'sent', bytes: this.sent };
    }
    const connecting = /^Connecting to '(.*)'$/.exec(line);
    if (connecting) return { type: 'connecting', to: connecting[1] };
    if (line === 'Connected') {
      this.connected = true;
      return { type: 'connected' };
    }
    if (line.startsWith('Received a prompt') || line.startsWith('Found a prompt')) {
      this.prompt = true;
      return { type: 'prompt' };
    }
    if (line.startsWith('No Prompt found') || line.startsWith('Still no prompt') || line.startsWith('Prompt not detected')) {
      this.noPrompt = true;
      if (line.startsWith('Still no prompt')) return { type: 'no-prompt' };
    } else if (line === 'Upload Complete') {
      this.complete = true;
      return { type: 'complete' };
    } else if (line.trim() === 'Disconnected.' && !this.complete) this.disconnected = true;
    else if (/^serial: Port ".*" not found/.test(line)) this.portMissing = line;
    else if (line.startsWith('RECEIVE ERROR:')) this.refused = /"code":"([A-Z]+)"/.exec(line)?.[1] ?? line.slice(14).trim();
    return undefined;
  }

  verdict(): Verdict {
    const w = this.where;
    if (this.portMissing) return { ok: false, kind: 'unreachable', message: `no board answers at ${w}: the serial port does not exist (plugged in? see ls /dev/ttyUSB* /dev/ttyACM*)` };
    if (!this.connected) {
      const why = this.refused === 'ECONNREFUSED' ? 'nothing listens there (is the board on the network, with its telnet console on?)' : this.refused ? this.refused : 'could not connect';
      return { ok: false, kind: 'unreachable', message: `no board answers at ${w}: ${why}` };
    }
    if (!this.prompt || this.noPrompt) return { ok: false, kind: 'unreachable', message: `no board answers at ${w}: connected, but no Espruino prompt came back (wrong port, wrong baud rate, or not running Espruino)` };
    if (this.disconnected) return { ok: false, kind: 'failed', message: `the board at ${w} disconnected during the upload after ${this.sent} bytes` };
    if (this.problem) return { ok: false, kind: 'failed', message: this.problem };
    if (!this.complete) return { ok: false, kind: 'failed', message: `the upload to ${w} did not complete (${this.sent} bytes sent)` };
    return { ok: true };
  }
}
