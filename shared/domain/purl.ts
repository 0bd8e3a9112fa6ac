import { PackageURL } from "packageurl-js";

/**
 * Package identity through packageurl-js, so `pkg:npm/%40babel/core` and `@babel/core` agree and
 * PyPI names are canonical (lower case, `-`). Returns undefined when the parts cannot form a purl.
 */
const NAMESPACED_BY_SLASH = new Set(["npm", "golang", "github", "composer"]);

export function buildPurl(
  type: string,
  name: string,
  version?: string,
  namespace?: string,
  qualifiers?: Record<string, string>,
): string | undefined {
  try {
    let ns = namespace;
    let base = name;
    // npm scopes, Go paths and Composer `vendor/package` arrive as one string; split the namespace off.
    if (!ns && NAMESPACED_BY_SLASH.has(type) && name.includes("/")) {
      const cut = name.lastIndexOf("/");
      ns = name.slice(0, cut);
      base = name.slice(cut + 1);
    }
    if (!ns && type === "maven" && name.includes(":")) {
      const [group, artifact] = name.split(":");
      ns = group;
      base = artifact ?? name;
    }
    return new PackageURL(type, ns ?? null, base, version ?? null, qualifiers ?? null, null).toString();
  } catch {
    return undefined;
  }
}

export interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
}

export function parsePurl(purl: string): PurlParts | undefined {
  try {
    const p = PackageURL.fromString(purl);
    return {
      type: p.type,
      name: p.name,
      ...(p.namespace ? { namespace: p.namespace } : {}),
      ...(p.version ? { version: p.version } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Version-less identity `type/namespace/name`, what correlation keys SCA findings on. */
export function packageIdentity(purl: string): string | undefined {
  const parts = parsePurl(purl);
  if (!parts) return undefined;
  return [parts.type, parts.namespace ?? "", parts.name].join("/");
}

/** Maps ecosystem words used by scanners to purl types. */
const ECOSYSTEM_TO_TYPE: Record<string, string> = {
  npm: "npm",
  node: "npm",
  "node.js": "npm",
  yarn: "npm",
  pnpm: "npm",
  javascript: "npm",
  pypi: "pypi",
  pip: "pypi",
  python: "pypi",
  pipenv: "pypi",
  poetry: "pypi",
  "python-pkg": "pypi",
  maven: "maven",
  gradle: "maven",
  sbt: "maven",
  java: "maven",
  "java-archive": "maven",
  jar: "maven",
  go: "golang",
  golang: "golang",
  gomod: "golang",
  gobinary: "golang",
  "go-module": "golang",
  "crates.io": "cargo",
  cargo: "cargo",
  rust: "cargo",
  "rust-crate": "cargo",
  rubygems: "gem",
  gem: "gem",
  bundler: "gem",
  gemspec: "gem",
  nuget: "nuget",
  dotnet: "nuget",
  "dotnet-core": "nuget",
  packagist: "composer",
  composer: "composer",
  php: "composer",
  pub: "pub",
  hex: "hex",
  swift: "swift",
  cocoapods: "cocoapods",
  conan: "conan",
  debian: "deb",
  deb: "deb",
  dpkg: "deb",
  ubuntu: "deb",
  alpine: "apk",
  apk: "apk",
  wolfi: "apk",
  chainguard: "apk",
  rpm: "rpm",
  redhat: "rpm",
  rhel: "rpm",
  centos: "rpm",
  rocky: "rpm",
  alma: "rpm",
  amazon: "rpm",
  "oracle linux": "rpm",
  suse: "rpm",
  "photon os": "rpm",
  docker: "docker",
  github: "github",
  "github-action": "github",
};

export function purlTypeFor(ecosystem: string | undefined): string | undefined {
  if (!ecosystem) return undefined;
  const key = ecosystem.trim().toLowerCase();
  return ECOSYSTEM_TO_TYPE[key] ?? ECOSYSTEM_TO_TYPE[key.split(":")[0] ?? ""];
}
