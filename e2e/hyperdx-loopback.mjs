// Preloaded into HyperDX's API in the e2e (NODE_OPTIONS=--import): keeps it on loopback.
// - HyperDX 2.30.1 has no bind-host setting (packages/api/src/server.ts calls listen(PORT), every
//   interface): a listen given a port alone, or options without host or path, gets host 127.0.0.1.
// - Every outgoing connection to anything but 127.0.0.0/8 is refused before it is made, and appended
//   to E2E_EGRESS_LOG (host:port per line), so the test can show that nothing left the machine.
import fs from "node:fs";
import net from "node:net";

const LOOPBACK = "127.0.0.1";
const egressLog = process.env.E2E_EGRESS_LOG;
delete process.env.E2E_EGRESS_LOG; // not HyperDX's to see

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
    const [first] = args;
    if (typeof first === "number" || (typeof first === "string" && /^[0-9]+$/.test(first))) {
        const port = Number(first);
        const callback = args.find((a) => typeof a === "function");
        return listen.call(this, port, LOOPBACK, ...(callback ? [callback] : []));
    }
    if (first && typeof first === "object" && !(first instanceof net.Server) && first.host === undefined && first.path === undefined && first.handle === undefined && first.fd === undefined) {
        return listen.call(this, { ...first, host: LOOPBACK }, ...args.slice(1));
    }
    return listen.apply(this, args);
};

const isLoopback = (host) => host === undefined || host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "::1";
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
    const options = Array.isArray(args[0]) ? args[0][0] : args[0];
    const target = typeof options === "object" && options !== null
        ? { host: options.host, port: options.port, path: options.path }
        : { host: typeof args[1] === "string" ? args[1] : undefined, port: options };
    if (target.path === undefined && !isLoopback(target.host)) {
        if (egressLog) fs.appendFileSync(egressLog, `${target.host}:${target.port}\n`);
        const error = Object.assign(new Error(`e2e: connection to ${target.host}:${target.port} refused (loopback only)`), { code: "ECONNREFUSED" });
        process.nextTick(() => this.destroy(error));
        return this;
    }
    return connect.apply(this, args);
};
