import type { Random } from "./random.ts";

/** Plausible titles and bodies, so the demo looks like someone's notes and not lorem ipsum. */

const TOPICS = ["Roadmap", "Standup", "Retro", "Onboarding", "Incident", "Release", "Design review", "Customer call", "Hiring", "Budget", "Migration", "On-call"];
const ACTIONS = ["follow up on", "draft", "review", "decide", "ship", "measure", "document", "clean up", "estimate", "test"];
const OBJECTS = ["the billing flow", "search latency", "the onboarding email", "Postgres indexes", "the mobile layout", "API rate limits", "backup restores", "the Q3 goals", "error budgets", "the preview branches"];
const SENTENCES = [
  "Agreed to revisit this after the next release.",
  "Numbers look better than last week, but the p95 is still too high.",
  "Blocked on a decision from the platform team.",
  "Write the rollback script before the migration goes out.",
  "Customer asked for an export to CSV.",
  "Two people can pair on this on Thursday.",
  "The staging database was restored from last night's backup to check this.",
  "Keep the old column until every client reads the new one.",
  "Needs a load test before we turn it on for everyone.",
  "Nothing urgent; parked for the next planning session.",
];
const PROJECT_WORDS = ["Atlas", "Beacon", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Kestrel", "Lumen"];
const PROJECT_KINDS = ["website", "mobile app", "data pipeline", "internal tools", "API", "marketing site"];

export const noteTitle = (r: Random) => `${r.pick(TOPICS)}: ${r.pick(ACTIONS)} ${r.pick(OBJECTS)}`;

/** One to four different sentences: consecutive ones from a random starting point. */
export function noteContent(r: Random): string {
  const start = r.int(0, SENTENCES.length - 1);
  return Array.from({ length: r.int(1, 4) }, (_, i) => SENTENCES[(start + i) % SENTENCES.length]).join(" ");
}

export const projectName = (r: Random, index: number) => `${PROJECT_WORDS[index % PROJECT_WORDS.length]} ${r.pick(PROJECT_KINDS)}`;
export const projectDescription = (r: Random) => `Everything about ${r.pick(OBJECTS)}.`;
