/**
 * Weakness classes for cross-tool SAST matching. Tools pick different CWE granularity for one flaw
 * (CodeQL: CWE-079 and CWE-116 for XSS; Semgrep: CWE-79; Bandit: CWE-89 vs CodeQL CWE-943), so we
 * match on the class, not on the exact CWE.
 */
const CLASSES: Record<string, readonly number[]> = {
  "injection.sql": [89, 564, 943],
  "injection.command": [77, 78, 88],
  "injection.code": [94, 95, 96, 1336, 917],
  "injection.ldap": [90],
  "injection.xpath": [643, 652],
  "injection.log": [117, 93],
  "injection.header": [113, 644],
  xss: [79, 80, 83, 87, 116],
  "path-traversal": [22, 23, 35, 36, 73, 98],
  deserialization: [502],
  ssrf: [918],
  xxe: [611, 776, 827],
  "open-redirect": [601],
  "crypto.weak": [326, 327, 328, 916, 759, 760],
  "crypto.random": [330, 331, 338],
  "credentials.hardcoded": [798, 259, 321, 547],
  "tls.validation": [295, 297, 599],
  csrf: [352],
  "prototype-pollution": [1321, 915],
  "regex-dos": [1333, 400, 730],
  "file-upload": [434],
  "auth.missing": [306, 862, 863, 285, 287],
  "info-exposure": [200, 209, 532, 215],
  "cookie.insecure": [614, 1004],
  "race-condition": [362, 367],
  "template-injection": [1336],
};

const BY_CWE = new Map<number, string>();
for (const [name, cwes] of Object.entries(CLASSES))
  for (const cwe of cwes) if (!BY_CWE.has(cwe)) BY_CWE.set(cwe, name);

/** The class of the first CWE we can place, else undefined (no cross-tool link without a class). */
export function weaknessClass(cwes: readonly string[]): string | undefined {
  for (const cwe of cwes) {
    const n = Number(cwe.replace(/^CWE-/i, ""));
    const cls = BY_CWE.get(n);
    if (cls) return cls;
  }
  return undefined;
}
