import { buildPurl, purlTypeFor } from "#shared/domain/purl";

/**
 * Package URLs from the ecosystem words SCA scanners print when they give no purl of their own:
 * `crates.io`, `Go`, `Debian:10` (OSV), `alpine:3.12`, `gomodules` (Snyk), `node-pkg`, `ubuntu` (Trivy).
 * OS packages get their distro as the purl namespace (`pkg:deb/debian/openssl@…`), as the purl spec
 * asks and as the tools that do print purls write them.
 */

const DISTRO_TYPE: Record<string, string> = {
  alpine: "apk",
  wolfi: "apk",
  chainguard: "apk",
  minimos: "apk",
  debian: "deb",
  ubuntu: "deb",
  redhat: "rpm",
  rhel: "rpm",
  centos: "rpm",
  rocky: "rpm",
  alma: "rpm",
  almalinux: "rpm",
  amazon: "rpm",
  amzn: "rpm",
  oracle: "rpm",
  photon: "rpm",
  suse: "rpm",
  sles: "rpm",
  opensuse: "rpm",
  "opensuse.leap": "rpm",
  "opensuse.tumbleweed": "rpm",
  fedora: "rpm",
  "cbl-mariner": "rpm",
  mariner: "rpm",
  azurelinux: "rpm",
};

// Words `purlTypeFor` does not know: Trivy result types and Snyk package managers.
const EXTRA_TYPE: Record<string, string> = {
  "node-pkg": "npm",
  rustbinary: "cargo",
  pom: "maven",
  "packages-props": "nuget",
  paket: "nuget",
  gomodules: "golang",
  golangdep: "golang",
  govendor: "golang",
  "conda-pkg": "conda",
  julia: "julia",
};

export interface EcosystemPurl {
  /** purl type (`npm`, `deb`, …); undefined when the word is not one we know. */
  type?: string;
  purl?: string;
  /** The package runs in an OS distribution (apk, deb, rpm): what `container` findings are about. */
  os: boolean;
}

/** The purl type and purl for a package named in an ecosystem word. */
export function purlFromEcosystem(
  ecosystem: string | undefined,
  name: string,
  version?: string,
): EcosystemPurl {
  const word = ecosystem?.trim().toLowerCase();
  if (!word) return { os: false };
  // `Debian:10`, `alpine:3.12`, `Rocky Linux:8`, `Ubuntu:22.04:LTS`: the distro is the first word
  const distro = (word.split(":")[0] ?? "").trim().split(/\s+/)[0] ?? "";
  const osType = DISTRO_TYPE[distro];
  if (osType) return { type: osType, purl: buildPurl(osType, name, version, distro), os: true };
  const type = EXTRA_TYPE[word] ?? purlTypeFor(word);
  if (!type) return { os: false };
  const os = type === "apk" || type === "deb" || type === "rpm";
  return { type, purl: buildPurl(type, name, version), os };
}
