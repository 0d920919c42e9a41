/**
 * What an edge backup holds and where each part lives on this install, from the same environment
 * the service reads (`edgeSettings()`):
 *   database/pglite.tar | database/postgres.dump   the edge database (CDRs, customers, outbox,
 *                                                  SIP secrets, desktop password hashes, config)
 *   data/pseudonym.key                             the site's caller pseudonym key
 *   data/recordings/..., data/voicemail/...        call recordings and voicemail WAVs
 *   enroll/<file>                                  the enrollment directory (EDGE_ENROLL_DIR)
 */
import { join } from 'node:path';
import { ADMIN_SOCKET_NAME, type DatabaseTarget } from '@hcc/shared';
import { edgeSettings } from '../settings.ts';

/** The enrollment directory's files (see `hcc-edge enroll`); nothing else of /etc/hcc is taken. */
export const ENROLL_FILES = [
  'enrollment.json',
  'leaf.creds',
  'hub-ca.pem',
  'config-signing.pem',
  'leaf.conf',
];
/** Folders of the data dir that hold customer data. */
export const DATA_FOLDERS = ['recordings', 'voicemail'];
export const PSEUDONYM_KEY = 'pseudonym.key';

export interface EdgeLayout {
  site: string;
  /** Whether EDGE_SITE was set (a restore then refuses another site's archive). */
  siteFromEnv: boolean;
  dataDir: string;
  database: DatabaseTarget;
  enrollDir: string | undefined;
  adminSocket: string;
}

export function edgeLayout(env: NodeJS.ProcessEnv = process.env): EdgeLayout {
  // The config key files may not exist yet on a fresh install (the restore brings them back):
  // everything else is read exactly as the service reads it.
  const s = edgeSettings({ ...env, EDGE_CONFIG_PUBLIC_KEY_FILE: '' });
  const enrollDir = env.EDGE_ENROLL_DIR === '' ? undefined : env.EDGE_ENROLL_DIR;
  return {
    site: s.site,
    siteFromEnv: Boolean(env.EDGE_SITE),
    dataDir: s.dataDir,
    database: s.database,
    enrollDir,
    adminSocket: join(s.dataDir, ADMIN_SOCKET_NAME),
  };
}
