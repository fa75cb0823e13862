import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";

/**
 * npm 12 runs a dependency's install script only when package.json's `allowScripts` allows it,
 * and skips it silently otherwise: a new dependency whose script we need would install broken.
 * So every package the lockfile marks `hasInstallScript` must be decided (true or false, the reason
 * in README's "Install scripts"), on every platform the lockfile serves, and no entry may outlive
 * its package. `npm install-scripts ls` and `prune` only see this machine's platform packages.
 */

const lockfileSchema = z.object({
  lockfileVersion: z.number().int().min(2),
  packages: z.record(
    z.string(),
    z.object({
      name: z.string().optional(),
      version: z.string().optional(),
      resolved: z.string().optional(),
      link: z.boolean().optional(),
      hasInstallScript: z.boolean().optional(),
    }),
  ),
});
const manifestSchema = z.object({ allowScripts: z.record(z.string(), z.boolean()).default({}) });

type Lockfile = z.infer<typeof lockfileSchema>;
type AllowScripts = Record<string, boolean>;
interface ScriptedPackage { name: string; version: string; path: string; resolved: string | undefined }

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
// npm's own key forms for registry packages: "name", "name@*", "name@1.2.3 || 1.2.4".
const ENTRY = /^((?:@[^/@\s]+\/)?[^/@\s]+)(?:@(.*))?$/;

function scriptedPackages(lockfile: Lockfile): ScriptedPackage[] {
  return Object.entries(lockfile.packages)
    .filter(([path, entry]) => path !== "" && !entry.link && entry.hasInstallScript)
    .map(([path, entry]) => ({
      // The install path names the package unless it is an alias; the lockfile then says `name`.
      name: entry.name ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length),
      version: entry.version ?? "",
      path,
      resolved: entry.resolved,
    }));
}

type ParsedEntry = { name: string; versions: string[] | "any" } | { problem: string };

function parseEntry(key: string): ParsedEntry {
  const match = ENTRY.exec(key);
  if (!match?.[1]) return { problem: `allowScripts entry "${key}" is not a registry package name, so this check cannot match it.` };
  const spec = (match[2] ?? "").trim();
  if (spec === "" || spec === "*") return { name: match[1], versions: "any" };
  const versions = spec.split("||").map((part) => part.trim());
  if (!versions.every((version) => EXACT_VERSION.test(version))) {
    return { problem: `allowScripts entry "${key}" uses a range or tag, which npm ignores: write exact versions joined by "||", or the bare name.` };
  }
  return { name: match[1], versions };
}

function covers(entry: { name: string; versions: string[] | "any" }, pkg: ScriptedPackage): boolean {
  return entry.name === pkg.name && (entry.versions === "any" || entry.versions.includes(pkg.version));
}

/** One sentence per problem; none when every scripted package is decided by an entry that matters. */
function installScriptProblems(lockfile: Lockfile, allowScripts: AllowScripts): string[] {
  const packages = scriptedPackages(lockfile);
  const problems: string[] = [];
  const entries: { key: string; allowed: boolean; name: string; versions: string[] | "any" }[] = [];
  for (const [key, allowed] of Object.entries(allowScripts)) {
    const parsed = parseEntry(key);
    if ("problem" in parsed) problems.push(parsed.problem);
    else entries.push({ key, allowed, ...parsed });
  }

  for (const pkg of packages) {
    const matching = entries.filter((entry) => covers(entry, pkg));
    if (matching.length === 0) {
      problems.push(
        `${pkg.name}@${pkg.version} (${pkg.path}) has an install script that allowScripts neither allows nor denies: ` +
          `read it, add "${pkg.name}": true or false to package.json, and give the reason in README's "Install scripts".`,
      );
      continue;
    }
    // npm trusts a version only from the lockfile's registry URL; this lockfile records none, so a
    // pinned approval is refused (a pinned denial still blocks) and the script would never run.
    const unverifiablePin = matching.find((entry) => entry.allowed && entry.versions !== "any" && !pkg.resolved);
    if (unverifiablePin && !matching.some((entry) => !entry.allowed)) {
      problems.push(
        `allowScripts entry "${unverifiablePin.key}" is pinned, but package-lock.json records no registry URL for ${pkg.path}, ` +
          `so npm cannot verify the version and refuses the approval: write "${pkg.name}": true.`,
      );
    }
  }

  for (const entry of entries) {
    if (!packages.some((pkg) => covers(entry, pkg))) {
      problems.push(`allowScripts entry "${entry.key}" matches no package with an install script in package-lock.json: remove it.`);
    }
  }
  return problems;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../${file}`, import.meta.url)), "utf8"));
}

const lockfile = lockfileSchema.parse(readJson("package-lock.json"));
const allowScripts = manifestSchema.parse(readJson("package.json")).allowScripts;

describe("dependency install scripts", () => {
  it("every package in the lockfile with an install script is allowed or denied, and every entry is still in use", () => {
    expect(installScriptProblems(lockfile, allowScripts)).toEqual([]);
  });

  it("names a scripted package that no entry decides", () => {
    const pkg = scriptedPackages(lockfile).find((candidate) => candidate.name in allowScripts);
    expect(pkg).toBeDefined();
    const { [pkg!.name]: _removed, ...rest } = allowScripts;
    const problems = installScriptProblems(lockfile, rest);
    expect(problems).toContainEqual(
      expect.stringContaining(`${pkg!.name}@${pkg!.version} (${pkg!.path}) has an install script that allowScripts neither allows nor denies`),
    );
  });

  it("names an entry whose package is gone from the lockfile", () => {
    const problems = installScriptProblems(lockfile, { ...allowScripts, "left-pad": false });
    expect(problems).toContain(`allowScripts entry "left-pad" matches no package with an install script in package-lock.json: remove it.`);
  });

  it("names a pin that no longer matches the locked version, and the version it leaves undecided", () => {
    const pkg = scriptedPackages(lockfile).find((candidate) => allowScripts[candidate.name] === false);
    expect(pkg).toBeDefined();
    const { [pkg!.name]: _removed, ...rest } = allowScripts;
    const problems = installScriptProblems(lockfile, { ...rest, [`${pkg!.name}@0.0.0`]: false });
    expect(problems).toContain(`allowScripts entry "${pkg!.name}@0.0.0" matches no package with an install script in package-lock.json: remove it.`);
    expect(problems).toContainEqual(expect.stringContaining(`${pkg!.name}@${pkg!.version} (${pkg!.path}) has an install script`));
  });

  it("refuses a pinned approval npm could not verify, and a range npm would ignore", () => {
    const pkg = scriptedPackages(lockfile).find((candidate) => allowScripts[candidate.name] === true);
    expect(pkg).toBeDefined();
    const { [pkg!.name]: _removed, ...rest } = allowScripts;
    const { resolved: _url, ...withoutUrl } = lockfile.packages[pkg!.path]!;
    const lockfileWithoutUrl = { ...lockfile, packages: { ...lockfile.packages, [pkg!.path]: withoutUrl } };
    expect(installScriptProblems(lockfileWithoutUrl, { ...rest, [`${pkg!.name}@${pkg!.version}`]: true })).toContainEqual(
      expect.stringContaining(`allowScripts entry "${pkg!.name}@${pkg!.version}" is pinned, but package-lock.json records no registry URL`),
    );
    expect(installScriptProblems(lockfile, { ...rest, [`${pkg!.name}@^${pkg!.version}`]: true })).toContain(
      `allowScripts entry "${pkg!.name}@^${pkg!.version}" uses a range or tag, which npm ignores: write exact versions joined by "||", or the bare name.`,
    );
  });
});
