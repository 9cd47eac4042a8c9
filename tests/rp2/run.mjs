// Runs a MicroPython rp2 image (firmware.bin of RPI_PICO with its REPL on
// UART0) in the rp2040js emulator, the REPL on stdin/stdout: what
// MicroPython's pyboard.py and run-tests.py drive with "exec:node run.mjs ...".
//   node run.mjs <firmware.bin> [--bootrom <rp2040-bootrom-b1.ts>] [--timeout <s>] [--realtime]
// Time is the emulated core's: its clock counts the cycles of each
// instruction at 125 MHz, and a sleep (the core waiting for a timer alarm)
// passes at once, so that tests run fast. With --realtime, sleeps take at
// least their wall time (for tests that send input while the board sleeps).
// The emulator's gaps, and what is done about them:
// - its UART raises the TX interrupt on every interrupt check, so that the
//   port's UART handler would run forever: TX never requests an interrupt
//   here (the port writes with polling);
// - its clock stops while the core sleeps with no timer alarm pending: it is
//   advanced with wall time then, so that the REPL's wait for input passes time;
// - it cannot program flash: the boot ROM's flash_range_erase and
//   flash_range_program are done here on the flash array, so the port's
//   filesystem (LittleFS, formatted on first boot) works as on a board;
// - one core only (rp2040js runs core 0).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Simulator } from 'rp2040js';

const HERE = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const bootromPath = option('--bootrom', join(HERE, '../../../shared/vendor/rp2040-bootrom-b1.ts'));
const timeoutS = Number(option('--timeout', '0'));
const realtimeAt = args.includes('--realtime') ? Date.now() : null;
if (realtimeAt !== null) args.splice(args.indexOf('--realtime'), 1);
if (args.length !== 1) {
  process.stderr.write('usage: node run.mjs <firmware.bin> [--bootrom <file.ts>] [--timeout <s>] [--realtime]\n');
  process.exit(2);
}

// The boot ROM, from the TypeScript array it is distributed as; checked
// against the SHA256SUMS beside it, when it is listed there (../shared/vendor).
function loadBootrom(path) {
  const raw = readFileSync(path);
  const sums = join(dirname(path), 'SHA256SUMS');
  const listed = existsSync(sums) &&
    readFileSync(sums, 'utf8').split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[1] === basename(path));
  if (listed && createHash('sha256').update(raw).digest('hex') !== listed[0]) {
    throw new Error(`${path}: sha256 differs from ${sums}`);
  }
  const text = raw.toString('utf8');
  const body = text.slice(text.indexOf('Uint32Array(['));
  const words = body.match(/0x[0-9a-fA-F]{1,8}/g) || [];
  if (words.length !== 4096) {
    throw new Error(`${path}: ${words.length} words, a 16 KiB boot ROM has 4096`);
  }
  return new Uint32Array(words.map((w) => Number(w)));
}

const CYCLE_NS = 8; // 125 MHz, the clock the port sets
const FLASH_XIP = 0x10000000;
const UART_TX_INTERRUPT = 1 << 5;

const sim = new Simulator();
const { rp2040: mcu, clock } = sim;
// The emulator logs every access to a peripheral it lacks to stdout, where
// the REPL is: its messages go to stderr, and only with RP2JS_LOG=1.
const log = (level) => (name, msg) => {
  if (process.env.RP2JS_LOG === '1') process.stderr.write(`${level} [${name}] ${msg}\n`);
};
mcu.logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
console.warn = (...parts) => log('warn')('rp2040js', parts.join(' ')); // its SIO's own messages
const bootrom = loadBootrom(bootromPath);
mcu.loadBootrom(bootrom); // (resets, erasing flash: load the image after)
const image = readFileSync(args[0]);
if (image.length > mcu.flash.length) {
  throw new Error(`${args[0]}: ${image.length} bytes do not fit in flash`);
}
mcu.flash.set(image, 0);

const uart = mcu.uart[0];
for (const u of mcu.uart) {
  u.checkInterrupts = function () {
    this.rp2040.setInterrupt(this.irq, !!(this.interruptStatus & this.interruptMask & ~UART_TX_INTERRUPT));
  };
}
uart.onByte = (value) => out.push(value);
// UART1's TX wired back to its RX (tests/rp2/uart_loopback.py).
mcu.uart[1].onByte = (value) => mcu.uart[1].feedByte(value);
let out = [];
const flushOut = () => {
  if (out.length) {
    process.stdout.write(Uint8Array.from(out));
    out = [];
  }
};
const input = [];
process.stdin.on('data', (data) => {
  for (const byte of data) input.push(byte);
});
process.stdin.on('end', () => {
  flushOut();
  process.exit(0);
});
const feedInput = () => {
  while (input.length && !uart.rxFIFO.full) uart.feedByte(input.shift());
};

// The boot ROM's flash functions, by their codes in its function table.
const rom = new DataView(bootrom.buffer);
function romFunction(code) {
  for (let p = rom.getUint16(0x14, true); ; p += 4) {
    const c = rom.getUint16(p, true);
    if (c === 0) throw new Error(`boot ROM: no function ${code}`);
    if (c === code.charCodeAt(0) + (code.charCodeAt(1) << 8)) return rom.getUint16(p + 2, true) & ~1;
  }
}
const ROM_ERASE = romFunction('RE'); // flash_range_erase(addr, count, block_size, cmd)
const ROM_PROGRAM = romFunction('RP'); // flash_range_program(addr, data, count)
const core = mcu.core;
function romFlash() {
  const r = core.registers;
  if (core.PC === ROM_ERASE) {
    mcu.flash.fill(0xff, r[0], Math.min(r[0] + r[1], mcu.flash.length));
  } else {
    for (let i = 0; i < r[2] && r[0] + i < mcu.flash.length; i++) {
      mcu.flash[r[0] + i] &= mcu.readUint8(r[1] + i); // programming clears bits only
    }
  }
  core.PC = r[14] & ~1; // return to the caller
}

core.PC = FLASH_XIP; // boot2 at the start of the image, as after the ROM
let idleSince = null;
function run() {
  const sliceEnd = Date.now() + 20;
  while (Date.now() < sliceEnd) {
    for (let i = 0; i < 20000; i++) {
      if ((i & 1023) === 0) feedInput();
      if (core.waiting) {
        const next = clock.nanosToNextAlarm;
        if (next > 0 && realtimeAt !== null) {
          // Not ahead of wall time: up to it, then wait for it.
          const behind = (Date.now() - realtimeAt) * 1e6 - clock.nanos;
          if (behind < next) {
            if (behind > 0) clock.tick(behind);
            flushOut();
            setTimeout(run, 1);
            return;
          }
        }
        if (next > 0) {
          clock.tick(next);
          continue;
        }
        // Asleep with nothing to wake it but input: let wall time pass.
        const now = Date.now();
        clock.tick(idleSince === null ? 0 : (now - idleSince) * 1e6);
        idleSince = now;
        flushOut();
        setTimeout(run, 1);
        return;
      }
      idleSince = null;
      if (core.PC === ROM_ERASE || core.PC === ROM_PROGRAM) romFlash();
      clock.tick(core.executeInstruction() * CYCLE_NS);
    }
    flushOut();
  }
  setImmediate(run);
}
if (timeoutS > 0) {
  setTimeout(() => {
    flushOut();
    process.stderr.write(`run.mjs: ${timeoutS} s passed, stopping\n`);
    process.exit(3);
  }, timeoutS * 1000).unref();
}
run();
