// launcher.mjs starts the pinned fauxqs SQS emulator on loopback for
// sqstemp's integration tests.
//
// Usage (run with the Node.js 22 that package.json pins):
//
//	node_modules/.bin/node launcher.mjs [--port N] [--url-file PATH] [--exit-on-stdin-eof] [--watch-pid PID]
//
// It listens on 127.0.0.1 only (never on all interfaces), on port N (from
// --port, else $SQSTEMP_EMULATOR_PORT, else 0 = a free port chosen by the
// kernel), with fauxqs's logger off. Once it is listening it prints the URL
// (http://127.0.0.1:PORT) on one line to stdout and, with --url-file, also
// writes it (atomically) to PATH. It exits with status 0 on SIGTERM or SIGINT
// after closing the server, and, with --exit-on-stdin-eof, as soon as its
// standard input reaches end of file (so a parent that dies, even by SIGKILL,
// takes the emulator with it) and, with --watch-pid, within a second of
// process PID's exit.
//
// fauxqs keeps all state in memory: a restarted emulator is empty.
import { buildApp } from "fauxqs";
import { renameSync, writeFileSync } from "node:fs";

const HOST = "127.0.0.1";

function usage(msg) {
  process.stderr.write(`launcher: ${msg}\nusage: launcher.mjs [--port N] [--url-file PATH] [--exit-on-stdin-eof] [--watch-pid PID]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { port: process.env.SQSTEMP_EMULATOR_PORT ?? "0", urlFile: "", stdinEOF: false, watchPid: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(0, eq) : a;
    const value = () => {
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) usage(`${name} needs a value`);
      return argv[++i];
    };
    switch (name) {
      case "--port":
        opts.port = value();
        break;
      case "--url-file":
        opts.urlFile = value();
        break;
      case "--watch-pid":
        opts.watchPid = Number(value());
        if (!Number.isInteger(opts.watchPid) || opts.watchPid <= 0) usage("bad --watch-pid");
        break;
      case "--exit-on-stdin-eof":
        opts.stdinEOF = true;
        break;
      case "-h":
      case "--help":
        usage("help");
        break;
      default:
        usage(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  if (!/^\d+$/.test(String(opts.port)) || Number(opts.port) > 65535) {
    usage(`bad port ${JSON.stringify(opts.port)}`);
  }
  opts.port = Number(opts.port);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const app = buildApp({ logger: false });

let closing = false;
async function shutdown(code) {
  if (closing) return;
  closing = true;
  // Do not hang on a stuck close: fauxqs sets forceCloseConnections, so this
  // is only a safety net.
  setTimeout(() => process.exit(code), 3000).unref();
  try {
    await app.close();
  } catch (err) {
    process.stderr.write(`launcher: close: ${err?.stack ?? err}\n`);
  }
  process.exit(code);
}
process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));

let url;
try {
  await app.listen({ host: HOST, port: opts.port });
  const addr = app.server.address();
  url = `http://${HOST}:${addr.port}`;
} catch (err) {
  process.stderr.write(`launcher: listen on ${HOST}:${opts.port}: ${err?.message ?? err}\n`);
  process.exit(1);
}

if (opts.urlFile) {
  const tmp = `${opts.urlFile}.tmp${process.pid}`;
  writeFileSync(tmp, url + "\n");
  renameSync(tmp, opts.urlFile);
}
process.stdout.write(url + "\n");

if (opts.stdinEOF) {
  process.stdin.on("end", () => shutdown(0));
  process.stdin.on("error", () => shutdown(0));
  process.stdin.resume();
}

if (opts.watchPid) {
  setInterval(() => {
    try {
      process.kill(opts.watchPid, 0);
    } catch (err) {
      if (err.code === "ESRCH") shutdown(0);
    }
  }, 1000).unref();
}
