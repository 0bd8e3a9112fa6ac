import { describe, expect, it } from "vitest";
import { purlFromEcosystem } from "#shared/parsers/ecosystem-purl";

describe("purlFromEcosystem", () => {
  it("puts OS packages under their distro namespace", () => {
    expect(purlFromEcosystem("Debian:12", "openssl", "3.0.11-1")).toEqual({
      type: "deb",
      purl: "pkg:deb/debian/openssl@3.0.11-1",
      os: true,
    });
    expect(purlFromEcosystem("alpine:3.12", "busybox", "1.31.1-r21").purl).toBe(
      "pkg:apk/alpine/busybox@1.31.1-r21",
    );
    expect(purlFromEcosystem("Rocky Linux:8", "bash", "4.4").purl).toBe("pkg:rpm/rocky/bash@4.4");
  });

  it("maps language ecosystems, Trivy result types and Snyk package managers", () => {
    expect(purlFromEcosystem("crates.io", "regex", "1.5.1")).toEqual({
      type: "cargo",
      purl: "pkg:cargo/regex@1.5.1",
      os: false,
    });
    expect(purlFromEcosystem("node-pkg", "@babel/core", "7.0.0").purl).toBe("pkg:npm/%40babel/core@7.0.0");
    expect(purlFromEcosystem("gomodules", "golang.org/x/net", "0.7.0").purl).toBe(
      "pkg:golang/golang.org/x/net@0.7.0",
    );
    expect(purlFromEcosystem("maven", "org.apache.commons:commons-text", "1.9").purl).toBe(
      "pkg:maven/org.apache.commons/commons-text@1.9",
    );
  });

  it("states nothing for words it does not know", () => {
    expect(purlFromEcosystem("something-new", "x", "1")).toEqual({ os: false });
    expect(purlFromEcosystem(undefined, "x", "1")).toEqual({ os: false });
  });
});
