// A WASI preview 1 shim for runtimes without one, such as workerd: the
// imports that the signet module (a Go wasip1 reactor) uses, and nothing
// else. It offers no files and no arguments, one environment variable,
// stdout and stderr as lines on the console, a monotonic clock that
// advances when the guest sleeps, and crypto.getRandomValues.
//
// The module never reads a clock for a decision: the host passes the
// current time with every request. The Go runtime reads the clock for its
// timers, and it stops with a fatal error when poll_oneoff fails, so
// poll_oneoff reports every subscription as done.

const ESUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;

const CLOCK_REALTIME = 0;
const FILETYPE_CHARACTER_DEVICE = 2;
const EVENTTYPE_CLOCK = 0;
const SUBSCRIPTION_SIZE = 48;
const EVENT_SIZE = 32;
const SUBCLOCKFLAGS_ABSTIME = 1;
const MAX_RANDOM_CHUNK = 65536; // the limit of crypto.getRandomValues

// ProcExit is thrown when the guest calls proc_exit. The instance cannot
// be used after it.
export class ProcExit extends Error {
  constructor(code) {
    super(`the module exited with code ${code}`);
    this.name = "ProcExit";
    this.code = code;
  }
}

// WASIShim provides the imports of one instance: pass its imports to
// WebAssembly.Instance, then call initialize once.
export class WASIShim {
  #memory = null;
  #env;
  #sleptNanos = 0n; // time that poll_oneoff pretended to sleep
  #lastNanos = 0n;
  #lines = { 1: "", 2: "" };

  // env is an object of environment variables, such as { GOMEMLIMIT: "48MiB" }.
  constructor(env = {}) {
    const encoder = new TextEncoder();
    this.#env = Object.entries(env).map(([k, v]) => encoder.encode(`${k}=${v}\0`));
    this.imports = { wasi_snapshot_preview1: this.#functions() };
  }

  // initialize binds the instance's memory and calls _initialize.
  initialize(instance) {
    this.#memory = instance.exports.memory;
    instance.exports._initialize();
  }

  #view() {
    return new DataView(this.#memory.buffer);
  }

  #bytes() {
    return new Uint8Array(this.#memory.buffer);
  }

  #functions() {
    return {
      args_sizes_get: (countAt, sizeAt) => this.#putSizes(countAt, sizeAt, []),
      args_get: () => ESUCCESS,
      environ_sizes_get: (countAt, sizeAt) => this.#putSizes(countAt, sizeAt, this.#env),
      environ_get: (pointersAt, bufferAt) => this.#putStrings(pointersAt, bufferAt, this.#env),
      clock_time_get: (id, _precision, timeAt) => this.#clockTimeGet(id, timeAt),
      poll_oneoff: (inAt, outAt, count, eventsAt) => this.#pollOneoff(inAt, outAt, count, eventsAt),
      random_get: (at, length) => this.#randomGet(at, length),
      fd_write: (fd, iovsAt, iovsCount, writtenAt) => this.#fdWrite(fd, iovsAt, iovsCount, writtenAt),
      fd_fdstat_get: (fd, statAt) => this.#fdstatGet(fd, statAt),
      fd_fdstat_set_flags: (fd) => (isStdio(fd) ? ESUCCESS : EBADF),
      fd_close: () => EBADF,
      fd_prestat_get: () => EBADF, // no preopened directories
      fd_prestat_dir_name: () => EBADF,
      sched_yield: () => ESUCCESS,
      proc_exit: (code) => {
        throw new ProcExit(code);
      },
    };
  }

  #putSizes(countAt, sizeAt, strings) {
    const view = this.#view();
    view.setUint32(countAt, strings.length, true);
    view.setUint32(sizeAt, strings.reduce((n, s) => n + s.length, 0), true);
    return ESUCCESS;
  }

  #putStrings(pointersAt, bufferAt, strings) {
    const view = this.#view();
    const bytes = this.#bytes();
    for (const [i, s] of strings.entries()) {
      view.setUint32(pointersAt + 4 * i, bufferAt, true);
      bytes.set(s, bufferAt);
      bufferAt += s.length;
    }
    return ESUCCESS;
  }

  // monotonicNanos never goes backwards. workerd advances its clocks only
  // between I/O events, so the time that poll_oneoff slept is added, or
  // the Go runtime would wait forever for a timer.
  #monotonicNanos() {
    const now = BigInt(Math.round(performance.now() * 1e6)) + this.#sleptNanos;
    this.#lastNanos = now > this.#lastNanos ? now : this.#lastNanos;
    return this.#lastNanos;
  }

  #clockTimeGet(id, timeAt) {
    let nanos = this.#monotonicNanos();
    if (id === CLOCK_REALTIME) {
      nanos = BigInt(Date.now()) * 1000000n + this.#sleptNanos;
    }
    this.#view().setBigUint64(timeAt, nanos, true);
    return ESUCCESS;
  }

  // pollOneoff returns at once with every subscription done: a clock
  // subscription as if its time had passed, a file one as ready.
  #pollOneoff(inAt, outAt, count, eventsAt) {
    if (count === 0) {
      return EINVAL;
    }
    const view = this.#view();
    let longest = 0n;
    for (let i = 0; i < count; i++) {
      const sub = inAt + i * SUBSCRIPTION_SIZE;
      const event = outAt + i * EVENT_SIZE;
      const tag = view.getUint8(sub + 8);
      if (tag === EVENTTYPE_CLOCK) {
        longest = bigMax(longest, this.#clockWait(view, sub));
      }
      view.setBigUint64(event, view.getBigUint64(sub, true), true); // userdata
      view.setUint16(event + 8, ESUCCESS, true);
      view.setUint8(event + 10, tag);
      view.setBigUint64(event + 16, 0n, true); // fd_readwrite.nbytes
      view.setUint16(event + 24, 0, true); // fd_readwrite.flags
    }
    this.#sleptNanos += longest;
    view.setUint32(eventsAt, count, true);
    return ESUCCESS;
  }

  // clockWait returns how long a clock subscription waits, in nanoseconds.
  #clockWait(view, sub) {
    const timeout = view.getBigUint64(sub + 24, true);
    const flags = view.getUint16(sub + 40, true);
    if ((flags & SUBCLOCKFLAGS_ABSTIME) === 0) {
      return timeout;
    }
    return bigMax(timeout - this.#monotonicNanos(), 0n);
  }

  #randomGet(at, length) {
    const bytes = this.#bytes();
    for (let offset = 0; offset < length; offset += MAX_RANDOM_CHUNK) {
      crypto.getRandomValues(bytes.subarray(at + offset, at + Math.min(length, offset + MAX_RANDOM_CHUNK)));
    }
    return ESUCCESS;
  }

  #fdWrite(fd, iovsAt, iovsCount, writtenAt) {
    if (fd !== 1 && fd !== 2) {
      return EBADF;
    }
    const view = this.#view();
    const decoder = new TextDecoder();
    let written = 0;
    for (let i = 0; i < iovsCount; i++) {
      const at = view.getUint32(iovsAt + 8 * i, true);
      const length = view.getUint32(iovsAt + 8 * i + 4, true);
      this.#lines[fd] += decoder.decode(this.#bytes().subarray(at, at + length));
      written += length;
    }
    this.#flushLines(fd);
    view.setUint32(writtenAt, written, true);
    return ESUCCESS;
  }

  #flushLines(fd) {
    const lines = this.#lines[fd].split("\n");
    this.#lines[fd] = lines.pop();
    for (const line of lines) {
      (fd === 1 ? console.log : console.error)(line);
    }
  }

  #fdstatGet(fd, statAt) {
    if (!isStdio(fd)) {
      return EBADF;
    }
    const view = this.#view();
    view.setUint8(statAt, FILETYPE_CHARACTER_DEVICE);
    view.setUint16(statAt + 2, 0, true); // fdflags
    view.setBigUint64(statAt + 8, 0xffffffffn, true); // rights_base
    view.setBigUint64(statAt + 16, 0n, true); // rights_inheriting
    return ESUCCESS;
  }
}

function isStdio(fd) {
  return fd >= 0 && fd <= 2;
}

function bigMax(a, b) {
  return a > b ? a : b;
}
