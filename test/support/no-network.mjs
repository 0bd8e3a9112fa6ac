// Preload (`node --import`) that refuses every connection off this machine and says so on stderr
// as `ASPM_NETWORK_BLOCKED <host>`: the proof that `aspm dev` and the demo stay offline unless asked.
import net from "node:net";

const LOCAL = /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3}|0\.0\.0\.0)$/i;
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.connect hands over its normalized [options, callback]; a direct call passes them as is
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === "object" && first !== null ? first : { port: first, host: args[1] };
  const host = typeof options.host === "string" ? options.host : "localhost";
  if (!options.path && !LOCAL.test(host)) {
    process.stderr.write(`ASPM_NETWORK_BLOCKED ${host}\n`);
    process.nextTick(() => this.destroy(new Error(`network access to ${host} blocked (offline run)`)));
    return this;
  }
  return connect.apply(this, args);
};
