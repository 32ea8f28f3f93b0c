// Local certificate authority and server certificate for `npm start` and the tests.
// Made once with openssl and kept in the state folder (git-ignored); kubeconfigs carry the CA.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function openssl(args, cwd) {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * Returns paths to the CA and server certificate in `dir`, making them when absent. `hostSuffix`
 * (KUBE_HOST_SUFFIX without its port) adds `*.<suffix>`, each cluster's own host; a certificate
 * made for other names is made again.
 */
export function ensureCertificates(dir, hostSuffix) {
  mkdirSync(dir, { recursive: true });
  const paths = {
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    cert: join(dir, "server.crt"),
    key: join(dir, "server.key"),
  };
  if (!existsSync(paths.caCert) || !existsSync(paths.caKey)) {
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=kubedo local CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  }
  const ext = [
    "basicConstraints=CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=serverAuth",
    `subjectAltName=DNS:localhost,${hostSuffix ? `DNS:*.${hostSuffix},` : ""}IP:127.0.0.1,IP:::1`,
    "",
  ].join("\n");
  const extFile = join(dir, "server.ext");
  const sameNames = existsSync(extFile) && readFileSync(extFile, "utf8") === ext;
  if (!existsSync(paths.cert) || !existsSync(paths.key) || !sameNames) {
    writeFileSync(extFile, ext);
    openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], dir);
    openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
      "-out", "server.crt", "-days", "825", "-extfile", "server.ext"], dir);
  }
  return { ...paths, caData: Buffer.from(readFileSync(paths.caCert)).toString("base64") };
}
