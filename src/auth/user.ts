import type { UserGetPayload } from "../generated/prisma/models.ts";

/** The columns of a user the API shows: never the password hash. */
export const userSelect = { id: true, email: true, name: true, role: true, createdAt: true, updatedAt: true } as const;

/** The authenticated user of a request: exactly what `userSelect` brings. */
export type AuthUser = UserGetPayload<{ select: typeof userSelect }>;
