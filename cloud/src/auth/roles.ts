/** Console and API roles, most powerful first. */
export const ROLES = ['tenant_admin', 'ops', 'supervisor', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a role may do. analyst: read everything; supervisor: also edit agents, queues, skills and
 * not-ready reasons; ops: edit every config entity, publish, roll out and roll back, and make
 * enrollment tokens for sites; tenant_admin: also create sites, users and API keys.
 */
export type Action = 'read' | 'edit_people' | 'edit_config' | 'deploy' | 'enroll' | 'admin';

const GRANTS: Record<Role, readonly Action[]> = {
  tenant_admin: ['read', 'edit_people', 'edit_config', 'deploy', 'enroll', 'admin'],
  ops: ['read', 'edit_people', 'edit_config', 'deploy', 'enroll'],
  supervisor: ['read', 'edit_people'],
  analyst: ['read'],
};

export const isRole = (x: unknown): x is Role =>
  typeof x === 'string' && (ROLES as readonly string[]).includes(x);
export const can = (role: Role, action: Action): boolean => GRANTS[role].includes(action);

/** Who is calling: resolved from a console session or an API key; the tenant comes only from here. */
export interface Principal {
  tenantId: string;
  role: Role;
  /** `user:<id>` or `key:<id>`: recorded as the author of drafts, versions and deployments. */
  subject: string;
  userId?: string;
  /** The signed-in user's e-mail (console sessions), shown in the console header. */
  email?: string;
}
