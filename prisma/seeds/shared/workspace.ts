import type { ErrorLogCreateManyInput, NoteCreateManyInput, PerformanceMetricCreateManyInput, ProjectCreateManyInput } from "../../../src/generated/prisma/models.ts";
import { seedId } from "./ids.ts";
import { createRandom, type Random } from "./random.ts";
import { noteContent, noteTitle, projectDescription, projectName } from "./text.ts";

/**
 * The content rows of a dev or staging seed, built in memory from a seeded generator so that
 * every run produces the same rows with the same ids. Timestamps are relative to `now` so the
 * data looks recent, and some of it is old enough for the retention jobs to act on.
 */
export interface WorkspaceSize {
  projectsPerUser: number;
  notes: number;
  errorLogs: number;
  performanceMetrics: number;
  /** How many days back the error logs and metrics reach (retention cut-offs fall inside). */
  historyDays: number;
}

export interface Owner {
  id: string;
  /** Relative share of the notes: the demo account gets more so its login shows a full list. */
  weight: number;
}

export interface Workspace {
  projects: ProjectCreateManyInput[];
  notes: NoteCreateManyInput[];
  errorLogs: ErrorLogCreateManyInput[];
  performanceMetrics: PerformanceMetricCreateManyInput[];
}

const DAY = 24 * 60 * 60 * 1000;
const ROUTES = [
  ["GET", "/api/notes"],
  ["POST", "/api/notes"],
  ["GET", "/api/notes/:id"],
  ["PATCH", "/api/notes/:id"],
  ["DELETE", "/api/notes/:id"],
  ["GET", "/api/projects"],
  ["POST", "/api/auth/login"],
  ["GET", "/health/ready"],
] as const;
const ERRORS = [
  ["ERROR", 500, "Database query timed out after 10000ms"],
  ["ERROR", 503, "Database unavailable: connection refused"],
  ["WARN", 429, "Rate limit exceeded for client"],
  ["ERROR", 500, "Cannot read properties of undefined (reading 'id')"],
  ["FATAL", 500, "Out of memory while serialising response"],
  ["WARN", 409, "Unique constraint failed on the fields: (`email`)"],
] as const;

export function buildWorkspace(kind: string, owners: readonly Owner[], size: WorkspaceSize, now: Date): Workspace {
  const r = createRandom(`${kind}-workspace`);
  const at = (daysBack: number) => new Date(now.getTime() - Math.floor(daysBack * DAY));

  const projects: ProjectCreateManyInput[] = [];
  owners.forEach((owner, ownerIndex) => {
    for (let i = 0; i < size.projectsPerUser; i++) {
      const createdAt = at(r.int(60, 200));
      projects.push({
        id: seedId(kind, "project", ownerIndex, i),
        userId: owner.id,
        name: projectName(r, ownerIndex + i),
        description: r.chance(0.8) ? projectDescription(r) : null,
        status: i === size.projectsPerUser - 1 && r.chance(0.5) ? "ARCHIVED" : "ACTIVE",
        // A few projects sit in the trash, to exercise restore.
        deletedAt: i > 0 && r.chance(0.1) ? at(r.int(1, 20)) : null,
        createdAt,
        updatedAt: createdAt,
      });
    }
  });

  const notes = buildNotes(kind, r, owners, projects, size.notes, now);

  const errorLogs: ErrorLogCreateManyInput[] = [];
  for (let i = 0; i < size.errorLogs; i++) {
    const [method, route] = r.pick(ROUTES);
    const [level, status, message] = r.pick(ERRORS);
    const timestamp = at(r.next() * size.historyDays);
    const resolved = r.chance(0.45);
    errorLogs.push({
      id: seedId(kind, "error", i),
      timestamp,
      level,
      message,
      stack: level === "WARN" ? null : `Error: ${message}\n    at handler (src/routes/notes.ts:${r.int(10, 200)}:${r.int(1, 40)})`,
      route,
      method,
      status,
      userId: r.chance(0.6) ? r.pick(owners).id : null,
      requestId: seedId(kind, "request", i).slice(1, 17),
      resolved,
      resolvedAt: resolved ? new Date(Math.min(now.getTime(), timestamp.getTime() + r.int(1, 72) * 3_600_000)) : null,
    });
  }

  const performanceMetrics: PerformanceMetricCreateManyInput[] = [];
  for (let i = 0; i < size.performanceMetrics; i++) {
    const [method, route] = r.pick(ROUTES);
    // Mostly fast, with a long tail: enough spread for p50/p95 charts to mean something.
    const durationMs = Math.round((5 + 40 * r.next() ** 3 + (r.chance(0.05) ? r.int(200, 2_000) : 0)) * 100) / 100;
    performanceMetrics.push({
      id: seedId(kind, "metric", i),
      timestamp: at(r.next() * size.historyDays),
      route,
      method,
      status: r.chance(0.96) ? (method === "POST" ? 201 : 200) : r.pick([400, 404, 500]),
      durationMs,
    });
  }

  return { projects, notes, errorLogs, performanceMetrics };
}

function buildNotes(kind: string, r: Random, owners: readonly Owner[], projects: ProjectCreateManyInput[], count: number, now: Date): NoteCreateManyInput[] {
  const totalWeight = owners.reduce((sum, o) => sum + o.weight, 0);
  const liveProjects = new Map<string, string[]>();
  for (const p of projects) if (!p.deletedAt) liveProjects.set(p.userId, [...(liveProjects.get(p.userId) ?? []), p.id as string]);

  const notes: NoteCreateManyInput[] = [];
  for (let i = 0; i < count; i++) {
    const owner = weightedPick(r, owners, totalWeight);
    const ownProjects = liveProjects.get(owner.id) ?? [];
    const createdAt = new Date(now.getTime() - Math.floor(r.next() * 120 * DAY));
    const updatedAt = new Date(createdAt.getTime() + Math.floor(r.next() * (now.getTime() - createdAt.getTime()) * 0.5));
    const deleted = r.chance(0.12);
    notes.push({
      id: seedId(kind, "note", i),
      userId: owner.id,
      projectId: ownProjects.length && r.chance(0.75) ? r.pick(ownProjects) : null,
      title: noteTitle(r),
      content: noteContent(r),
      pinned: r.chance(0.1),
      deletedAt: deleted ? updatedAt : null,
      createdAt,
      updatedAt,
    });
  }
  return notes;
}

function weightedPick(r: Random, owners: readonly Owner[], totalWeight: number): Owner {
  let ticket = r.next() * totalWeight;
  for (const owner of owners) {
    ticket -= owner.weight;
    if (ticket < 0) return owner;
  }
  return owners[owners.length - 1] as Owner;
}
