/** The digest realm agents' phones authenticate in: one per site, fixed so stored HA1 values stay valid. */
export const sipRealm = (site: string): string => `hcc-${site}`;
